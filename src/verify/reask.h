// Generate, verify, and on a violation ask again: the re-ask loop behind
// `lithium run --policy FILE --max-retries N`. Generation is a callback, so
// this library knows nothing of models; the CLI binds it to the engine.
//
// Determinism: attempt k samples with DeriveSeed(seed, k) and a prompt
// extended by Verification::Feedback() of attempt k-1, both functions of
// earlier outputs only, so the same command gives the same attempts.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "nlohmann/json.hpp"
#include "src/base/status.h"
#include "src/sample/confidence.h"
#include "src/verify/policy.h"

namespace lithium::verify {

// What one generation produced.
struct AttemptOutput {
  std::string text;
  std::vector<int32_t> tokens;
  std::vector<int32_t> prompt_tokens;        // the prompt this attempt used
  std::vector<float> probabilities;          // per token, of the chosen token
  std::vector<float> entropies;              // per token (nats), or empty
  std::vector<sample::TokenSpan> spans;      // per token, its bytes in `text`
  std::string finish_reason;
  std::string fingerprint;
};

struct AttemptRequest {
  int attempt = 0;           // 0 for the first generation
  uint64_t seed = 0;         // DeriveSeed(seed, attempt)
  std::string feedback;      // empty for attempt 0
  const AttemptOutput* previous = nullptr;
};

using GenerateFn = std::function<Result<AttemptOutput>(const AttemptRequest&)>;

struct Attempt {
  int index = 0;
  uint64_t seed = 0;
  AttemptOutput output;
  Verification verification;
};

struct ReaskResult {
  std::vector<Attempt> attempts;  // every attempt, in order; the last is the answer
  bool passed() const { return !attempts.empty() && attempts.back().verification.passed; }
};

// Attempt 0 keeps the caller's seed; later ones mix in the attempt number
// with SplitMix64's finalizer, so retries explore different samples.
uint64_t DeriveSeed(uint64_t seed, int attempt);

// Generates up to 1 + max_retries times, stopping at the first output that
// passes. Fails on a generation error or bad input.
Result<ReaskResult> GenerateVerified(const Policy& policy, const JsonValue* input, uint64_t seed, int max_retries,
                                     const GenerateFn& generate);

// {tokens, min, mean, p10, mean_entropy, fields: {pointer: lowest probability}}.
// Fields are the scalar leaves of a JSON output; absent for other text.
nlohmann::ordered_json ConfidenceJson(const AttemptOutput& out);

// [{attempt, seed, prompt_tokens, text, tokens, finish_reason, fingerprint,
//   confidence, verification}, ...]
nlohmann::ordered_json AttemptsJson(const ReaskResult& r);

}  // namespace lithium::verify
