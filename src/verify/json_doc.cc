#include "src/verify/json_doc.h"

#include <cstdint>
#include <cstdlib>

#include "src/base/utf8.h"

namespace lithium::verify {
namespace {

// Deep enough for any real document, shallow enough for the stack.
constexpr int kMaxDepth = 256;

class Parser {
 public:
  explicit Parser(std::string_view text) : s_(text) {}

  Result<JsonValue> ParseDocument() {
    JsonValue v;
    SkipSpace();
    if (!ParseValue(&v, 0)) return Error();
    SkipSpace();
    if (i_ != s_.size()) {
      message_ = "unexpected text after the JSON value";
      return Error();
    }
    return v;
  }

 private:
  Status Error() const {
    size_t line = 1, col = 1;
    for (size_t k = 0; k < err_at_ && k < s_.size(); ++k) {
      if (s_[k] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    return Status::Invalid("invalid JSON at line " + std::to_string(line) + ", column " + std::to_string(col) + ": " +
                           message_);
  }
  bool Fail(const std::string& m) {
    if (message_.empty()) {
      message_ = m;
      err_at_ = i_;
    }
    return false;
  }
  void SkipSpace() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
  }
  bool Literal(std::string_view word) {
    if (s_.substr(i_, word.size()) != word) return Fail("unexpected character");
    i_ += word.size();
    return true;
  }

  bool ParseValue(JsonValue* v, int depth) {
    if (depth > kMaxDepth) return Fail("nesting deeper than 256");
    if (i_ >= s_.size()) return Fail("unexpected end of input");
    v->begin = i_;
    bool ok = false;
    switch (s_[i_]) {
      case '{': ok = ParseObject(v, depth); break;
      case '[': ok = ParseArray(v, depth); break;
      case '"': v->kind = JsonValue::Kind::kString; ok = ParseString(&v->text); break;
      case 't': v->kind = JsonValue::Kind::kBool; v->boolean = true; ok = Literal("true"); break;
      case 'f': v->kind = JsonValue::Kind::kBool; ok = Literal("false"); break;
      case 'n': v->kind = JsonValue::Kind::kNull; ok = Literal("null"); break;
      default: ok = ParseNumber(v); break;
    }
    v->end = i_;
    return ok;
  }

  bool ParseObject(JsonValue* v, int depth) {
    v->kind = JsonValue::Kind::kObject;
    ++i_;
    SkipSpace();
    if (i_ < s_.size() && s_[i_] == '}') {
      ++i_;
      return true;
    }
    while (true) {
      SkipSpace();
      if (i_ >= s_.size() || s_[i_] != '"') return Fail("expected a string key");
      std::string key;
      const size_t key_at = i_;
      if (!ParseString(&key)) return false;
      if (v->Find(key) != nullptr) {
        i_ = key_at;
        return Fail("duplicate key \"" + key + "\"");
      }
      SkipSpace();
      if (i_ >= s_.size() || s_[i_] != ':') return Fail("expected ':'");
      ++i_;
      SkipSpace();
      v->keys.push_back(std::move(key));
      v->items.emplace_back();
      if (!ParseValue(&v->items.back(), depth + 1)) return false;
      SkipSpace();
      if (i_ < s_.size() && s_[i_] == ',') {
        ++i_;
        continue;
      }
      if (i_ < s_.size() && s_[i_] == '}') {
        ++i_;
        return true;
      }
      return Fail("expected ',' or '}'");
    }
  }

  bool ParseArray(JsonValue* v, int depth) {
    v->kind = JsonValue::Kind::kArray;
    ++i_;
    SkipSpace();
    if (i_ < s_.size() && s_[i_] == ']') {
      ++i_;
      return true;
    }
    while (true) {
      SkipSpace();
      v->items.emplace_back();
      if (!ParseValue(&v->items.back(), depth + 1)) return false;
      SkipSpace();
      if (i_ < s_.size() && s_[i_] == ',') {
        ++i_;
        continue;
      }
      if (i_ < s_.size() && s_[i_] == ']') {
        ++i_;
        return true;
      }
      return Fail("expected ',' or ']'");
    }
  }

  bool ParseNumber(JsonValue* v) {
    const size_t start = i_;
    auto digit = [&] { return i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9'; };
    if (i_ < s_.size() && s_[i_] == '-') ++i_;
    if (!digit()) return Fail("unexpected character");
    if (s_[i_] == '0') {
      ++i_;
    } else {
      while (digit()) ++i_;
    }
    if (i_ < s_.size() && s_[i_] == '.') {
      ++i_;
      if (!digit()) return Fail("expected a digit after '.'");
      while (digit()) ++i_;
    }
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      ++i_;
      if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
      if (!digit()) return Fail("expected a digit in the exponent");
      while (digit()) ++i_;
    }
    v->kind = JsonValue::Kind::kNumber;
    v->text = std::string(s_.substr(start, i_ - start));
    return true;
  }

  bool Hex4(uint32_t* out) {
    if (i_ + 4 > s_.size()) return Fail("truncated \\u escape");
    uint32_t v = 0;
    for (int k = 0; k < 4; ++k) {
      char c = s_[i_++];
      v <<= 4;
      if (c >= '0' && c <= '9') v |= uint32_t(c - '0');
      else if (c >= 'a' && c <= 'f') v |= uint32_t(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') v |= uint32_t(c - 'A' + 10);
      else return Fail("bad hex digit in \\u escape");
    }
    *out = v;
    return true;
  }

  // Validates raw UTF-8 as it is copied: a model can emit any bytes, and a
  // string compared in Z3 must be a sequence of code points.
  bool CopyUtf8(std::string* out) {
    const unsigned char b0 = static_cast<unsigned char>(s_[i_]);
    int n = b0 >= 0xF0 && b0 <= 0xF4 ? 4 : b0 >= 0xE0 ? 3 : b0 >= 0xC2 && b0 < 0xE0 ? 2 : 0;
    if (n == 0 || i_ + size_t(n) > s_.size()) return Fail("invalid UTF-8 in a string");
    uint32_t cp = b0 & (0x7F >> n);
    for (int k = 1; k < n; ++k) {
      const unsigned char b = static_cast<unsigned char>(s_[i_ + size_t(k)]);
      if ((b & 0xC0) != 0x80) return Fail("invalid UTF-8 in a string");
      cp = (cp << 6) | (b & 0x3F);
    }
    const uint32_t min_cp[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min_cp[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return Fail("invalid UTF-8 in a string");
    out->append(s_.substr(i_, size_t(n)));
    i_ += size_t(n);
    return true;
  }

  bool ParseString(std::string* out) {
    ++i_;  // the opening quote
    while (true) {
      if (i_ >= s_.size()) return Fail("unterminated string");
      const unsigned char c = static_cast<unsigned char>(s_[i_]);
      if (c == '"') {
        ++i_;
        return true;
      }
      if (c < 0x20) return Fail("control character in a string");
      if (c >= 0x80) {
        if (!CopyUtf8(out)) return false;
        continue;
      }
      if (c != '\\') {
        out->push_back(char(c));
        ++i_;
        continue;
      }
      if (++i_ >= s_.size()) return Fail("unterminated string");
      const char e = s_[i_++];
      switch (e) {
        case '"': out->push_back('"'); break;
        case '\\': out->push_back('\\'); break;
        case '/': out->push_back('/'); break;
        case 'b': out->push_back('\b'); break;
        case 'f': out->push_back('\f'); break;
        case 'n': out->push_back('\n'); break;
        case 'r': out->push_back('\r'); break;
        case 't': out->push_back('\t'); break;
        case 'u': {
          uint32_t cp;
          if (!Hex4(&cp)) return false;
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            uint32_t lo;
            if (s_.substr(i_, 2) != "\\u") return Fail("unpaired surrogate in \\u escape");
            i_ += 2;
            if (!Hex4(&lo)) return false;
            if (lo < 0xDC00 || lo > 0xDFFF) return Fail("unpaired surrogate in \\u escape");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            return Fail("unpaired surrogate in \\u escape");
          }
          AppendUtf8(cp, out);
          break;
        }
        default: return Fail("bad escape in a string");
      }
    }
  }

  std::string_view s_;
  size_t i_ = 0;
  size_t err_at_ = 0;
  std::string message_;
};

}  // namespace

const JsonValue* JsonValue::Find(std::string_view key) const {
  if (kind != Kind::kObject) return nullptr;
  for (size_t k = 0; k < keys.size(); ++k) {
    if (keys[k] == key) return &items[k];
  }
  return nullptr;
}

const char* JsonValue::KindName() const {
  switch (kind) {
    case Kind::kNull: return "null";
    case Kind::kBool: return "a boolean";
    case Kind::kNumber: return "a number";
    case Kind::kString: return "a string";
    case Kind::kArray: return "an array";
    case Kind::kObject: return "an object";
  }
  return "?";
}

Result<JsonValue> ParseJson(std::string_view text) { return Parser(text).ParseDocument(); }

nlohmann::json ToNlohmann(const JsonValue& v) {
  switch (v.kind) {
    case JsonValue::Kind::kNull: return nullptr;
    case JsonValue::Kind::kBool: return v.boolean;
    case JsonValue::Kind::kString: return v.text;
    case JsonValue::Kind::kNumber: {
      // nlohmann's own number parser keeps integers exact when they fit.
      nlohmann::json n = nlohmann::json::parse(v.text, nullptr, false);
      return n.is_discarded() ? nlohmann::json(v.text) : n;
    }
    case JsonValue::Kind::kArray: {
      nlohmann::json a = nlohmann::json::array();
      for (const JsonValue& e : v.items) a.push_back(ToNlohmann(e));
      return a;
    }
    case JsonValue::Kind::kObject: {
      nlohmann::json o = nlohmann::json::object();
      for (size_t k = 0; k < v.keys.size(); ++k) o[v.keys[k]] = ToNlohmann(v.items[k]);
      return o;
    }
  }
  return nullptr;
}

JsonValue FromNlohmann(const nlohmann::json& j) {
  JsonValue v;
  if (j.is_null()) {
    v.kind = JsonValue::Kind::kNull;
  } else if (j.is_boolean()) {
    v.kind = JsonValue::Kind::kBool;
    v.boolean = j.get<bool>();
  } else if (j.is_number()) {
    v.kind = JsonValue::Kind::kNumber;
    v.text = j.dump();
  } else if (j.is_string()) {
    v.kind = JsonValue::Kind::kString;
    v.text = j.get<std::string>();
  } else if (j.is_array()) {
    v.kind = JsonValue::Kind::kArray;
    for (const auto& e : j) v.items.push_back(FromNlohmann(e));
  } else if (j.is_object()) {
    v.kind = JsonValue::Kind::kObject;
    for (auto it = j.begin(); it != j.end(); ++it) {
      v.keys.push_back(it.key());
      v.items.push_back(FromNlohmann(it.value()));
    }
  }
  return v;
}

}  // namespace lithium::verify
