#include "src/verify/reask.h"

#include "src/base/json_pointer.h"

namespace lithium::verify {

uint64_t DeriveSeed(uint64_t seed, int attempt) {
  if (attempt == 0) return seed;
  uint64_t z = seed + uint64_t(attempt) * 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

Result<ReaskResult> GenerateVerified(const Policy& policy, const JsonValue* input, uint64_t seed, int max_retries,
                                     const GenerateFn& generate) {
  if (max_retries < 0) return Status::Usage("--max-retries must be >= 0");
  LI_RETURN_IF_ERROR(policy.ValidateInput(input));
  ReaskResult r;
  for (int k = 0; k <= max_retries; ++k) {
    AttemptRequest req;
    req.attempt = k;
    req.seed = DeriveSeed(seed, k);
    if (k > 0) {
      req.previous = &r.attempts.back().output;
      req.feedback = r.attempts.back().verification.Feedback();
    }
    LI_ASSIGN_OR_RETURN(AttemptOutput out, generate(req));
    LI_ASSIGN_OR_RETURN(Verification v, policy.VerifyText(input, out.text));
    Attempt a;
    a.index = k;
    a.seed = req.seed;
    a.output = std::move(out);
    a.verification = std::move(v);
    const bool passed = a.verification.passed;
    r.attempts.push_back(std::move(a));
    if (passed) break;
  }
  return r;
}

namespace {

// A report on a pathological output stays readable.
constexpr size_t kMaxFields = 256;

void FieldMins(const JsonValue& v, const std::string& pointer, const AttemptOutput& out,
               nlohmann::ordered_json* fields) {
  if (fields->size() >= kMaxFields) return;
  if (v.kind == JsonValue::Kind::kObject) {
    for (size_t i = 0; i < v.keys.size(); ++i) FieldMins(v.items[i], PointerChild(pointer, v.keys[i]), out, fields);
  } else if (v.kind == JsonValue::Kind::kArray) {
    for (size_t i = 0; i < v.items.size(); ++i) FieldMins(v.items[i], pointer + "/" + std::to_string(i), out, fields);
  } else {
    const double p = sample::MinProbabilityIn(out.probabilities, out.spans, v.begin, v.end);
    if (p >= 0) (*fields)[pointer.empty() ? "/" : pointer] = p;
  }
}

}  // namespace

nlohmann::ordered_json ConfidenceJson(const AttemptOutput& out) {
  const sample::ConfidenceSummary s = sample::Summarize(out.probabilities, out.entropies);
  nlohmann::ordered_json j;
  j["tokens"] = s.n_tokens;
  j["min"] = s.min;
  j["mean"] = s.mean;
  j["p10"] = s.p10;
  if (s.has_entropy) j["mean_entropy"] = s.mean_entropy;
  auto doc = ParseJson(out.text);
  if (doc.ok() && (doc->kind == JsonValue::Kind::kObject || doc->kind == JsonValue::Kind::kArray)) {
    nlohmann::ordered_json fields = nlohmann::ordered_json::object();
    FieldMins(*doc, "", out, &fields);
    j["fields"] = std::move(fields);
  }
  return j;
}

nlohmann::ordered_json AttemptsJson(const ReaskResult& r) {
  nlohmann::ordered_json a = nlohmann::ordered_json::array();
  for (const Attempt& at : r.attempts) {
    nlohmann::ordered_json j;
    j["attempt"] = at.index;
    j["seed"] = at.seed;
    j["prompt_tokens"] = at.output.prompt_tokens;
    j["text"] = at.output.text;
    j["tokens"] = at.output.tokens;
    j["finish_reason"] = at.output.finish_reason;
    j["fingerprint"] = at.output.fingerprint;
    j["confidence"] = ConfidenceJson(at.output);
    j["verification"] = at.verification.ToJson();
    a.push_back(std::move(j));
  }
  return a;
}

}  // namespace lithium::verify
