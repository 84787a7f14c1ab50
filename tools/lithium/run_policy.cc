#include "tools/lithium/run_policy.h"

#include <cstdio>

#include "src/sample/confidence.h"
#include "src/verify/policy.h"
#include "src/verify/reask.h"
#include "tools/lithium/common.h"

namespace lithium::cli {

// DESIGN.md: exit 1 when a check failed.
constexpr int kExitViolation = 1;

struct PolicyRun {
  PolicyFlags flags;
  std::unique_ptr<verify::Policy> policy;
  std::unique_ptr<verify::JsonValue> input;
  verify::ReaskResult result;
};

namespace {

// Policies may mark decimal strings with `format: decimal` (docs/policy.md),
// which the grammar does not know. For the decoding constraint such a value
// is a plain string; verification after inference still checks it exactly.
void DropDecimalFormats(nlohmann::json* j) {
  if (j->is_object()) {
    auto f = j->find("format");
    if (f != j->end() && f->is_string() && f->get_ref<const std::string&>() == "decimal") j->erase(f);
    for (auto& [k, v] : j->items()) DropDecimalFormats(&v);
  } else if (j->is_array()) {
    for (auto& v : *j) DropDecimalFormats(&v);
  }
}

}  // namespace

std::string PolicyOutputSchema(const PolicyRun* run) {
  if (!run || !run->policy) return "";
  nlohmann::json schema = run->policy->output_schema();
  if (schema.is_null()) return "";
  DropDecimalFormats(&schema);
  return schema.dump();
}

void AddPolicyFlags(Args* args, PolicyFlags* flags) {
  args->String(&flags->policy, "--policy", "FILE", "verify the output against this policy (docs/policy.md)");
  args->String(&flags->input, "--policy-input", "FILE", "JSON object the policy's rules see as `input`");
  args->Int(&flags->max_retries, "--max-retries", "N", "with --policy: ask again up to N times on a violation (default 0)");
}

Result<std::shared_ptr<PolicyRun>> PreparePolicy(const PolicyFlags& flags) {
  if (flags.policy.empty()) {
    if (!flags.input.empty() || flags.max_retries != 0) {
      return Status::Usage("--policy-input and --max-retries need --policy");
    }
    return std::shared_ptr<PolicyRun>();
  }
  if (flags.max_retries < 0 || flags.max_retries > 100) return Status::Usage("--max-retries must be in [0, 100]");
  auto run = std::make_shared<PolicyRun>();
  run->flags = flags;
  LI_ASSIGN_OR_RETURN(run->policy, verify::Policy::LoadFile(flags.policy));
  for (const verify::Diagnostic& d : run->policy->warnings()) {
    std::fprintf(stderr, "lithium: warning: %s: %s\n", d.location.c_str(), d.message.c_str());
  }
  if (!flags.input.empty()) {
    LI_ASSIGN_OR_RETURN(std::string text, ReadTextFile(flags.input));
    auto doc = verify::ParseJson(text);
    if (!doc.ok()) return doc.status().WithContext(flags.input);
    run->input = std::make_unique<verify::JsonValue>(std::move(doc).value());
  }
  return run;
}

namespace {

// Where each token's bytes landed in the text: the generator's decoding,
// replayed. Bytes a token leaves pending (half a character) belong to the
// piece that completes them, so every token of a split character shares it.
std::vector<sample::TokenSpan> TokenSpans(const tokenizer::Tokenizer& tok, const engine::GenerateResult& r) {
  std::vector<sample::TokenSpan> spans(r.tokens.size());
  tokenizer::StreamDecoder decoder(tok);
  size_t at = 0, pending_from = 0;
  auto close = [&](size_t upto, size_t n) {
    for (size_t k = pending_from; k < upto; ++k) spans[k] = {std::min(at, r.text.size()), std::min(at + n, r.text.size())};
    pending_from = upto;
    at += n;
  };
  for (size_t i = 0; i < r.tokens.size(); ++i) {
    if (tok.IsEndOfGeneration(r.tokens[i])) continue;
    const std::string piece = decoder.Push(r.tokens[i]);
    if (!piece.empty()) close(i + 1, piece.size());
  }
  close(r.tokens.size(), decoder.Flush().size());
  return spans;
}

}  // namespace

Result<engine::GenerateResult> GenerateWithPolicy(PolicyRun* run, engine::Generator& gen,
                                                  const tokenizer::Tokenizer& tok, const engine::GenerateRequest& req,
                                                  const engine::TextSink& on_text, const engine::LogitsSink& on_logits) {
  if (run == nullptr) return gen.Generate(req, on_text, on_logits);
  engine::GenerateResult last;
  auto generate = [&](const verify::AttemptRequest& attempt) -> Result<verify::AttemptOutput> {
    engine::GenerateRequest r = req;
    r.sampling.seed = attempt.seed;
    std::vector<int32_t> feedback;
    if (attempt.attempt > 0) {
      if (on_text) on_text("\n");
      LI_ASSIGN_OR_RETURN(feedback, tok.Encode("\n" + attempt.feedback, false, false));
      // The conversation so far: the prompt, the rejected answer, the
      // feedback. The answer's end-of-generation token is left out.
      for (int32_t t : attempt.previous->tokens) {
        if (!tok.IsEndOfGeneration(t)) r.prompt.push_back(t);
      }
      r.prompt.insert(r.prompt.end(), feedback.begin(), feedback.end());
    }
    std::vector<float> entropies;
    auto sink = [&](const std::vector<float>& row) {
      entropies.push_back(sample::EntropyOfLogits(row));
      if (on_logits) on_logits(row);
    };
    auto res = gen.Generate(r, on_text, sink);
    if (!res.ok() && res.status().code() == StatusCode::kOutOfRange && attempt.attempt > 0) {
      // The rejected answer does not fit the context: keep only the feedback.
      r.prompt = req.prompt;
      r.prompt.insert(r.prompt.end(), feedback.begin(), feedback.end());
      entropies.clear();
      res = gen.Generate(r, on_text, sink);
    }
    if (!res.ok()) return res.status();
    last = std::move(res).value();
    verify::AttemptOutput out;
    out.text = last.text;
    out.tokens = last.tokens;
    out.prompt_tokens = r.prompt;
    out.probabilities = last.probabilities;
    out.entropies = std::move(entropies);
    out.spans = TokenSpans(tok, last);
    out.finish_reason = last.finish_reason;
    out.fingerprint = last.fingerprint;
    return out;
  };
  LI_ASSIGN_OR_RETURN(run->result, verify::GenerateVerified(*run->policy, run->input.get(), req.sampling.seed,
                                                            int(run->flags.max_retries), generate));
  return last;
}

int FinishPolicy(const PolicyRun* run, nlohmann::ordered_json* j) {
  if (run == nullptr) return kExitOk;
  const verify::ReaskResult& r = run->result;
  if (r.attempts.empty()) return kExitOk;
  const verify::Attempt& final_attempt = r.attempts.back();
  if (j != nullptr) {
    nlohmann::ordered_json warnings = nlohmann::ordered_json::array();
    for (const verify::Diagnostic& d : run->policy->warnings()) {
      warnings.push_back({{"location", d.location}, {"rule", d.rule_id}, {"message", d.message}});
    }
    (*j)["policy"] = {{"path", run->flags.policy}, {"name", run->policy->name()},
                      {"max_retries", run->flags.max_retries}, {"warnings", warnings}};
    (*j)["confidence"] = verify::ConfidenceJson(final_attempt.output);
    (*j)["verification"] = final_attempt.verification.ToJson();
    (*j)["attempts"] = verify::AttemptsJson(r);
  } else {
    std::string ids;
    if (!final_attempt.verification.output_error.empty()) {
      ids = "the output is not JSON";
    } else {
      for (const std::string& id : final_attempt.verification.violations) ids += (ids.empty() ? "" : ", ") + id;
      if (!final_attempt.verification.schema_errors.empty()) ids += (ids.empty() ? "" : ", ") + std::string("schema");
    }
    const verify::Verification& v = final_attempt.verification;
    size_t n_passed = 0;
    for (const verify::RuleOutcome& o : v.rules) n_passed += o.passed;
    std::fprintf(stderr, "lithium: verification %s after %zu attempt%s (policy %s, %zu/%zu rules hold)%s%s\n",
                 r.passed() ? "passed" : "failed", r.attempts.size(), r.attempts.size() == 1 ? "" : "s",
                 run->policy->name().c_str(), n_passed, v.rules.size(), ids.empty() ? "" : ": ", ids.c_str());
    // The report a reviewer needs: each broken rule, why, and the values it read.
    for (const verify::RuleOutcome& o : v.rules) {
      if (o.passed) continue;
      std::string reads;
      for (const verify::FieldRead& f : o.reads) {
        // A list whose items are listed too is shown by its items.
        bool container = false;
        for (const verify::FieldRead& g : o.reads) container |= g.field.rfind(f.field + "[", 0) == 0;
        if (container && !f.missing && f.size < 0) continue;
        std::string value = f.missing ? "(missing)" : f.size >= 0 ? "size " + std::to_string(f.size) : f.value.dump();
        reads += (reads.empty() ? "" : ", ") + f.field + "=" + value;
      }
      std::fprintf(stderr, "lithium:   %s %s: %s%s%s%s\n", o.severity == verify::Severity::kWarning ? "warning" : "FAIL",
                   o.id.c_str(), o.message.c_str(), o.error.empty() ? "" : (" (" + o.error + ")").c_str(),
                   reads.empty() ? "" : " [", reads.empty() ? "" : (reads + "]").c_str());
    }
    for (const verify::SchemaError& e : v.schema_errors) {
      std::fprintf(stderr, "lithium:   FAIL schema at '%s': %s\n", e.pointer.c_str(), e.message.c_str());
    }
    const auto conf = verify::ConfidenceJson(final_attempt.output);
    std::string weakest;
    double weakest_p = 2;
    if (conf.contains("fields")) {
      for (const auto& [k, p] : conf["fields"].items()) {
        if (p.get<double>() < weakest_p) {
          weakest_p = p.get<double>();
          weakest = k;
        }
      }
    }
    std::fprintf(stderr, "lithium: confidence min %.3f, mean %.3f over %lld tokens%s%s%s\n", conf["min"].get<double>(),
                 conf["mean"].get<double>(), static_cast<long long>(conf["tokens"].get<int64_t>()),
                 weakest.empty() ? "" : "; least sure field ", weakest.c_str(),
                 weakest.empty() ? "" : (" (" + std::to_string(weakest_p).substr(0, 5) + ")").c_str());
  }
  return r.passed() ? kExitOk : kExitViolation;
}

}  // namespace lithium::cli
