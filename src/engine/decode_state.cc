#include "src/engine/decode_state.h"

#include <algorithm>
#include <bit>
#include <chrono>
#include <limits>

#include "src/engine/constraint.h"

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

DecodeState::DecodeState(const tokenizer::Tokenizer& tok, const GenerateRequest& req, GenerateResult* res)
    : tok_(tok), req_(req), res_(res), sampler_(req.sampling), history_(req.prompt), decoder_(tok) {
  res_->finish_reason = "length";
  if (req_.constraint) {
    req_.constraint->Reset();
    req_.constraint->set_token_budget(req_.n_predict);  // the output must close within it
  }
  if (req_.n_predict <= 0) done_ = true;
}

Result<bool> DecodeState::Advance(const std::vector<float>& logits, const TextSink& on_text,
                                  const LogitsSink& on_logits) {
  if (done_) return Status::Internal("DecodeState::Step after the end of generation");
  if (on_logits) on_logits(logits);
  sample::Choice c;
  if (req_.constraint) {
    LI_ASSIGN_OR_RETURN(c, ConstrainedChoice(*req_.constraint, logits, sampler_, history_, &mask_, &masked_, res_));
  } else {
    c = sampler_.Sample(logits, history_, history_.size());
  }
  ++step_;
  res_->tokens.push_back(c.token);
  res_->probabilities.push_back(c.probability);
  history_.push_back(c.token);
  if (tok_.IsEndOfGeneration(c.token)) {
    res_->finish_reason = "stop";
    return done_ = true;
  }
  std::string piece = decoder_.Push(c.token);
  if (!piece.empty()) {
    std::string& text = res_->text;
    text += piece;
    // Stop strings: cut the text at the first match and end.
    for (const std::string& s : req_.stop) {
      if (s.empty()) continue;
      size_t at = text.find(s, text.size() > piece.size() + s.size() ? text.size() - piece.size() - s.size() : 0);
      if (at != std::string::npos) {
        std::string emit = piece.substr(0, piece.size() - std::min(piece.size(), text.size() - at));
        text.resize(at);
        if (on_text && !emit.empty()) on_text(emit);
        res_->finish_reason = "stop";
        return done_ = true;
      }
    }
    if (on_text) on_text(piece);
  }
  if (step_ >= req_.n_predict) done_ = true;  // the last token need not be evaluated
  return done_;
}

void DecodeState::Finish(const TextSink& on_text) {
  if (res_->finish_reason == "length") {
    std::string tail = decoder_.Flush();
    res_->text += tail;
    if (on_text && !tail.empty()) on_text(tail);
  }
  if (req_.constraint) ReportBudget(*req_.constraint, res_);
  res_->fingerprint = fingerprint_.FinishHex();
}

}  // namespace lithium::engine
