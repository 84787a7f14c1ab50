// A loaded model: configuration and weights, read-only and shareable across
// sequences and threads. A KvCache holds one sequence's state.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "src/base/status.h"
#include "src/base/thread_pool.h"
#include "src/gguf/gguf.h"
#include "src/kernels/kernels.h"
#include "src/model/config.h"
#include "src/model/weights.h"

namespace lithium::model {

class Model {
 public:
  static Result<std::unique_ptr<Model>> Load(std::shared_ptr<const gguf::File> file);

  const Config& config() const { return config_; }
  const Weights& weights() const { return weights_; }
  const gguf::File& file() const { return *file_; }
  // Number of weight parameters (elements of every tensor).
  int64_t n_params() const;

 private:
  Model() = default;
  std::shared_ptr<const gguf::File> file_;
  Config config_;
  Weights weights_;
};

// The keys and values of one sequence, float32, [layer][position][kv_dim].
class KvCache {
 public:
  KvCache(const Config& cfg, int64_t n_ctx);
  int64_t n_ctx() const { return n_ctx_; }
  int64_t n_past() const { return n_past_; }
  // Forget positions >= n (prefix reuse, multi-turn edits).
  void Truncate(int64_t n) { if (n < n_past_) n_past_ = n < 0 ? 0 : n; }
  // Declares positions [0, n) filled after their keys and values were
  // copied in through k() and v() (the prefix cache); n is clamped to n_ctx.
  void SetPast(int64_t n) { n_past_ = n < 0 ? 0 : (n > n_ctx_ ? n_ctx_ : n); }

  float* k(int64_t layer, int64_t pos) { return k_.data() + (layer * n_ctx_ + pos) * kv_dim_; }
  float* v(int64_t layer, int64_t pos) { return v_.data() + (layer * n_ctx_ + pos) * kv_dim_; }
  int64_t kv_dim() const { return kv_dim_; }

 private:
  int64_t n_ctx_, kv_dim_;
  int64_t n_past_ = 0;
  std::vector<float> k_, v_;
};

// One sequence's part of a batched forward step: `tokens` are appended to
// `cache` (positions n_past ...); when `logits` is non-null it receives the
// logits of the last of them (n_vocab floats).
struct BatchEntry {
  KvCache* cache = nullptr;
  std::span<const int32_t> tokens;
  std::vector<float>* logits = nullptr;
};

// Appends `tokens` to the sequence in `cache` (positions n_past ...) and
// writes the logits of the last token to `logits` (n_vocab floats). The bits
// depend only on the tokens and their positions: not on how a prompt is
// split across calls, the thread count or the kernel target.
Status RunForward(const Model& model, KvCache& cache, std::span<const int32_t> tokens,
                  const kernels::Ops& ops, ThreadPool& pool, std::vector<float>* logits);

// Several sequences in one pass over the weights: every matmul takes the
// rows of all entries at once, attention runs per sequence against its own
// cache. Each entry's logits have the bits RunForward gives that sequence
// alone (a matmul row does not depend on the other rows), so batching never
// changes an answer. Each entry needs its own cache and at least one token.
Status RunForwardBatch(const Model& model, std::span<const BatchEntry> batch, const kernels::Ops& ops,
                       ThreadPool& pool);

}  // namespace lithium::model
