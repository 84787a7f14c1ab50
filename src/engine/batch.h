// The batch engine: many requests decoded together with continuous
// batching. Each Step() admits queued requests into free slots, then runs
// ONE batched forward pass holding every decoding sequence's next token and
// chunks of the prompts still being prefilled (at most `ubatch` prompt
// tokens per step, so long prompts never stall the others' decoding), then
// samples each sequence that produced logits. Sequences join and leave
// between steps. A prefix cache lets prompts that share a prefix skip it.
//
// Determinism: every request gets the tokens and fingerprint a lone
// Generator run gives it. The forward pass computes each row with the same
// bits whatever the batch (model.h), restored prefixes hold the same bits
// (prefix_cache.h), and the same DecodeState turns logits into tokens.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <vector>

#include "src/base/status.h"
#include "src/base/thread_pool.h"
#include "src/engine/decode_state.h"
#include "src/engine/generate.h"
#include "src/engine/prefix_cache.h"
#include "src/kernels/kernels.h"
#include "src/model/model.h"
#include "src/tokenizer/tokenizer.h"

namespace lithium::engine {

struct BatchOptions {
  int parallel = 4;                 // sequences in the batch at once
  int32_t ubatch = 512;             // prompt tokens per step, over all sequences
  int64_t n_ctx = 4096;             // context limit of every request (as for a lone run)
  int64_t prefix_cache_bytes = 0;   // 0: no prefix cache
};

class BatchEngine {
 public:
  BatchEngine(const model::Model& model, const tokenizer::Tokenizer& tok, const kernels::Ops& ops, int n_threads,
              BatchOptions options);
  ~BatchEngine();

  // Queues a request (its own constraint object, if any); it joins the
  // batch when a slot is free. Ids count from 0 in submission order.
  // on_logits receives the request's logits rows in fingerprint order.
  int64_t Submit(GenerateRequest req, LogitsSink on_logits = nullptr);

  // Ends a request at the next step with finish_reason "cancelled" and the
  // tokens it has so far. Unknown or finished ids are ignored.
  void Cancel(int64_t id);

  // One scheduler step. Returns false when nothing is queued or running.
  bool Step();
  // Steps until every submitted request has finished.
  void RunToCompletion();

  bool Finished(int64_t id) const { return done_.count(id) != 0; }
  // A finished request's result (moved out; a second call is an error).
  Result<GenerateResult> Take(int64_t id);

  size_t queued() const { return queue_.size(); }
  size_t active() const { return active_.size(); }
  const PrefixCache* prefix_cache() const { return prefix_.get(); }

 private:
  struct Seq;
  void Admit();
  void Finish(std::unique_ptr<Seq> seq);
  void Fail(std::unique_ptr<Seq> seq, Status error);

  const model::Model& model_;
  const tokenizer::Tokenizer& tok_;
  const kernels::Ops& ops_;
  ThreadPool pool_;
  BatchOptions opt_;
  std::unique_ptr<PrefixCache> prefix_;
  int64_t next_id_ = 0;
  std::deque<std::unique_ptr<Seq>> queue_;
  std::vector<std::unique_ptr<Seq>> active_;
  std::map<int64_t, Result<GenerateResult>> done_;
};

}  // namespace lithium::engine
