// The token matcher: tracks where the output is in the grammar and, before
// each sampling step, computes the set of tokens that keep the output a
// valid prefix. The mask is a pure function of the tokens accepted so far
// (and the grammar and vocabulary): never of timing or of what the cache
// happened to hold.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
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
  // far is complete. Resizes the mask as needed. Under a token budget,
  // close to its end, only tokens after which a complete output still fits
  // in the tokens left (see set_token_budget).
  void ComputeMask(TokenMask* mask);

  // Limits the output to `tokens` tokens counted from Reset (every accepted
  // token, an end token included); -1 (the default) for no limit. Far from
  // the limit the mask is exactly the unbudgeted one (a cheap bound per
  // stack says no token can matter); near it, tokens after which the
  // fewest tokens that complete the output (completion.h) exceed the
  // tokens left are removed, so the output is complete by the last token.
  // Kept across Reset.
  void set_token_budget(int64_t tokens) { budget_ = tokens; }
  int64_t token_budget() const { return budget_; }
  // The fewest tokens that make a complete output from the start: a budget
  // below it cannot be met. CompletionCost::kInf when no sequence of whole
  // tokens can (the vocabulary cannot spell what the grammar requires).
  int64_t MinTokensFromStart() { return cache_->completion().min_from_start(); }
  // The same from the current state (0 when the output is complete).
  int64_t MinTokensToComplete();
  // Byte offsets into output() at which the budget removed tokens the
  // grammar allowed, in order (one per narrowed step).
  const std::vector<int64_t>& budget_cuts() const { return budget_cuts_; }
  // The bytes of every token accepted since Reset.
  const std::string& output() const { return output_; }
  int64_t tokens_accepted() const { return tokens_accepted_; }

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
  void ApplyBudget(int64_t left, TokenMask* mask);
  // Sum of the frames' completion costs (memoised per arena node).
  int32_t StackCost(int32_t node);
  // An upper bound on StackCost after any one token from this stack.
  int32_t StackReach(int32_t node);
  int32_t ConfigCost(const std::vector<int32_t>& config, bool can_end);
  void CompactArena();

  std::shared_ptr<MaskCache> cache_;
  StackArena arena_;
  std::vector<int32_t> config_;  // byte-ready stacks, sorted
  bool can_end_ = false;
  bool terminated_ = false;
  // Budget state.
  int64_t budget_ = -1;
  int64_t tokens_accepted_ = 0;
  std::string output_;
  std::vector<int64_t> budget_cuts_;
  std::vector<int32_t> stack_cost_, stack_reach_;  // [arena node], -1 unknown
  TokenMask budget_mask_;
  std::vector<int32_t> candidates_, chain_, reach_chain_;
  // Scratch.
  std::vector<std::vector<int32_t>> cfg_;
  std::vector<int32_t> work_, tops_;
};

}  // namespace lithium::grammar
