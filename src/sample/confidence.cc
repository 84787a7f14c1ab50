#include "src/sample/confidence.h"

#include <algorithm>

#include "src/kernels/math.h"

namespace lithium::sample {

ConfidenceSummary Summarize(std::span<const float> probabilities, std::span<const float> entropies) {
  ConfidenceSummary s;
  s.n_tokens = int64_t(probabilities.size());
  if (probabilities.empty()) return s;
  double sum = 0;
  double lo = probabilities[0];
  for (float p : probabilities) {
    sum += p;
    lo = std::min(lo, double(p));
  }
  s.min = lo;
  s.mean = sum / double(probabilities.size());
  std::vector<float> sorted(probabilities.begin(), probabilities.end());
  std::sort(sorted.begin(), sorted.end());
  // Nearest rank: the smallest value with at least 10% of tokens at or below.
  const size_t n = sorted.size();
  const size_t rank = (n + 9) / 10;  // ceil(0.1 n), exact in integers
  s.p10 = sorted[rank - 1];
  if (entropies.size() == probabilities.size()) {
    double h = 0;
    for (float e : entropies) h += e;
    s.mean_entropy = h / double(n);
    s.has_entropy = true;
  }
  return s;
}

float EntropyOfLogits(std::span<const float> logits) {
  if (logits.empty()) return 0;
  float mx = logits[0];
  for (float l : logits) mx = std::max(mx, l);
  // H = log Z - sum_i e_i (l_i - max) / Z with e_i = exp(l_i - max), Z = sum e_i,
  // summed in index order.
  double z = 0, weighted = 0;
  for (float l : logits) {
    const float e = kernels::ExpRef(l - mx);
    if (e == 0.0f) continue;
    z += e;
    weighted += double(e) * double(l - mx);
  }
  const double h = kernels::LogD(z) - weighted / z;
  return float(h < 0 ? 0 : h);
}

double MinProbabilityIn(std::span<const float> probabilities, std::span<const TokenSpan> spans, size_t begin,
                        size_t end) {
  double lo = -1;
  const size_t n = std::min(probabilities.size(), spans.size());
  for (size_t i = 0; i < n; ++i) {
    const TokenSpan& s = spans[i];
    if (s.begin < end && s.end > begin && s.end > s.begin) {
      lo = lo < 0 ? probabilities[i] : std::min(lo, double(probabilities[i]));
    }
  }
  return lo;
}

}  // namespace lithium::sample
