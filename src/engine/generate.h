// The generate loop: prefill the prompt in chunks of `ubatch` tokens, then
// sample and decode one token at a time, hashing every logits row used for
// sampling into the fingerprint (DESIGN.md rule 8).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "src/base/status.h"
#include "src/base/thread_pool.h"
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
};

struct Timings {
  double prefill_ms = 0;  // prompt evaluation
  double decode_ms = 0;   // every later forward step
  double ttft_ms = 0;     // request start to first generated token
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
  Timings timings;
};

// Receives each logits row in fingerprint order (for --dump-logits).
using LogitsSink = std::function<void(const std::vector<float>&)>;
// Receives text as it becomes valid UTF-8 (for streaming).
using TextSink = std::function<void(const std::string&)>;

class Generator {
 public:
  Generator(const model::Model& model, const tokenizer::Tokenizer& tok, const kernels::Ops& ops,
            int n_threads, int64_t n_ctx);

  Result<GenerateResult> Generate(const GenerateRequest& req, const TextSink& on_text = nullptr,
                                  const LogitsSink& on_logits = nullptr);

 private:
  const model::Model& model_;
  const tokenizer::Tokenizer& tok_;
  const kernels::Ops& ops_;
  ThreadPool pool_;
  int64_t n_ctx_;
};

}  // namespace lithium::engine
