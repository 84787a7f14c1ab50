#include "src/engine/batch.h"

#include <algorithm>
#include <chrono>

namespace lithium::engine {
namespace {

double NowMs() {
  using namespace std::chrono;
  return duration<double, std::milli>(steady_clock::now().time_since_epoch()).count();
}

}  // namespace

// One request from submission to its result.
struct BatchEngine::Seq {
  int64_t id = 0;
  GenerateRequest req;
  LogitsSink on_logits;
  GenerateResult res;
  std::unique_ptr<DecodeState> state;     // set on admission
  std::unique_ptr<model::KvCache> cache;  // set on admission
  size_t prefilled = 0;                   // prompt tokens in the cache
  std::vector<float> logits;              // the row to sample from
  bool cancelled = false;
  double t_submit = 0, t_admit = 0, t_prefilled = 0;
};

BatchEngine::BatchEngine(const model::Model& model, const tokenizer::Tokenizer& tok, const kernels::Ops& ops,
                         int n_threads, BatchOptions options)
    : model_(model), tok_(tok), ops_(ops), pool_(n_threads), opt_(options) {
  opt_.parallel = std::max(1, opt_.parallel);
  opt_.ubatch = std::max<int32_t>(1, opt_.ubatch);
  if (opt_.prefix_cache_bytes > 0) prefix_ = std::make_unique<PrefixCache>(model.config(), opt_.prefix_cache_bytes);
}

BatchEngine::~BatchEngine() = default;

int64_t BatchEngine::Submit(GenerateRequest req, LogitsSink on_logits) {
  auto s = std::make_unique<Seq>();
  s->id = next_id_++;
  s->req = std::move(req);
  s->on_logits = std::move(on_logits);
  s->t_submit = NowMs();
  queue_.push_back(std::move(s));
  return next_id_ - 1;
}

void BatchEngine::Cancel(int64_t id) {
  for (auto& s : queue_) {
    if (s->id == id) s->cancelled = true;
  }
  for (auto& s : active_) {
    if (s->id == id) s->cancelled = true;
  }
}

void BatchEngine::Fail(std::unique_ptr<Seq> seq, Status error) { done_.emplace(seq->id, std::move(error)); }

void BatchEngine::Finish(std::unique_ptr<Seq> seq) {
  if (seq->state) seq->state->Finish(nullptr);
  GenerateResult& r = seq->res;
  const double now = NowMs();
  r.timings.prefill_tokens = int64_t(seq->req.prompt.size());
  if (seq->t_prefilled > 0) {
    r.timings.prefill_ms = seq->t_prefilled - seq->t_admit;
    r.timings.decode_ms = now - seq->t_prefilled;
    r.timings.decode_tokens = std::max<int64_t>(0, int64_t(r.tokens.size()) - 1);
  }
  done_.emplace(seq->id, std::move(r));
}

// Moves queued requests into free slots: validation, a KV cache sized for
// the request, and whatever prefix the prefix cache holds.
void BatchEngine::Admit() {
  while (active_.size() < size_t(opt_.parallel) && !queue_.empty()) {
    std::unique_ptr<Seq> s = std::move(queue_.front());
    queue_.pop_front();
    s->t_admit = NowMs();
    Status valid = ValidateRequest(s->req, opt_.n_ctx);
    if (!valid.ok()) {
      Fail(std::move(s), valid);
      continue;
    }
    s->state = std::make_unique<DecodeState>(tok_, s->req, &s->res);
    if (s->cancelled) s->state->Abort("cancelled");
    if (s->state->done()) {  // n_predict 0 or cancelled while queued
      Finish(std::move(s));
      continue;
    }
    // The cache's size does not change any bits (attention reads only the
    // positions so far), so each sequence gets just what it can use.
    const int64_t n_ctx = int64_t(s->req.prompt.size()) + s->req.n_predict;
    s->cache = std::make_unique<model::KvCache>(model_.config(), n_ctx);
    if (prefix_) {
      // At least the last prompt token is evaluated, for its logits.
      const int64_t n = prefix_->Restore(s->req.prompt, int64_t(s->req.prompt.size()) - 1, s->cache.get());
      s->prefilled = size_t(n);
      s->res.reused_prompt_tokens = n;
    }
    active_.push_back(std::move(s));
  }
}

bool BatchEngine::Step() {
  // Cancelled sequences leave first, with what they have.
  for (size_t i = 0; i < active_.size();) {
    if (active_[i]->cancelled) {
      active_[i]->state->Abort("cancelled");
      std::unique_ptr<Seq> s = std::move(active_[i]);
      active_.erase(active_.begin() + ptrdiff_t(i));
      Finish(std::move(s));
    } else {
      ++i;
    }
  }
  Admit();
  if (active_.empty()) return !queue_.empty();

  // The batch: each decoding sequence's last token, then prompt chunks in
  // arrival order while the step's prompt budget lasts.
  std::vector<model::BatchEntry> batch;
  std::vector<Seq*> owners;
  std::vector<size_t> n_prompt;  // prompt tokens each entry adds
  for (auto& s : active_) {
    if (s->prefilled < s->req.prompt.size()) continue;
    batch.push_back({s->cache.get(), std::span(&s->state->history().back(), 1), &s->logits});
    owners.push_back(s.get());
    n_prompt.push_back(0);
  }
  size_t budget = size_t(opt_.ubatch);
  for (auto& s : active_) {
    const size_t left = s->req.prompt.size() - s->prefilled;
    if (left == 0 || budget == 0) continue;
    const size_t n = std::min({left, budget, size_t(std::max<int32_t>(1, s->req.ubatch))});
    budget -= n;
    batch.push_back({s->cache.get(), std::span(s->req.prompt).subspan(s->prefilled, n),
                     n == left ? &s->logits : nullptr});
    owners.push_back(s.get());
    n_prompt.push_back(n);
  }

  Status st = model::RunForwardBatch(model_, batch, ops_, pool_);
  std::vector<Seq*> finished;
  std::vector<std::pair<Seq*, Status>> failed;
  std::vector<Seq*> ready;  // sequences with a logits row to consume
  for (size_t e = 0; e < batch.size(); ++e) {
    Seq* s = owners[e];
    if (!st.ok()) {
      failed.emplace_back(s, st);
      continue;
    }
    s->prefilled += n_prompt[e];
    if (!batch[e].logits) continue;
    if (n_prompt[e] > 0) {
      // The prompt is complete: offer it to the prefix cache before any
      // generated token follows it.
      s->t_prefilled = NowMs();
      if (prefix_) prefix_->Insert(s->req.prompt, *s->cache);
    }
    ready.push_back(s);
  }
  // Each sequence's logits row: the fingerprint's SHA-256 over 600 KB of
  // logits (a 152k vocabulary) and the draw take about a millisecond per
  // sequence, as much as a tenth of a four-sequence step if done on one
  // thread. They touch only their own sequence, so they run on the pool:
  // hashing and drawing as separate tasks, which also overlaps the two for
  // a lone sequence. A constraint (shared matcher caches) or a caller's
  // logits sink keeps its sequence's draw on this thread, in order.
  std::vector<Result<bool>> outcome(ready.size(), Result<bool>(false));
  std::vector<char> isolated(ready.size());
  for (size_t i = 0; i < ready.size(); ++i) isolated[i] = ready[i]->state->AdvanceIsolated(ready[i]->on_logits);
  pool_.ParallelFor(2 * ready.size(), 1, [&](size_t b, size_t e) {
    for (size_t task = b; task < e; ++task) {
      Seq* s = ready[task / 2];
      if (task % 2 == 0) {
        s->state->HashLogits(s->logits);
      } else if (isolated[task / 2]) {
        outcome[task / 2] = s->state->Advance(s->logits, nullptr, nullptr);
      }
    }
  });
  for (size_t i = 0; i < ready.size(); ++i) {
    Seq* s = ready[i];
    if (!isolated[i]) outcome[i] = s->state->Advance(s->logits, nullptr, s->on_logits);
    if (!outcome[i].ok()) {
      failed.emplace_back(s, outcome[i].status());
    } else {
      if (s->state->steps() == 1) s->res.timings.ttft_ms = NowMs() - s->t_submit;
      if (*outcome[i]) finished.push_back(s);
    }
  }
  // Leavers free their slots for the next step's admissions.
  auto take = [&](Seq* p) {
    auto it = std::find_if(active_.begin(), active_.end(), [&](const auto& u) { return u.get() == p; });
    std::unique_ptr<Seq> s = std::move(*it);
    active_.erase(it);
    return s;
  };
  for (auto& [p, err] : failed) Fail(take(p), err);
  for (Seq* p : finished) Finish(take(p));
  return !queue_.empty() || !active_.empty();
}

void BatchEngine::RunToCompletion() {
  while (Step()) {
  }
}

Result<GenerateResult> BatchEngine::Take(int64_t id) {
  auto it = done_.find(id);
  if (it == done_.end()) return Status::Invalid("request " + std::to_string(id) + " has not finished");
  Result<GenerateResult> r = std::move(it->second);
  done_.erase(it);
  return r;
}

}  // namespace lithium::engine
