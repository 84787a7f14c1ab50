// What happens to one sequence's logits row at each generation step: hash it
// into the fingerprint, mask it with the constraint, draw a token, detect an
// end (EOS, stop string, length) and stream the text. The lone Generator and
// the batch engine both drive a DecodeState, so a request gets the same
// tokens and fingerprint whichever of them runs it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "src/base/sha256.h"
#include "src/base/status.h"
#include "src/engine/generate.h"
#include "src/grammar/matcher.h"
#include "src/sample/sampler.h"
#include "src/tokenizer/tokenizer.h"

namespace lithium::engine {

class DecodeState {
 public:
  // Resets the request's constraint. `res` receives tokens, text, the
  // finish reason and mask timings; it must outlive this object.
  DecodeState(const tokenizer::Tokenizer& tok, const GenerateRequest& req, GenerateResult* res);

  // Consumes the logits row of the current step (the last prompt position
  // first, then each generated token). Returns true when generation is over
  // (the token needs no evaluation); otherwise history().back() is the
  // token to evaluate next. Only call while !done().
  Result<bool> Step(const std::vector<float>& logits, const TextSink& on_text, const LogitsSink& on_logits) {
    if (done_) return Status::Internal("DecodeState::Step after the end of generation");
    HashLogits(logits);
    return Advance(logits, on_text, on_logits);
  }

  // Step in two halves, for callers that run them on different threads:
  // HashLogits feeds the row to the fingerprint, Advance does the rest
  // (mask, draw, end checks, text). Neither reads what the other writes, so
  // they may run concurrently; each step needs both, in either order.
  void HashLogits(const std::vector<float>& logits) {
    fingerprint_.Update(logits.data(), logits.size() * sizeof(float));
  }
  Result<bool> Advance(const std::vector<float>& logits, const TextSink& on_text, const LogitsSink& on_logits);

  // Whether Advance touches anything shared with other requests: a
  // constraint (its matcher's caches) or a caller's logits sink.
  bool AdvanceIsolated(const LogitsSink& on_logits) const { return !req_.constraint && !on_logits; }

  // Ends generation early (cancellation, a limit): finish_reason = reason.
  void Abort(const std::string& reason) {
    res_->finish_reason = reason;
    done_ = true;
  }

  // Flushes undecoded bytes when the run ended by length, and sets the
  // fingerprint. Call once, after the last Step.
  void Finish(const TextSink& on_text);

  bool done() const { return done_; }
  int32_t steps() const { return step_; }
  // The prompt and every generated token.
  const std::vector<int32_t>& history() const { return history_; }

 private:
  const tokenizer::Tokenizer& tok_;
  const GenerateRequest& req_;
  GenerateResult* res_;
  sample::Sampler sampler_;
  std::vector<int32_t> history_;
  Sha256 fingerprint_;
  tokenizer::StreamDecoder decoder_;
  grammar::TokenMask mask_;
  std::vector<float> masked_;
  int32_t step_ = 0;
  bool done_ = false;
};

}  // namespace lithium::engine
