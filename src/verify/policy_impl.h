// The inside of a Policy, shared by its loading (policy.cc), its load-time
// analysis (policy_analysis.cc) and verification (verification.cc).
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <z3++.h>

#include "src/verify/cel_ast.h"
#include "src/verify/policy.h"
#include "src/verify/schema_validator.h"

namespace lithium::verify {

struct CompiledRule {
  RuleInfo info;
  cel::ExprPtr expr;
};

struct Policy::Impl {
  std::string name;
  nlohmann::json output_schema;
  nlohmann::json input_schema;  // null when absent
  cel::TypeRef output_type;
  cel::TypeRef input_type;      // null when there is no input_schema
  std::unique_ptr<SchemaValidator> output_validator;
  std::unique_ptr<SchemaValidator> input_validator;
  std::vector<CompiledRule> rules;
  std::vector<RuleInfo> infos;
  std::vector<Diagnostic> warnings;
  // One Z3 context per policy: creating one costs ~20 ms, deciding a rule
  // microseconds. Z3 contexts are not thread-safe, hence the mutex.
  std::unique_ptr<z3::context> ctx;
  mutable std::mutex mu;
};

// The Z3 consistency checks run when a policy loads: an error for rules that
// no output can satisfy together (naming them), warnings for rules that can
// never fail. Throws z3::exception on internal errors (the caller catches).
Status AnalyzePolicy(Policy::Impl* p, const LoadOptions& options);

}  // namespace lithium::verify
