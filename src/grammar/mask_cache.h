// Per-state token classification, the idea XGrammar calls the adaptive
// token mask cache. For a byte-ready DFA state q at the top of a stack,
// every token falls in one of three classes, none of which depends on what
// lies below q on the stack:
//   accepted   - some path consumes the whole token without q's rule
//                completing: valid whatever the stack below (every
//                reachable state can complete, see compiled_grammar.h);
//   rejected   - every path dies inside q's rule;
//   uncertain  - a path completes q's rule after k < len bytes: the token is
//                valid iff the suffix t[k:] fits the stack below.
// The matcher ORs the accepted set and walks the (small) trie of uncertain
// suffixes against the real stack. For a state inside a JSON string, the
// uncertain tokens are those with a closing quote followed by more bytes,
// a few hundred of 150k.
//
// Entries are computed on first use, or all at once by PrecomputeAll; the
// cache is not thread-safe until PrecomputeAll has run.
#pragma once

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "src/grammar/compiled_grammar.h"
#include "src/grammar/completion.h"
#include "src/grammar/pda.h"
#include "src/grammar/vocabulary.h"

namespace lithium::grammar {

class MaskCache {
 public:
  struct Entry {
    bool ready = false;
    int32_t dense = -1;            // index into the bitset pool, or -1
    std::vector<int32_t> sparse;   // the accepted ids when dense < 0
    Trie uncertain;                // suffixes t[k:], token ids at their nodes
    int64_t accepted = 0;
  };

  MaskCache(std::shared_ptr<const CompiledGrammar> grammar, std::shared_ptr<const Vocabulary> vocab);

  const Entry& Get(int32_t state) {
    Entry& e = entries_[size_t(state)];
    if (!e.ready) Compute(state, &e);
    return e;
  }
  const TokenMask& dense(int32_t id) const { return pool_[size_t(id)]; }
  // Computes every byte-ready state's entry.
  void PrecomputeAll();

  const CompiledGrammar& grammar() const { return *grammar_; }
  const Vocabulary& vocab() const { return *vocab_; }
  const std::shared_ptr<const CompiledGrammar>& grammar_ptr() const { return grammar_; }
  int64_t states_computed() const { return computed_; }
  size_t distinct_bitsets() const { return pool_.size(); }

  // The completion costs (src/grammar/completion.h), built on first use and
  // shared by every matcher using this cache.
  CompletionCost& completion() {
    if (!completion_) completion_ = std::make_unique<CompletionCost>(*this);
    return *completion_;
  }

 private:
  void Compute(int32_t q, Entry* e);
  void WalkLeaf(int32_t q);
  void WalkGeneral(int32_t q);
  void AddEntries(const Trie& t, int32_t lo, int32_t hi);
  const Trie& ClassTrie(int32_t class_map);
  bool WideClassMap(int32_t class_map);

  friend class CompletionCost;  // walks the same class-keyed tries

  std::shared_ptr<const CompiledGrammar> grammar_;
  std::shared_ptr<const Vocabulary> vocab_;
  std::unique_ptr<CompletionCost> completion_;
  std::vector<Entry> entries_;
  std::vector<TokenMask> pool_;
  std::unordered_map<uint64_t, int32_t> pool_index_;  // bitset hash -> pool id
  TokenMask scratch_;
  std::vector<std::unique_ptr<Trie>> class_tries_;  // [class map], built on demand
  std::vector<uint8_t> wide_;                       // [class map]
  int32_t max_depth_ = 0;
  int64_t computed_ = 0;

  // Scratch for walks.
  StackArena arena_;
  std::vector<int32_t> accepted_;
  std::vector<int32_t> pops_;                          // completion offsets on the current path
  std::vector<std::pair<int32_t, int32_t>> pending_;   // (token, offset) uncertain entries
};

}  // namespace lithium::grammar
