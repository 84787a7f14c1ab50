// Completion costs: for every grammar state, the fewest tokens of the
// model's own vocabulary that still finish the output (issue 9). This is
// what lets the matcher close a document validly by the last token of a
// budget instead of returning truncated JSON.
//
// cost(q) is the length of a shortest path in a subgraph of the real token
// graph: tokens that stay inside q's rule, and whole calls of other rules
// (each costing its own cheapest derivation). Tokens that straddle a rule
// boundary (`"}` closing a string and an object) are real options the
// subgraph leaves out, so cost(q) is an upper bound on the true minimum,
// usually equal to it. Being a path length in a fixed subgraph is what
// makes it safe to steer by: the first token of that path always leads to a
// state whose cost is exactly one less, so a budget of at least cost(q)
// can always be met.
//
// The cost of a stack (a matcher configuration frame chain) is the sum over
// its frames: finish the innermost rule, then each caller from its return
// state. Tables are built once per grammar and vocabulary (one walk of the
// vocabulary trie per state, like the mask cache's); per-state token levels
// for the last steps before the budget are built lazily.
#pragma once

#include <algorithm>
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "src/grammar/compiled_grammar.h"
#include "src/grammar/pda.h"
#include "src/grammar/vocabulary.h"

namespace lithium::grammar {

class MaskCache;

class CompletionCost {
 public:
  // Costs at or above kInf mean "cannot be completed" (with whole tokens).
  static constexpr int32_t kInf = 1 << 28;
  static int32_t Add(int32_t a, int32_t b) { return a >= kInf || b >= kInf ? kInf : std::min(a + b, kInf); }

  // Builds the tables; the cache supplies the grammar, the vocabulary and
  // its class-keyed tries.
  explicit CompletionCost(MaskCache& cache);

  // Fewest tokens from state q (at a token boundary) to the end of q's rule.
  int32_t cost(int32_t q) const { return cost_[size_t(q)]; }
  // An upper bound on the cost of the frames a single token can leave when
  // consumed from q without completing q's rule (any string of at most the
  // vocabulary's longest token). The matcher compares it with the budget to
  // skip all budget work while far from it.
  int32_t reach(int32_t q) const { return reach_[size_t(q)]; }
  // The shortest complete output, in tokens.
  int32_t min_from_start() const { return cost_[size_t(grammar_.rule_start[size_t(grammar_.root)])]; }

  // The tokens accepted at top state q (those the mask cache calls
  // accepted: consumed without completing q's rule) whose resulting frames
  // cost at most theta; -1 when there is none. Filled on first use.
  int32_t LevelMask(int32_t q, int32_t theta);
  const TokenMask& mask(int32_t id) const { return pool_[size_t(id)]; }

 private:
  struct Levels {
    bool ready = false;
    std::vector<int32_t> value;  // distinct relative costs, ascending
    std::vector<int32_t> mask;   // [i]: pool id of the tokens costing <= value[i]
  };
  void TokenEdges(int32_t q, std::vector<int32_t>* stamp, std::vector<int32_t>* out);
  void ComputeCosts();
  void ComputeReach();
  void BuildLevels(int32_t q, Levels* lv);
  int32_t RelativeCost(int32_t node);

  MaskCache& cache_;
  const CompiledGrammar& grammar_;
  const Vocabulary& vocab_;
  std::vector<int32_t> cost_, reach_;
  std::vector<Levels> levels_;
  std::vector<TokenMask> pool_;
  std::unordered_map<uint64_t, int32_t> pool_index_;
  StackArena arena_;  // scratch for walks of rules that call others
  std::vector<std::pair<int32_t, int32_t>> scratch_;  // (cost, token)
};

}  // namespace lithium::grammar
