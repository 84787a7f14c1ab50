// Confidence statistics of a generated output: per token, the probability
// of the chosen token (as the sampler reports it) and the entropy of the
// model's distribution; summaries over the whole output; and the lowest
// token probability inside a byte range of the text (a JSON field's value).
// Everything sums in token order with the project's own exp/log, so the
// numbers are as reproducible as the tokens.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace lithium::sample {

struct ConfidenceSummary {
  int64_t n_tokens = 0;
  double min = 0;           // lowest chosen-token probability
  double mean = 0;          // arithmetic mean of the probabilities
  double p10 = 0;           // 10th percentile, nearest-rank: sorted[ceil(0.1 n) - 1]
  double mean_entropy = 0;  // mean entropy in nats (0 when no entropies were given)
  bool has_entropy = false;
};

// `entropies` is empty or has one value per probability.
ConfidenceSummary Summarize(std::span<const float> probabilities, std::span<const float> entropies);

// Entropy (nats) of softmax(logits) at temperature 1: the model's own
// uncertainty before any sampling filter. -inf logits (masked tokens) count
// as probability 0.
float EntropyOfLogits(std::span<const float> logits);

// Where a token's bytes landed in the output text, [begin, end). A token
// that completes a character split over several tokens shares the span of
// that character with them.
struct TokenSpan {
  size_t begin = 0;
  size_t end = 0;
};

// The lowest probability among tokens whose span overlaps [begin, end), or
// -1 when none does.
double MinProbabilityIn(std::span<const float> probabilities, std::span<const TokenSpan> spans, size_t begin,
                        size_t end);

}  // namespace lithium::sample
