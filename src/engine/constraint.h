// Builds a structured-output constraint (a grammar::Matcher) for a model's
// tokenizer from a JSON Schema, a GBNF grammar or a regular expression.
#pragma once

#include <memory>
#include <string>

#include "src/base/status.h"
#include "src/grammar/json_schema.h"
#include "src/grammar/matcher.h"
#include "src/tokenizer/tokenizer.h"

namespace lithium::engine {

enum class ConstraintKind { kJsonSchema, kGbnf, kRegex };

struct ConstraintSpec {
  ConstraintKind kind = ConstraintKind::kJsonSchema;
  std::string text;                       // the schema, grammar or regex itself
  grammar::JsonSchemaOptions schema_options;
};

// "json-schema", "grammar" or "regex", as results report it.
const char* ConstraintKindName(ConstraintKind k);

// The vocabulary as the matcher sees it: each token's output bytes (""
// for control, unknown and unused tokens, which are never allowed) and the
// end-of-generation ids.
Result<std::shared_ptr<const grammar::Vocabulary>> MatcherVocabulary(const tokenizer::Tokenizer& tok);

// Compiles the spec; errors name the schema keyword, grammar line or regex
// offset.
Result<std::shared_ptr<grammar::Matcher>> MakeConstraint(const ConstraintSpec& spec,
                                                         std::shared_ptr<const grammar::Vocabulary> vocab);

// The token budget (issue 9): an error naming the minimum when `n_predict`
// tokens cannot hold the constraint's shortest complete output.
Status CheckTokenBudget(grammar::Matcher& m, int64_t n_predict);

struct GenerateResult;
// After a constrained run: when the budget narrowed any step, the finish
// reason becomes "length" and `truncated` lists the JSON pointers of the
// values it shaped.
void ReportBudget(const grammar::Matcher& m, GenerateResult* res);

}  // namespace lithium::engine
