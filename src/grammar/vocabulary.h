// The vocabulary as the matcher sees it: each token's output bytes, which
// tokens end generation, and a prefix trie over the token bytes. The trie
// is flattened in preorder, so a walk is a loop over an array that skips a
// whole subtree (every token sharing a dead prefix) with one jump.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "src/base/status.h"

namespace lithium::grammar {

struct Trie {
  // Node 0 is the root (the empty prefix); node i > 0 extends its parent by
  // key[i] and sits at depth[i]; its subtree is [i, end[i]).
  std::vector<uint8_t> key;
  std::vector<uint16_t> depth;
  std::vector<int32_t> end;
  std::vector<int32_t> tok_begin;  // [node + 1]: ids whose key ends at node
  std::vector<int32_t> toks;
  int32_t max_depth = 0;

  // Keys must be non-empty and at most 65535 bytes; equal keys share a node.
  static Trie Build(std::vector<std::pair<std::string, int32_t>> entries);
  int32_t size() const { return int32_t(key.size()); }
  bool empty() const { return key.size() <= 1; }
};

// A set of token ids as a bitset of ceil(n / 64) words.
using TokenMask = std::vector<uint64_t>;
inline void MaskSet(TokenMask& m, int32_t t) { m[size_t(t) >> 6] |= uint64_t(1) << (t & 63); }
inline bool MaskTest(const TokenMask& m, int32_t t) { return (m[size_t(t) >> 6] >> (t & 63)) & 1; }
int64_t MaskCount(const TokenMask& m);

class Vocabulary {
 public:
  // bytes[t] is what token t adds to the output: "" for control tokens,
  // which are never allowed, except those in end_tokens (EOS and other
  // end-of-generation tokens), which are allowed exactly where the grammar
  // accepts the output so far.
  static Result<std::shared_ptr<const Vocabulary>> Create(std::vector<std::string> bytes,
                                                          std::vector<int32_t> end_tokens);

  int32_t size() const { return int32_t(bytes_.size()); }
  const std::string& bytes(int32_t t) const { return bytes_[size_t(t)]; }
  const std::vector<int32_t>& end_tokens() const { return end_tokens_; }
  bool is_end(int32_t t) const { return is_end_[size_t(t)] != 0; }
  const Trie& trie() const { return trie_; }
  size_t mask_words() const { return (bytes_.size() + 63) / 64; }

 private:
  std::vector<std::string> bytes_;
  std::vector<int32_t> end_tokens_;
  std::vector<uint8_t> is_end_;
  Trie trie_;
};

// Token bytes from GGUF token texts of a byte-level BPE vocabulary (GPT-2's
// byte-to-unicode mapping inverted), for tests and tools that need a
// vocabulary before its tokenizer exists. Special (control) tokens map to
// "". A text with a character outside the mapping is kept as its UTF-8.
std::string Gpt2TokenBytes(const std::string& text);

}  // namespace lithium::grammar
