#include "src/engine/generate.h"

#include <algorithm>
#include <chrono>

#include "src/engine/constraint.h"
#include "src/engine/decode_state.h"

namespace lithium::engine {
namespace {

double NowMs() {
  using namespace std::chrono;
  return duration<double, std::milli>(steady_clock::now().time_since_epoch()).count();
}

}  // namespace

Status ValidateRequest(const GenerateRequest& req, int64_t n_ctx) {
  if (req.prompt.empty()) return Status::Invalid("the prompt is empty (no tokens)");
  if (req.n_predict < 0) return Status::Usage("-n must be >= 0");
  if (req.ubatch < 1) return Status::Usage("--ubatch must be >= 1");
  LI_RETURN_IF_ERROR(req.sampling.Validate());
  if (int64_t(req.prompt.size()) + req.n_predict > n_ctx) {
    return Status::OutOfRange("context overflow: prompt of " + std::to_string(req.prompt.size()) +
                              " tokens + " + std::to_string(req.n_predict) + " to generate exceeds the context size " +
                              std::to_string(n_ctx) + " (raise it with -c)");
  }
  if (req.constraint) LI_RETURN_IF_ERROR(CheckTokenBudget(*req.constraint, req.n_predict));
  return Status::Ok();
}

Generator::Generator(const model::Model& model, const tokenizer::Tokenizer& tok, const kernels::Ops& ops,
                     int n_threads, int64_t n_ctx)
    : model_(model), tok_(tok), ops_(ops), pool_(n_threads), n_ctx_(n_ctx) {}

Result<GenerateResult> Generator::Generate(const GenerateRequest& req, const TextSink& on_text,
                                           const LogitsSink& on_logits, Session* session) {
  LI_RETURN_IF_ERROR(ValidateRequest(req, n_ctx_));

  GenerateResult res;
  // A session's cache keeps the longest common prefix of its tokens and this
  // prompt (at least one prompt token is evaluated, for the logits).
  std::unique_ptr<model::KvCache> local;
  size_t reused = 0;
  if (session) {
    if (!session->cache || session->cache->n_ctx() != n_ctx_) {
      session->cache = std::make_unique<model::KvCache>(model_.config(), n_ctx_);
      session->tokens.clear();
    }
    while (reused < session->tokens.size() && reused + 1 < req.prompt.size() &&
           session->tokens[reused] == req.prompt[reused]) {
      ++reused;
    }
    session->cache->Truncate(int64_t(reused));
    session->tokens.resize(reused);
  } else {
    local = std::make_unique<model::KvCache>(model_.config(), n_ctx_);
  }
  model::KvCache& cache = session ? *session->cache : *local;
  res.reused_prompt_tokens = int64_t(reused);
  std::vector<float> logits;
  const double t_start = NowMs();
  DecodeState state(tok_, req, &res);  // resets the constraint

  // Prefill in chunks; only the last chunk's final logits are kept.
  for (size_t i = reused; i < req.prompt.size(); i += size_t(req.ubatch)) {
    size_t n = std::min(size_t(req.ubatch), req.prompt.size() - i);
    LI_RETURN_IF_ERROR(model::RunForward(model_, cache, std::span(req.prompt).subspan(i, n), ops_, pool_, &logits));
  }
  res.timings.prefill_ms = NowMs() - t_start;
  res.timings.prefill_tokens = int64_t(req.prompt.size());

  // Decode: sample from the current row, evaluate the chosen token, repeat.
  double t_decode = 0;
  while (!state.done()) {
    LI_ASSIGN_OR_RETURN(bool done, state.Step(logits, on_text, on_logits));
    if (state.steps() == 1) res.timings.ttft_ms = NowMs() - t_start;
    if (done) break;
    const double t0 = NowMs();
    LI_RETURN_IF_ERROR(model::RunForward(model_, cache, std::span(&state.history().back(), 1), ops_, pool_, &logits));
    t_decode += NowMs() - t0;
    res.timings.decode_tokens++;
  }
  state.Finish(on_text);
  res.timings.decode_ms = t_decode;
  if (session) {
    // The cache holds the prompt and every generated token but a last one
    // that was sampled and not evaluated.
    session->tokens = state.history();
    session->tokens.resize(size_t(cache.n_past()));
  }
  return res;
}

}  // namespace lithium::engine
