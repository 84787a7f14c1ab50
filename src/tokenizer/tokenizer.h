// Text <-> token ids, for llama.cpp's "llama" vocabulary type (SentencePiece
// BPE with scores and byte fallback, spm_tokenizer.cc) and its "gpt2" type
// (byte-level BPE with ranked merges and a pre-tokenizer, bpe_tokenizer.cc).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "src/base/status.h"
#include "src/gguf/gguf.h"

namespace lithium::tokenizer {

// Token types as GGUF stores them in tokenizer.ggml.token_type.
enum class TokenType : int32_t {
  kUndefined = 0, kNormal = 1, kUnknown = 2, kControl = 3,
  kUserDefined = 4, kUnused = 5, kByte = 6,
};

struct Vocab {
  std::string model;                 // tokenizer.ggml.model: "llama", "gpt2", ...
  std::vector<std::string> tokens;   // tokenizer.ggml.tokens
  std::vector<float> scores;         // tokenizer.ggml.scores (may be empty)
  std::vector<int32_t> types;        // tokenizer.ggml.token_type (may be empty)
  int32_t bos = -1, eos = -1, unk = -1, pad = -1;
  bool add_bos = true;               // tokenizer.ggml.add_bos_token
  bool add_eos = false;              // tokenizer.ggml.add_eos_token
  bool add_space_prefix = true;      // tokenizer.ggml.add_space_prefix
  // "gpt2" only: tokenizer.ggml.pre, the pre-tokenizer's name ("" means
  // absent, which is llama.cpp's "default"), and tokenizer.ggml.merges,
  // "left right" pairs, highest priority first.
  std::string pre;
  std::vector<std::string> merges;
  // llama.cpp drops the whitespace that follows most special tokens in
  // Phi-3 models (it recognises them by general.name), so the "\n" after
  // "<|user|>" yields no token. LoadVocab sets this; spm_tokenizer.cc has the
  // exact token set.
  bool rstrip_after_special = false;
};

// Reads the tokenizer.ggml.* keys, with llama.cpp's defaults for absent ones.
// An unsupported tokenizer model is an error naming it.
Result<Vocab> LoadVocab(const gguf::File& file);

// Checks what Tokenizer::Create relies on: array lengths agree, special ids
// are in range (or -1), add_bos/add_eos have a token to add.
Status ValidateVocab(const Vocab& vocab);

class Tokenizer {
 public:
  // Fails on a vocabulary that ValidateVocab rejects, on duplicate token
  // texts, and (Unsupported) on a model other than "llama" and "gpt2" or a
  // pre-tokenizer name it does not know.
  static Result<std::unique_ptr<Tokenizer>> Create(Vocab vocab);
  virtual ~Tokenizer() = default;

  // Text to ids. add_bos prepends BOS when the vocabulary asks for it
  // (Vocab::add_bos). parse_special recognises the text of control, unknown
  // and user-defined tokens (e.g. "<s>") as those tokens; otherwise control
  // and unknown tokens are tokenized as plain text. As in llama.cpp,
  // user-defined tokens are split out even without parse_special, and
  // add_bos also appends EOS when Vocab::add_eos asks for it.
  virtual Result<std::vector<int32_t>> Encode(std::string_view text, bool add_bos,
                                              bool parse_special) const = 0;

  // The bytes this token contributes to the output text ("▁" becomes a
  // space, byte tokens and byte-level BPE characters become their bytes,
  // control tokens become "").
  // Multi-byte characters may be split across tokens: see StreamDecoder.
  virtual std::string TokenBytes(int32_t id) const = 0;

  const Vocab& vocab() const { return vocab_; }
  int32_t n_vocab() const { return static_cast<int32_t>(vocab_.tokens.size()); }
  int32_t bos() const { return vocab_.bos; }
  int32_t eos() const { return vocab_.eos; }
  // End of generation: EOS or another end-of-turn control token.
  bool IsEndOfGeneration(int32_t id) const;
  // kUndefined for ids outside the vocabulary.
  TokenType type(int32_t id) const {
    if (id < 0 || id >= n_vocab()) return TokenType::kUndefined;
    return static_cast<TokenType>(vocab_.types[static_cast<size_t>(id)]);
  }

 protected:
  // Applies llama.cpp's load-time fix-ups to the (validated) vocabulary:
  // fills in absent scores and types, and marks end-of-generation tokens
  // (found by their text, e.g. "<|end|>") as CONTROL. vocab() returns the
  // result.
  explicit Tokenizer(Vocab vocab);
  Vocab vocab_;
  std::vector<uint8_t> eog_;  // [n_vocab] 1 for end-of-generation tokens
};

// Turns a stream of ids into text that is always valid UTF-8: bytes of a
// character split across tokens are held back until the character is whole.
// Invalid sequences become U+FFFD. Drops the single leading space that the
// SentencePiece dummy prefix adds to the first token of the output, when
// asked to (as llama.cpp does after BOS).
class StreamDecoder {
 public:
  explicit StreamDecoder(const Tokenizer& tok, bool strip_leading_space = false)
      : tok_(tok), strip_(strip_leading_space) {}
  // Returns the newly completed text (possibly empty).
  std::string Push(int32_t id);
  // Returns whatever is held back, with incomplete characters as U+FFFD.
  std::string Flush();

 private:
  const Tokenizer& tok_;
  bool strip_;
  bool first_ = true;
  std::string pending_;
};

}  // namespace lithium::tokenizer
