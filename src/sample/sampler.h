// Token selection from logits: repetition penalty, then top-k, top-p and
// min-p on the untempered distribution, then temperature, then one draw
// keyed by (seed, position). Candidates are ordered by (logit desc, id asc),
// a total order, and every sum runs in that order, so the choice is a pure
// function of the logits, the parameters, the seed and the position.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "src/base/status.h"

namespace lithium::sample {

struct SamplingParams {
  float temperature = 0.8f;   // <= 0: greedy (argmax)
  int32_t top_k = 40;         // <= 0: off
  float top_p = 0.95f;        // >= 1: off
  float min_p = 0.05f;        // <= 0: off
  float repeat_penalty = 1.0f;  // 1: off
  int32_t repeat_last_n = 64;   // how many recent tokens the penalty sees
  uint64_t seed = 0;

  Status Validate() const;
};

struct Choice {
  int32_t token = -1;
  float probability = 0;  // of the chosen token under the final distribution
};

class Sampler {
 public:
  explicit Sampler(SamplingParams params) : params_(params) {}
  const SamplingParams& params() const { return params_; }

  // `history` is every token so far (prompt and generated), for the
  // repetition penalty; `position` is the index the chosen token will take.
  Choice Sample(std::span<const float> logits, std::span<const int32_t> history, uint64_t position);

 private:
  SamplingParams params_;
  std::vector<float> work_;
  std::vector<int32_t> ids_;
  std::vector<float> probs_;
};

// Index of the largest value, lowest index on ties.
int32_t Argmax(std::span<const float> v);

}  // namespace lithium::sample
