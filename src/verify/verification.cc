// Verifying one output: schema validation, then every rule decided exactly.
#include "src/base/json_pointer.h"
#include "src/verify/cel_z3.h"
#include "src/verify/policy_impl.h"

namespace lithium::verify {
namespace {

// JSON Schema validators ignore unknown formats, so "format: decimal" is
// checked here: such a string must hold a decimal number.
void CheckDecimalStrings(const cel::Type& t, const JsonValue& v, const std::string& pointer,
                         std::vector<SchemaError>* errors) {
  if (t.kind == cel::Type::Kind::kNumber && t.decimal_string && v.kind == JsonValue::Kind::kString) {
    auto d = ParseDecimal(v.text, true);
    if (!d.ok()) errors->push_back({pointer, "\"" + v.text.substr(0, 40) + "\" is not a decimal number"});
  } else if (t.kind == cel::Type::Kind::kList && v.kind == JsonValue::Kind::kArray && t.elem) {
    for (size_t i = 0; i < v.items.size(); ++i) CheckDecimalStrings(*t.elem, v.items[i], pointer + "/" + std::to_string(i), errors);
  } else if (t.kind == cel::Type::Kind::kObject && v.kind == JsonValue::Kind::kObject) {
    for (const cel::Field& f : t.fields) {
      if (const JsonValue* c = v.Find(f.name)) CheckDecimalStrings(*f.type, *c, PointerChild(pointer, f.name), errors);
    }
  }
}

std::string ShortJson(const nlohmann::ordered_json& j) {
  std::string s = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return s.size() > 80 ? s.substr(0, 77) + "..." : s;
}

}  // namespace

Status Policy::ValidateInput(const JsonValue* input) const {
  if (!impl_->input_validator || input == nullptr) return Status::Ok();
  std::vector<SchemaError> errors = impl_->input_validator->Validate(ToNlohmann(*input));
  CheckDecimalStrings(*impl_->input_type, *input, "", &errors);
  if (errors.empty()) return Status::Ok();
  std::string m = "the input does not match the policy's input_schema: ";
  m += (errors[0].pointer.empty() ? "(root)" : errors[0].pointer) + ": " + errors[0].message;
  if (errors.size() > 1) m += " (and " + std::to_string(errors.size() - 1) + " more)";
  return Status::Invalid(m);
}

Result<Verification> Policy::VerifyText(const JsonValue* input, std::string_view output_text) const {
  auto doc = ParseJson(output_text);
  if (!doc.ok()) {
    LI_RETURN_IF_ERROR(ValidateInput(input));
    Verification v;
    v.output_error = "the output is not JSON: " + doc.status().message();
    for (const CompiledRule& r : impl_->rules) {
      if (r.info.severity == Severity::kError) v.violations.push_back(r.info.id);
    }
    return v;
  }
  return Verify(input, *doc);
}

Result<Verification> Policy::Verify(const JsonValue* input, const JsonValue& output) const {
  LI_RETURN_IF_ERROR(ValidateInput(input));
  Verification v;
  v.schema_errors = impl_->output_validator->Validate(ToNlohmann(output));
  CheckDecimalStrings(*impl_->output_type, output, "", &v.schema_errors);
  std::lock_guard<std::mutex> lock(impl_->mu);
  try {
    z3::context& ctx = *impl_->ctx;
    for (const CompiledRule& rule : impl_->rules) {
      cel::Compiler c(ctx, input, &output);
      cel::Val val = c.Compile(*rule.expr);
      const int verdict = cel::Decide(ctx, val);
      RuleOutcome o;
      o.id = rule.info.id;
      o.severity = rule.info.severity;
      o.passed = verdict == 1;
      if (!o.passed) {
        o.message = rule.info.message;
        if (verdict < 0) {
          o.error = c.errors().empty() ? std::string("the rule could not be evaluated") : c.errors()[0];
        }
        for (const cel::Read& r : c.reads()) {
          FieldRead fr;
          fr.field = r.field;
          fr.missing = r.missing;
          fr.size = r.size;
          if (!r.missing && r.size < 0) fr.value = r.value;
          o.reads.push_back(std::move(fr));
        }
        (o.severity == Severity::kError ? v.violations : v.warnings).push_back(o.id);
      }
      v.rules.push_back(std::move(o));
    }
  } catch (const z3::exception& e) {
    return Status::Internal(std::string("Z3 failed while verifying: ") + e.msg());
  } catch (const std::exception& e) {
    return Status::Internal(std::string("verification failed: ") + e.what());
  }
  v.passed = v.schema_errors.empty() && v.violations.empty();
  return v;
}

nlohmann::ordered_json Verification::ToJson() const {
  nlohmann::ordered_json j;
  j["passed"] = passed;
  if (!output_error.empty()) j["output_error"] = output_error;
  nlohmann::ordered_json schema;
  schema["valid"] = output_error.empty() && schema_errors.empty();
  schema["errors"] = nlohmann::ordered_json::array();
  for (const SchemaError& e : schema_errors) schema["errors"].push_back({{"pointer", e.pointer}, {"message", e.message}});
  j["schema"] = schema;
  j["violations"] = violations;
  j["warnings"] = warnings;
  nlohmann::ordered_json rules_j = nlohmann::ordered_json::array();
  for (const RuleOutcome& r : rules) {
    nlohmann::ordered_json rj;
    rj["id"] = r.id;
    rj["severity"] = SeverityName(r.severity);
    rj["passed"] = r.passed;
    if (!r.passed) {
      rj["message"] = r.message;
      if (!r.error.empty()) rj["error"] = r.error;
      nlohmann::ordered_json reads = nlohmann::ordered_json::array();
      for (const FieldRead& f : r.reads) {
        nlohmann::ordered_json fj;
        fj["field"] = f.field;
        if (f.missing) {
          fj["missing"] = true;
        } else if (f.size >= 0) {
          fj["size"] = f.size;
        } else {
          fj["value"] = f.value;
        }
        reads.push_back(std::move(fj));
      }
      rj["reads"] = std::move(reads);
    }
    rules_j.push_back(std::move(rj));
  }
  j["rules"] = std::move(rules_j);
  return j;
}

std::string Verification::Feedback() const {
  std::string s = "Your previous answer was rejected.\n";
  if (!output_error.empty()) s += "- It was not valid JSON (" + output_error + ").\n";
  for (const SchemaError& e : schema_errors) {
    s += "- Schema: " + (e.pointer.empty() ? std::string("(root)") : e.pointer) + ": " + e.message + "\n";
  }
  for (const RuleOutcome& r : rules) {
    if (r.passed || r.severity != Severity::kError) continue;
    s += "- Rule " + r.id + ": " + r.message;
    std::string vals;
    for (const FieldRead& f : r.reads) {
      if (vals.size() > 200) break;
      vals += (vals.empty() ? "" : ", ") + f.field + " = " +
              (f.missing ? std::string("missing") : f.size >= 0 ? "size " + std::to_string(f.size) : ShortJson(f.value));
    }
    if (!vals.empty()) s += " (" + vals + ")";
    s += "\n";
  }
  s += "Answer again with corrected JSON only.\n";
  return s;
}

}  // namespace lithium::verify
