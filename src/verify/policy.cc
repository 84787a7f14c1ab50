// Loading a policy file: YAML structure, schemas, rules, type checking.
#include <fstream>
#include <optional>
#include <sstream>

#include "src/verify/cel_z3.h"
#include "src/verify/policy_impl.h"
#include "src/verify/policy_yaml.h"

namespace lithium::verify {

const char* SeverityName(Severity s) { return s == Severity::kError ? "error" : "warning"; }

Policy::Policy() : impl_(std::make_unique<Impl>()) {}
Policy::~Policy() = default;

const std::string& Policy::name() const { return impl_->name; }
const std::vector<RuleInfo>& Policy::rules() const { return impl_->infos; }
const std::vector<Diagnostic>& Policy::warnings() const { return impl_->warnings; }
const nlohmann::json& Policy::output_schema() const { return impl_->output_schema; }
bool Policy::has_input_schema() const { return impl_->input_type != nullptr; }

namespace {

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return Status::NotFound(path + ": cannot open");
  std::stringstream ss;
  ss << f.rdbuf();
  if (f.bad()) return Status::Io(path + ": read error");
  return ss.str();
}

std::string DirName(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

class Loader {
 public:
  Loader(const std::string& source, const std::string& name, const std::string& base_dir, Policy::Impl* p)
      : src_(source), name_(name), base_dir_(base_dir), p_(p) {}

  Status Load(const YAML::Node& root) {
    if (!root.IsMap()) return Error(root, "a policy is a YAML mapping with schema and rules");
    // yaml-cpp's default Node is a defined null, so absence is tracked apart.
    std::optional<YAML::Node> schema, schema_file, input_schema, input_schema_file, rules;
    for (const auto& kv : root) {
      const std::string key = kv.first.Scalar();
      if (key == "version") {
        if (kv.second.Scalar() != "1") return Error(kv.second, "unsupported policy version (this reader knows version 1)");
      } else if (key == "name" || key == "description") {
        if (!kv.second.IsScalar()) return Error(kv.second, key + " must be a string");
        if (key == "name") p_->name = kv.second.Scalar();
      } else if (key == "schema") {
        schema = kv.second;
      } else if (key == "schema_file") {
        schema_file = kv.second;
      } else if (key == "input_schema") {
        input_schema = kv.second;
      } else if (key == "input_schema_file") {
        input_schema_file = kv.second;
      } else if (key == "rules") {
        rules = kv.second;
      } else {
        return Error(kv.first, "unknown key '" + key +
                                   "' (a policy has version, name, description, schema, schema_file, input_schema, "
                                   "input_schema_file and rules)");
      }
    }
    if (!schema && !schema_file) return Error(root, "the policy has no schema (or schema_file) for the output");
    LI_RETURN_IF_ERROR(LoadSchema(schema, schema_file, "schema", &p_->output_schema, &p_->output_type, &p_->output_validator));
    if (input_schema || input_schema_file) {
      LI_RETURN_IF_ERROR(LoadSchema(input_schema, input_schema_file, "input_schema", &p_->input_schema, &p_->input_type,
                                    &p_->input_validator));
    }
    if (!rules) return Error(root, "the policy has no rules");
    if (!rules->IsSequence()) return Error(*rules, "rules must be a list");
    for (const auto& r : *rules) LI_RETURN_IF_ERROR(LoadRule(r));
    return Status::Ok();
  }

 private:
  Status Error(const YAML::Node& at, const std::string& message) const {
    return Status::Invalid(MarkLocation(name_, at.Mark()) + ": " + message);
  }

  Status LoadSchema(const std::optional<YAML::Node>& inline_node, const std::optional<YAML::Node>& file_node,
                    const std::string& what, nlohmann::json* json, cel::TypeRef* type,
                    std::unique_ptr<SchemaValidator>* validator) {
    const YAML::Node& at = inline_node ? *inline_node : *file_node;
    if (inline_node && file_node) return Error(*file_node, "give " + what + " or " + what + "_file, not both");
    if (inline_node) {
      if (!inline_node->IsMap()) return Error(at, what + " must be a mapping (a JSON Schema)");
      LI_ASSIGN_OR_RETURN(*json, YamlToJson(at, name_));
    } else {
      if (!file_node->IsScalar()) return Error(at, what + "_file must be a path");
      std::string path = file_node->Scalar();
      if (!path.empty() && path[0] != '/') path = base_dir_ + "/" + path;
      auto text = ReadFile(path);
      if (!text.ok()) return Error(at, text.status().message());
      *json = nlohmann::json::parse(*text, nullptr, false);
      if (json->is_discarded()) return Error(at, path + " is not valid JSON");
    }
    auto v = SchemaValidator::Create(*json);
    if (!v.ok()) return Error(at, what + ": " + v.status().message());
    *validator = std::move(v).value();
    auto t = cel::TypeFromSchema(*json);
    if (!t.ok()) return Error(at, what + ": " + t.status().message());
    *type = *t;
    return Status::Ok();
  }

  static bool ValidId(const std::string& id) {
    if (id.empty() || id.size() > 128) return false;
    for (char c : id) {
      const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                      c == '-' || c == '.';
      if (!ok) return false;
    }
    return true;
  }

  Status LoadRule(const YAML::Node& r) {
    if (!r.IsMap()) return Error(r, "each rule is a mapping with id, message, severity and expr");
    CompiledRule rule;
    std::optional<YAML::Node> expr_node;
    bool has_id = false, has_message = false;
    for (const auto& kv : r) {
      const std::string key = kv.first.Scalar();
      if (!kv.second.IsScalar()) return Error(kv.second, "'" + key + "' must be a string");
      const std::string value = kv.second.Scalar();
      if (key == "id") {
        if (!ValidId(value)) return Error(kv.second, "rule ids are 1-128 characters of [A-Za-z0-9_.-]");
        for (const CompiledRule& other : p_->rules) {
          if (other.info.id == value) return Error(kv.second, "duplicate rule id '" + value + "'");
        }
        rule.info.id = value;
        has_id = true;
      } else if (key == "message") {
        rule.info.message = value;
        has_message = true;
      } else if (key == "severity") {
        if (value == "error") {
          rule.info.severity = Severity::kError;
        } else if (value == "warning") {
          rule.info.severity = Severity::kWarning;
        } else {
          return Error(kv.second, "severity must be error or warning, not '" + value + "'");
        }
      } else if (key == "expr") {
        expr_node = kv.second;
      } else {
        return Error(kv.first, "unknown rule key '" + key + "' (a rule has id, message, severity and expr)");
      }
    }
    if (!has_id) return Error(r, "the rule has no id");
    if (!has_message) return Error(r, "rule '" + rule.info.id + "' has no message");
    if (!expr_node || expr_node->Scalar().empty()) return Error(r, "rule '" + rule.info.id + "' has no expr");
    rule.info.expr = expr_node->Scalar();
    rule.info.location = ScalarLocation(name_, src_, *expr_node, 0);
    cel::Error err;
    rule.expr = cel::Parse(rule.info.expr, &err);
    if (!rule.expr) {
      return Status::Invalid(ScalarLocation(name_, src_, *expr_node, err.pos) + ": rule '" + rule.info.id +
                             "': syntax error: " + err.message);
    }
    cel::CheckEnv env{p_->input_type, p_->output_type};
    if (!cel::Check(rule.expr.get(), env, &err)) {
      return Status::Invalid(ScalarLocation(name_, src_, *expr_node, err.pos) + ": rule '" + rule.info.id + "': " +
                             err.message);
    }
    p_->infos.push_back(rule.info);
    p_->rules.push_back(std::move(rule));
    return Status::Ok();
  }

  const std::string& src_;
  const std::string& name_;
  const std::string& base_dir_;
  Policy::Impl* p_;
};

}  // namespace

Result<std::unique_ptr<Policy>> Policy::LoadFile(const std::string& path, const LoadOptions& options) {
  LI_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  return LoadString(text, path, DirName(path), options);
}

Result<std::unique_ptr<Policy>> Policy::LoadString(const std::string& yaml, const std::string& name,
                                                   const std::string& base_dir, const LoadOptions& options) {
  std::unique_ptr<Policy> policy(new Policy());
  Impl* p = policy->impl_.get();
  p->name = name;
  // yaml-cpp and Z3 report errors by throwing; none may leave this function.
  try {
    YAML::Node root;
    try {
      root = YAML::Load(yaml);
    } catch (const YAML::ParserException& e) {
      return Status::Invalid(MarkLocation(name, e.mark) + ": YAML syntax error: " + e.msg);
    }
    Loader loader(yaml, name, base_dir, p);
    LI_RETURN_IF_ERROR(loader.Load(root));
    p->ctx = std::make_unique<z3::context>();
    if (options.analyze) LI_RETURN_IF_ERROR(AnalyzePolicy(p, options));
  } catch (const YAML::Exception& e) {
    return Status::Invalid(MarkLocation(name, e.mark) + ": " + e.msg);
  } catch (const z3::exception& e) {
    return Status::Internal(name + ": Z3 failed while analysing the rules: " + e.msg());
  } catch (const std::exception& e) {
    return Status::Internal(name + ": " + e.what());
  }
  return policy;
}

}  // namespace lithium::verify
