#include "src/engine/generate.h"

#include <bit>
#include <chrono>
#include <limits>

#include "src/base/sha256.h"

namespace lithium::engine {
namespace {

static_assert(std::endian::native == std::endian::little,
              "the fingerprint hashes float32 little-endian logits as they lie in memory");

double NowMs() {
  using namespace std::chrono;
  return duration<double, std::milli>(steady_clock::now().time_since_epoch()).count();
}

// Masks the logits with the constraint, picks a token (without a draw when
// only one is allowed) and advances the constraint.
Result<sample::Choice> ConstrainedChoice(grammar::Matcher& m, const std::vector<float>& logits, sample::Sampler& sampler,
                                         const std::vector<int32_t>& history, grammar::TokenMask* mask,
                                         std::vector<float>* masked, GenerateResult* res) {
  const double t0 = NowMs();
  m.ComputeMask(mask);
  res->timings.mask_ms += NowMs() - t0;
  const size_t n = logits.size();
  if (size_t(m.vocab().size()) > n) return Status::Invalid("the constraint's vocabulary is larger than the model's");
  int32_t only = -1;
  int64_t allowed = 0;
  for (size_t w = 0; w < mask->size() && allowed < 2; ++w) {
    if ((*mask)[w] != 0) {
      allowed += std::popcount((*mask)[w]);
      only = int32_t(w * 64) + std::countr_zero((*mask)[w]);
    }
  }
  if (allowed == 0) {
    return Status::Invalid("the constraint allows no token here: the vocabulary cannot spell what the grammar requires");
  }
  sample::Choice c;
  if (allowed == 1) {
    c = {only, 1.0f};
    res->forced_tokens++;
  } else {
    masked->assign(logits.begin(), logits.end());
    const float ninf = -std::numeric_limits<float>::infinity();
    for (size_t w = 0; w < mask->size(); ++w) {
      const uint64_t bits = (*mask)[w];
      if (bits == ~uint64_t(0)) continue;
      for (size_t i = w * 64, e = std::min(n, i + 64); i < e; ++i) {
        if (!((bits >> (i & 63)) & 1)) (*masked)[i] = ninf;
      }
    }
    for (size_t i = mask->size() * 64; i < n; ++i) (*masked)[i] = ninf;
    c = sampler.Sample(*masked, history, history.size());
    // A draw landing on a zero-probability candidate (rounding at the tail
    // of the cumulative sum) must still respect the mask.
    if (size_t(c.token) >= mask->size() * 64 || !grammar::MaskTest(*mask, c.token)) c = {sample::Argmax(*masked), c.probability};
  }
  Status st = m.Accept(c.token);
  if (!st.ok()) return Status::Internal("constraint: " + st.message());
  return c;
}

}  // namespace

Generator::Generator(const model::Model& model, const tokenizer::Tokenizer& tok, const kernels::Ops& ops,
                     int n_threads, int64_t n_ctx)
    : model_(model), tok_(tok), ops_(ops), pool_(n_threads), n_ctx_(n_ctx) {}

Result<GenerateResult> Generator::Generate(const GenerateRequest& req, const TextSink& on_text,
                                           const LogitsSink& on_logits, Session* session) {
  if (req.prompt.empty()) return Status::Invalid("the prompt is empty (no tokens)");
  if (req.n_predict < 0) return Status::Usage("-n must be >= 0");
  if (req.ubatch < 1) return Status::Usage("--ubatch must be >= 1");
  LI_RETURN_IF_ERROR(req.sampling.Validate());
  if (int64_t(req.prompt.size()) + req.n_predict > n_ctx_) {
    return Status::OutOfRange("context overflow: prompt of " + std::to_string(req.prompt.size()) +
                              " tokens + " + std::to_string(req.n_predict) + " to generate exceeds the context size " +
                              std::to_string(n_ctx_) + " (raise it with -c)");
  }

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
  sample::Sampler sampler(req.sampling);
  std::vector<int32_t> history = req.prompt;
  std::vector<float> logits;
  Sha256 fingerprint;
  tokenizer::StreamDecoder decoder(tok_);
  const double t_start = NowMs();
  grammar::TokenMask mask;
  std::vector<float> masked;
  if (req.constraint) req.constraint->Reset();

  // Prefill in chunks; only the last chunk's final logits are kept.
  for (size_t i = reused; i < req.prompt.size(); i += size_t(req.ubatch)) {
    size_t n = std::min(size_t(req.ubatch), req.prompt.size() - i);
    LI_RETURN_IF_ERROR(model::RunForward(model_, cache, std::span(req.prompt).subspan(i, n), ops_, pool_, &logits));
  }
  res.timings.prefill_ms = NowMs() - t_start;
  res.timings.prefill_tokens = int64_t(req.prompt.size());

  double t_decode = 0;
  res.finish_reason = "length";
  for (int32_t step = 0; step < req.n_predict; ++step) {
    fingerprint.Update(logits.data(), logits.size() * sizeof(float));
    if (on_logits) on_logits(logits);
    sample::Choice c;
    if (req.constraint) {
      LI_ASSIGN_OR_RETURN(c, ConstrainedChoice(*req.constraint, logits, sampler, history, &mask, &masked, &res));
    } else {
      c = sampler.Sample(logits, history, history.size());
    }
    if (step == 0) res.timings.ttft_ms = NowMs() - t_start;
    res.tokens.push_back(c.token);
    res.probabilities.push_back(c.probability);
    history.push_back(c.token);
    if (tok_.IsEndOfGeneration(c.token)) {
      res.finish_reason = "stop";
      break;
    }
    std::string piece = decoder.Push(c.token);
    if (!piece.empty()) {
      res.text += piece;
      // Stop strings: cut the text at the first match and end.
      bool stopped = false;
      for (const std::string& s : req.stop) {
        if (s.empty()) continue;
        size_t at = res.text.find(s, res.text.size() > piece.size() + s.size() ? res.text.size() - piece.size() - s.size() : 0);
        if (at != std::string::npos) {
          std::string emit = piece.substr(0, piece.size() - std::min(piece.size(), res.text.size() - at));
          res.text.resize(at);
          if (on_text && !emit.empty()) on_text(emit);
          stopped = true;
          break;
        }
      }
      if (stopped) {
        res.finish_reason = "stop";
        break;
      }
      if (on_text) on_text(piece);
    }
    if (step + 1 == req.n_predict) break;  // the last token need not be evaluated
    const double t0 = NowMs();
    LI_RETURN_IF_ERROR(model::RunForward(model_, cache, std::span(&history.back(), 1), ops_, pool_, &logits));
    t_decode += NowMs() - t0;
    res.timings.decode_tokens++;
  }
  if (res.finish_reason == "length") {
    std::string tail = decoder.Flush();
    res.text += tail;
    if (on_text && !tail.empty()) on_text(tail);
  }
  res.timings.decode_ms = t_decode;
  if (session) {
    // The cache holds the prompt and every generated token but a last one
    // that was sampled and not evaluated.
    session->tokens = history;
    session->tokens.resize(size_t(cache.n_past()));
  }
  res.fingerprint = fingerprint.FinishHex();
  return res;
}

}  // namespace lithium::engine
