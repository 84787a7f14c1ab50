// The token matcher: tracks where the output is in the grammar and, before
// each sampling step, computes the set of tokens that keep the output a
// valid prefix. The mask is a pure function of the tokens accepted so far
// (and the grammar and vocabulary): never of timing or of what the cache
// happened to hold.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "src/base/status.h"
#include "src/grammar/mask_cache.h"

namespace lithium::grammar {

class Matcher {
 public:
  // The cache may be shared by matchers that run one after another (it is
  // filled lazily), or by concurrent ones after MaskCache::PrecomputeAll.
  explicit Matcher(std::shared_ptr<MaskCache> cache);

  // Back to the start of the grammar.
  void Reset();

  // Sets `mask` (vocab size bits) to the allowed tokens: those whose bytes
  // keep the output a valid prefix, plus the end tokens when the output so
  // far is complete. Resizes the mask as needed.
  void ComputeMask(TokenMask* mask);

  // Advances by one token. An end token is accepted only where the output
  // is complete, and terminates the matcher. A token the mask would not
  // allow is an error and leaves the matcher unchanged.
  Status Accept(int32_t token);

  // Advances by raw bytes (a recogniser, for tests and validation); false,
  // with the matcher unchanged, when they leave the language.
  bool AcceptBytes(std::string_view bytes);

  // The output so far is a complete sentence of the grammar.
  bool CanEnd() const { return can_end_; }
  // No byte can follow: only an end token can.
  bool MustEnd() const { return config_.empty(); }
  bool terminated() const { return terminated_; }

  const MaskCache& cache() const { return *cache_; }
  MaskCache& cache_mutable() { return *cache_; }
  const Vocabulary& vocab() const { return cache_->vocab(); }

 private:
  bool Advance(std::string_view bytes, std::vector<int32_t>* config, bool* can_end);
  void CheckUncertain(const Trie& u, int32_t parent, TokenMask* mask);

  std::shared_ptr<MaskCache> cache_;
  StackArena arena_;
  std::vector<int32_t> config_;  // byte-ready stacks, sorted
  bool can_end_ = false;
  bool terminated_ = false;
  // Scratch.
  std::vector<std::vector<int32_t>> cfg_;
  std::vector<int32_t> work_, tops_;
};

}  // namespace lithium::grammar
