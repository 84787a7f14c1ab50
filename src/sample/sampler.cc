#include "src/sample/sampler.h"

#include <algorithm>
#include <string>

#include "src/kernels/math.h"
#include "src/sample/philox.h"

namespace lithium::sample {

Status SamplingParams::Validate() const {
  auto bad = [](const std::string& m) { return Status::Usage(m); };
  if (!(temperature >= 0.0f) || temperature > 100.0f) return bad("--temp must be in [0, 100]");
  if (!(top_p > 0.0f) || top_p > 1.0f) return bad("--top-p must be in (0, 1]");
  if (!(min_p >= 0.0f) || min_p > 1.0f) return bad("--min-p must be in [0, 1]");
  if (!(repeat_penalty > 0.0f) || repeat_penalty > 10.0f) return bad("--repeat-penalty must be in (0, 10]");
  if (repeat_last_n < 0) return bad("--repeat-last-n must be >= 0");
  return Status::Ok();
}

int32_t Argmax(std::span<const float> v) {
  int32_t best = 0;
  for (size_t i = 1; i < v.size(); ++i) {
    if (v[i] > v[best]) best = static_cast<int32_t>(i);
  }
  return best;
}

Choice Sampler::Sample(std::span<const float> logits, std::span<const int32_t> history,
                       uint64_t position) {
  const size_t n = logits.size();
  work_.assign(logits.begin(), logits.end());

  // Repetition penalty (llama.cpp's rule): each distinct recent token once.
  if (params_.repeat_penalty != 1.0f && params_.repeat_last_n > 0) {
    size_t start = history.size() > size_t(params_.repeat_last_n) ? history.size() - params_.repeat_last_n : 0;
    std::vector<int32_t> seen(history.begin() + start, history.end());
    std::sort(seen.begin(), seen.end());
    seen.erase(std::unique(seen.begin(), seen.end()), seen.end());
    for (int32_t t : seen) {
      if (t < 0 || size_t(t) >= n) continue;
      work_[t] = work_[t] > 0 ? work_[t] / params_.repeat_penalty : work_[t] * params_.repeat_penalty;
    }
  }

  if (params_.temperature <= 0.0f) {
    int32_t best = Argmax(work_);
    // The probability under the full softmax, for confidence reporting.
    float mx = work_[best];
    double sum = 0;
    for (size_t i = 0; i < n; ++i) sum += kernels::ExpRef(work_[i] - mx);
    return {best, static_cast<float>(1.0 / sum)};
  }

  // Candidates in (logit desc, id asc) order, cut to top-k.
  ids_.resize(n);
  for (size_t i = 0; i < n; ++i) ids_[i] = static_cast<int32_t>(i);
  auto before = [&](int32_t a, int32_t b) {
    return work_[a] > work_[b] || (work_[a] == work_[b] && a < b);
  };
  size_t k = n;
  if (params_.top_k > 0 && size_t(params_.top_k) < n) {
    k = params_.top_k;
    std::partial_sort(ids_.begin(), ids_.begin() + k, ids_.end(), before);
  } else {
    std::sort(ids_.begin(), ids_.end(), before);
  }
  ids_.resize(k);

  // Untempered probabilities for top-p and min-p; sums in candidate order.
  auto softmax = [&](float temp) {
    probs_.resize(ids_.size());
    const float mx = work_[ids_[0]];
    double sum = 0;
    for (size_t i = 0; i < ids_.size(); ++i) {
      probs_[i] = kernels::ExpRef((work_[ids_[i]] - mx) / temp);
      sum += probs_[i];
    }
    for (auto& p : probs_) p = static_cast<float>(p / sum);
  };
  softmax(1.0f);
  if (params_.top_p < 1.0f) {
    double cum = 0;
    size_t keep = ids_.size();
    for (size_t i = 0; i < ids_.size(); ++i) {
      cum += probs_[i];
      if (cum >= params_.top_p) { keep = i + 1; break; }
    }
    ids_.resize(keep);
    probs_.resize(keep);
  }
  if (params_.min_p > 0.0f) {
    const float floor = params_.min_p * probs_[0];
    size_t keep = 1;
    while (keep < ids_.size() && probs_[keep] >= floor) ++keep;
    ids_.resize(keep);
  }

  // Temperature, then one draw keyed by (seed, position).
  softmax(params_.temperature);
  double u = UniformAt(params_.seed, position);
  double cum = 0;
  size_t pick = ids_.size() - 1;
  for (size_t i = 0; i < ids_.size(); ++i) {
    cum += probs_[i];
    if (u < cum) { pick = i; break; }
  }
  return {ids_[pick], probs_[pick]};
}

}  // namespace lithium::sample
