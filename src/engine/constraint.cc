#include "src/engine/constraint.h"

#include "src/engine/generate.h"
#include "src/grammar/gbnf.h"
#include "src/grammar/json_position.h"
#include "src/grammar/regex.h"

namespace lithium::engine {

const char* ConstraintKindName(ConstraintKind k) {
  switch (k) {
    case ConstraintKind::kJsonSchema: return "json-schema";
    case ConstraintKind::kGbnf: return "grammar";
    case ConstraintKind::kRegex: return "regex";
  }
  return "?";
}

Result<std::shared_ptr<const grammar::Vocabulary>> MatcherVocabulary(const tokenizer::Tokenizer& tok) {
  const int32_t n = tok.n_vocab();
  std::vector<std::string> bytes(static_cast<size_t>(n));
  std::vector<int32_t> ends;
  for (int32_t t = 0; t < n; ++t) {
    if (tok.IsEndOfGeneration(t)) {
      ends.push_back(t);
      continue;
    }
    const tokenizer::TokenType ty = tok.type(t);
    if (ty == tokenizer::TokenType::kControl || ty == tokenizer::TokenType::kUnknown ||
        ty == tokenizer::TokenType::kUnused) {
      continue;
    }
    bytes[size_t(t)] = tok.TokenBytes(t);
  }
  return grammar::Vocabulary::Create(std::move(bytes), std::move(ends));
}

Result<std::shared_ptr<grammar::Matcher>> MakeConstraint(const ConstraintSpec& spec,
                                                         std::shared_ptr<const grammar::Vocabulary> vocab) {
  Result<grammar::Grammar> g = Status::Internal("no grammar");
  switch (spec.kind) {
    case ConstraintKind::kJsonSchema: g = grammar::JsonSchemaToGrammar(std::string_view(spec.text), spec.schema_options); break;
    case ConstraintKind::kGbnf: g = grammar::ParseGbnf(spec.text); break;
    case ConstraintKind::kRegex: g = grammar::RegexGrammar(spec.text); break;
  }
  if (!g.ok()) return g.status();
  auto compiled = grammar::Compile(*g);
  if (!compiled.ok()) return compiled.status();
  auto cache = std::make_shared<grammar::MaskCache>(*compiled, std::move(vocab));
  return std::make_shared<grammar::Matcher>(std::move(cache));
}

Status CheckTokenBudget(grammar::Matcher& m, int64_t n_predict) {
  const int64_t need = m.MinTokensFromStart();
  if (need >= grammar::CompletionCost::kInf) {
    return Status::Invalid("the constraint cannot be completed with whole tokens of this vocabulary");
  }
  if (n_predict < need) {
    return Status::Usage("a budget of " + std::to_string(n_predict) +
                         " tokens (-n, max_tokens) cannot hold the constraint's shortest complete output: " +
                         std::to_string(need) + " tokens");
  }
  return Status::Ok();
}

void ReportBudget(const grammar::Matcher& m, GenerateResult* res) {
  const auto& cuts = m.budget_cuts();
  res->budget_steps = int64_t(cuts.size());
  if (cuts.empty()) return;
  res->finish_reason = "length";
  res->truncated = grammar::JsonPointersAt(m.output(), cuts);
}

}  // namespace lithium::engine
