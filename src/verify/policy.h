// Guardrails as code: a policy file (YAML, docs/policy.md) holds the JSON
// Schema of a model's output and business rules written in CEL over `input`
// (the request's fields) and `output` (the model's parsed JSON).
//
// Loading a policy parses and type-checks every rule against the schemas
// (errors carry the file's line and column), then asks Z3 whether the rules
// can hold together (contradictory rules are an error naming them) and
// whether each can fail at all (a rule that never fails is a warning).
// Verifying an output validates it against the schema (valijson) and decides
// every rule on it exactly (Z3, rational arithmetic).
//
// This header is free of Z3, valijson and yaml-cpp, which throw: callers may
// be built without exceptions. Nothing thrown inside escapes a Policy.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "nlohmann/json.hpp"
#include "src/base/status.h"
#include "src/verify/json_doc.h"
#include "src/verify/schema_validator.h"

namespace lithium::verify {

enum class Severity { kError, kWarning };
const char* SeverityName(Severity s);

struct RuleInfo {
  std::string id;
  std::string message;
  Severity severity = Severity::kError;
  std::string expr;
  std::string location;  // "policy.yaml:12:11", where the expression starts
};

// A finding of the load-time analysis that does not stop the policy.
struct Diagnostic {
  std::string location;  // file:line:column
  std::string rule_id;   // empty when about the policy as a whole
  std::string message;
};

struct FieldRead {
  std::string field;           // output.items[0].amount
  nlohmann::ordered_json value;  // the value (when not missing and not a size)
  bool missing = false;
  int64_t size = -1;           // size() of a list
};

struct RuleOutcome {
  std::string id;
  Severity severity = Severity::kError;
  std::string message;
  bool passed = false;
  std::string error;              // set when the rule could not be evaluated (a missing field...)
  std::vector<FieldRead> reads;   // the fields a failed rule read, with their values
};

struct Verification {
  bool passed = false;        // JSON output, valid for the schema, and no error rule failed
  std::string output_error;   // the output is not JSON; nothing else was checked
  std::vector<SchemaError> schema_errors;
  std::vector<RuleOutcome> rules;        // in policy order
  std::vector<std::string> violations;   // ids of failed error rules
  std::vector<std::string> warnings;     // ids of failed warning rules

  nlohmann::ordered_json ToJson() const;
  // What a re-ask appends to the prompt: the broken rules with their
  // messages and values, and the schema errors.
  std::string Feedback() const;
};

struct LoadOptions {
  bool analyze = true;  // run the Z3 consistency checks
  int max_slots = 4;    // list items modelled explicitly by the analysis
};

class Policy {
 public:
  static Result<std::unique_ptr<Policy>> LoadFile(const std::string& path, const LoadOptions& options = {});
  // `name` labels error messages; `base_dir` resolves schema_file.
  static Result<std::unique_ptr<Policy>> LoadString(const std::string& yaml, const std::string& name,
                                                    const std::string& base_dir, const LoadOptions& options = {});
  ~Policy();
  Policy(const Policy&) = delete;
  Policy& operator=(const Policy&) = delete;

  const std::string& name() const;
  const std::vector<RuleInfo>& rules() const;
  const std::vector<Diagnostic>& warnings() const;  // from the load-time analysis
  const nlohmann::json& output_schema() const;      // for schema-constrained decoding
  bool has_input_schema() const;

  // Checks `input` against input_schema (Invalid when it does not match:
  // bad input, not a violation). `input` may be null when there is none.
  Status ValidateInput(const JsonValue* input) const;

  // Decides every rule on `output`. Thread-safe (calls are serialized).
  // Fails only for bad input or an internal error, never for violations.
  Result<Verification> Verify(const JsonValue* input, const JsonValue& output) const;
  // The same on a model's raw text: text that is not JSON is a failed
  // verification (output_error), not an error.
  Result<Verification> VerifyText(const JsonValue* input, std::string_view output_text) const;

  struct Impl;  // opaque here; src/verify/policy_impl.h

 private:
  Policy();
  std::unique_ptr<Impl> impl_;
};

}  // namespace lithium::verify
