// Pre-tokenizers of byte-level BPE vocabularies: the regex splits that cut a
// text into words before any merge, named by tokenizer.ggml.pre. Private to
// src/tokenizer.
//
// Each pre-tokenizer is the list of regexes llama.cpp applies for that name
// (llm_tokenizer_bpe in llama-vocab.cpp), one after another: every regex cuts
// each piece left by the previous one into its matches and the stretches
// between them. The regexes are matched by hand-written code (no regex
// library: the core builds for wasm32-wasi), with llama.cpp's semantics,
// including where they differ from Hugging Face's (see pre_tokenizer.cc).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "src/base/status.h"

namespace lithium::tokenizer {

// The distinct sets of regexes; several names share one.
enum class PreTokenizerKind : uint8_t {
  kDefault,        // llama.cpp's fallback for a vocabulary without a name
  kGpt2,           // GPT-2's regex alone: gpt-2, mpt, ...
  kLlama3,         // Llama 3: digits in groups of up to three
  kQwen2,          // Llama 3's regex with single digits
  kStarcoder,      // single digits, then GPT-2's regex: starcoder, refact, smollm
  kFalcon,         // punctuation runs, GPT-2's regex, groups of three ASCII digits
  kDeepseekLlm,    // DeepSeek LLM's six regexes
  kDeepseekCoder,  // DeepSeek Coder's five regexes
};

// What a tokenizer.ggml.pre name implies besides the regexes.
struct PreTokenizerInfo {
  PreTokenizerKind kind = PreTokenizerKind::kDefault;
  // A word that is a token as a whole is emitted without merging
  // (llama.cpp's ignore_merges, Hugging Face's BPE.ignore_merges).
  bool ignore_merges = false;
  // llama.cpp's default for tokenizer.ggml.add_bos_token.
  bool add_bos = false;
};

// Looks up a tokenizer.ggml.pre value. An empty name means the key is absent,
// which llama.cpp treats as "default" (with a warning that quality suffers);
// so do we. Any other unknown name is Unsupported, naming it: guessing would
// tokenize differently from the model's training without saying so.
Result<PreTokenizerInfo> FindPreTokenizer(std::string_view name);

// Words of a text, stored end to end: word i is bytes[ends[i-1], ends[i]).
struct Words {
  std::string bytes;
  std::vector<size_t> ends;
};

class PreTokenizer {
 public:
  explicit PreTokenizer(PreTokenizerKind kind) : kind_(kind) {}

  // Splits `text` into words and appends them to `words`, re-encoded as
  // UTF-8 the way llama.cpp re-encodes them: each byte that starts no valid
  // character becomes U+FFFD (see unicode::DecodeUtf8). Never fails.
  void Split(std::string_view text, Words* words) const;

 private:
  PreTokenizerKind kind_;
};

}  // namespace lithium::tokenizer
