#include "src/verify/policy_yaml.h"


namespace lithium::verify {

std::string MarkLocation(const std::string& name, const YAML::Mark& mark) {
  return name + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
}

namespace {

std::string OffsetLocation(const std::string& name, const std::string& source, size_t at) {
  size_t line = 1, col = 1;
  for (size_t i = 0; i < at && i < source.size(); ++i) {
    if (source[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return name + ":" + std::to_string(line) + ":" + std::to_string(col);
}

}  // namespace

std::string ScalarLocation(const std::string& name, const std::string& source, const YAML::Node& node, size_t offset) {
  const YAML::Mark mark = node.Mark();
  const std::string value = node.Scalar();
  auto fallback = [&] {
    YAML::Mark m = mark;
    m.column += int(offset);
    return MarkLocation(name, m);
  };
  if (mark.pos < 0 || size_t(mark.pos) >= source.size()) return fallback();
  size_t s = size_t(mark.pos);
  // Skip the scalar's header: a block indicator line, or an opening quote.
  if (source[s] == '|' || source[s] == '>') {
    while (s < source.size() && source[s] != '\n') ++s;
  } else if (source[s] == '"' || source[s] == '\'') {
    ++s;
  }
  auto skippable = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '"' || c == '\'' || c == '\\';
  };
  for (size_t i = 0; i <= offset && i < value.size(); ++i) {
    const char want = value[i];
    while (s < source.size() && source[s] != want && !(want == ' ' && source[s] == '\n')) {
      if (!skippable(source[s])) return fallback();
      ++s;
    }
    if (s >= source.size()) return fallback();
    if (i == offset) return OffsetLocation(name, source, s);
    ++s;
  }
  // The offset is the end of the value: just after its last character.
  return OffsetLocation(name, source, s);
}

// YAML 1.2 core-schema number: [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
// (integers included). Hand-written rather than std::regex: libstdc++'s regex
// compiler is slow to build per call and trips GCC 12's maybe-uninitialized
// false positive under ASan.
static bool IsYamlNumber(const std::string& s) {
  size_t i = 0, n = s.size();
  auto digits = [&] {
    size_t start = i;
    while (i < n && s[i] >= '0' && s[i] <= '9') ++i;
    return i - start;
  };
  if (i < n && (s[i] == '-' || s[i] == '+')) ++i;
  size_t int_digits = digits();
  if (i < n && s[i] == '.') {
    ++i;
    size_t frac_digits = digits();
    if (int_digits == 0 && frac_digits == 0) return false;
  } else if (int_digits == 0) {
    return false;
  }
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < n && (s[i] == '-' || s[i] == '+')) ++i;
    if (digits() == 0) return false;
  }
  return i == n;
}

Result<nlohmann::json> YamlToJson(const YAML::Node& node, const std::string& name) {
  switch (node.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      return nlohmann::json(nullptr);
    case YAML::NodeType::Scalar: {
      const std::string& s = node.Scalar();
      if (node.Tag() == "!") return nlohmann::json(s);  // quoted: always a string
      if (s == "~" || s == "null" || s == "Null" || s == "NULL") return nlohmann::json(nullptr);
      if (s == "true" || s == "True" || s == "TRUE") return nlohmann::json(true);
      if (s == "false" || s == "False" || s == "FALSE") return nlohmann::json(false);
      if (IsYamlNumber(s)) {
        nlohmann::json n = nlohmann::json::parse(s[0] == '+' ? s.substr(1) : s, nullptr, false);
        if (!n.is_discarded()) return n;
        // ".5" and "5." are YAML floats but not JSON numbers.
        std::string t = s[0] == '+' ? s.substr(1) : s;
        if (t[0] == '.' || (t[0] == '-' && t.size() > 1 && t[1] == '.')) t.insert(t[0] == '-' ? 1 : 0, "0");
        if (t.back() == '.') t += "0";
        n = nlohmann::json::parse(t, nullptr, false);
        if (!n.is_discarded()) return n;
      }
      return nlohmann::json(s);
    }
    case YAML::NodeType::Sequence: {
      nlohmann::json a = nlohmann::json::array();
      for (const auto& item : node) {
        LI_ASSIGN_OR_RETURN(nlohmann::json v, YamlToJson(item, name));
        a.push_back(std::move(v));
      }
      return a;
    }
    case YAML::NodeType::Map: {
      nlohmann::json o = nlohmann::json::object();
      for (const auto& kv : node) {
        if (!kv.first.IsScalar()) return Status::Invalid(MarkLocation(name, kv.first.Mark()) + ": mapping keys must be strings");
        LI_ASSIGN_OR_RETURN(nlohmann::json v, YamlToJson(kv.second, name));
        o[kv.first.Scalar()] = std::move(v);
      }
      return o;
    }
  }
  return nlohmann::json(nullptr);
}

}  // namespace lithium::verify
