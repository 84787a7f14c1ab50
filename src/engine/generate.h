// The generate loop: prefill the prompt in chunks of `ubatch` tokens, then
// sample and decode one token at a time, hashing every logits row used for
// sampling into the fingerprint (DESIGN.md rule 8).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "src/base/status.h"
#include "src/base/thread_pool.h"
#include "src/grammar/matcher.h"
#include "src/kernels/kernels.h"
#include "src/model/model.h"
#include "src/sample/sampler.h"
#include "src/tokenizer/tokenizer.h"

namespace lithium::engine {

struct GenerateRequest {
  std::vector<int32_t> prompt;       // already tokenized, BOS included if wanted
  int32_t n_predict = 128;           // maximum new tokens
  sample::SamplingParams sampling;
  std::vector<std::string> stop;     // stop strings (not included in the text)
  int32_t ubatch = 512;              // prompt tokens per forward call
  // Structured output (src/grammar): reset at the start, it masks the
  // logits before each draw (disallowed tokens get -inf; end-of-generation
  // only where the output is complete) and learns each chosen token. A
  // step with a single allowed token takes it without a draw. The
  // fingerprint and --dump-logits still see the unmasked logits.
  std::shared_ptr<grammar::Matcher> constraint;
};

struct Timings {
  double prefill_ms = 0;  // prompt evaluation
  double decode_ms = 0;   // every later forward step
  double ttft_ms = 0;     // request start to first generated token
  double mask_ms = 0;     // computing constraint masks
  int64_t prefill_tokens = 0, decode_tokens = 0;
  double prefill_tokens_per_s() const { return prefill_ms > 0 ? prefill_tokens * 1000.0 / prefill_ms : 0; }
  double decode_tokens_per_s() const { return decode_ms > 0 ? decode_tokens * 1000.0 / decode_ms : 0; }
};

struct GenerateResult {
  std::vector<int32_t> tokens;       // generated ids, an end-of-generation token included
  std::vector<float> probabilities;  // of each chosen token
  std::string text;                  // detokenized, stop string removed
  std::string finish_reason;         // "stop" (EOS or stop string) or "length"
  std::string fingerprint;           // hex SHA-256 of the logits rows
  int64_t forced_tokens = 0;         // steps where the constraint allowed one token
  // Under a constraint, n_predict is also a budget the output must close
  // in (issue 9): steps where the budget removed tokens the grammar
  // allowed, and the JSON pointers of the values it shaped (cut short).
  // Any such step makes finish_reason "length".
  int64_t budget_steps = 0;
  std::vector<std::string> truncated;
  int64_t reused_prompt_tokens = 0;  // prompt tokens a Session's cache already held
  Timings timings;
};

// Receives each logits row in fingerprint order (for --dump-logits).
using LogitsSink = std::function<void(const std::vector<float>&)>;
// Receives text as it becomes valid UTF-8 (for streaming).
using TextSink = std::function<void(const std::string&)>;

// A conversation's KV cache kept between Generate calls: a new prompt that
// starts with tokens the cache already holds evaluates only the rest
// (multi-turn chat). Reuse never changes bits: a position's keys and values
// depend only on the tokens up to it.
struct Session {
  std::unique_ptr<model::KvCache> cache;
  std::vector<int32_t> tokens;  // the tokens whose keys and values the cache holds
};

// The checks every request passes before any evaluation: a non-empty
// prompt, sane limits and sampling parameters, prompt + n_predict <= n_ctx.
Status ValidateRequest(const GenerateRequest& req, int64_t n_ctx);

class Generator {
 public:
  Generator(const model::Model& model, const tokenizer::Tokenizer& tok, const kernels::Ops& ops,
            int n_threads, int64_t n_ctx);

  Result<GenerateResult> Generate(const GenerateRequest& req, const TextSink& on_text = nullptr,
                                  const LogitsSink& on_logits = nullptr, Session* session = nullptr);

 private:
  const model::Model& model_;
  const tokenizer::Tokenizer& tok_;
  const kernels::Ops& ops_;
  ThreadPool pool_;
  int64_t n_ctx_;
};

}  // namespace lithium::engine
