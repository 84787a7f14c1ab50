// The pushdown automaton over a CompiledGrammar. A stack is a chain of
// frames (DFA states), the top frame being the state of the innermost rule;
// stacks are hash-consed in an arena, so equal stacks have equal ids and a
// set of stacks is a sorted vector of ids. Frame ids depend only on the
// order of operations, never on addresses or time: every set the matcher
// builds is reproducible.
#pragma once

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "src/grammar/compiled_grammar.h"

namespace lithium::grammar {

class StackArena {
 public:
  struct Node {
    int32_t state;
    int32_t parent;  // -1: the bottom frame
  };

  int32_t Intern(int32_t state, int32_t parent) {
    const uint64_t k = (uint64_t(uint32_t(state)) << 32) | uint32_t(parent);
    auto [it, inserted] = index_.emplace(k, int32_t(nodes_.size()));
    if (inserted) nodes_.push_back({state, parent});
    return it->second;
  }
  const Node& node(int32_t id) const { return nodes_[size_t(id)]; }
  int32_t size() const { return int32_t(nodes_.size()); }
  void Clear() {
    nodes_.clear();
    index_.clear();
    mark_.clear();
  }

  // Expands `seeds` (consumed) into the byte-ready stacks reachable without
  // consuming a byte: calls push the callee's start state, final states pop.
  // Appends them to `out` sorted and unique. Sets *popped_bottom when the
  // bottom frame can complete (for a matcher: the output may end here).
  void Closure(const CompiledGrammar& g, std::vector<int32_t>* seeds, std::vector<int32_t>* out,
               bool* popped_bottom);

  // The stacks after consuming byte b from `from` (no closure), appended.
  void Step(const CompiledGrammar& g, const std::vector<int32_t>& from, uint8_t b, std::vector<int32_t>* out) {
    for (int32_t n : from) {
      const Node nd = nodes_[size_t(n)];
      const int32_t t = g.Next(nd.state, b);
      if (t >= 0) out->push_back(Intern(t, nd.parent));
    }
  }

  // Rebuilds the arena keeping only the given stacks (ids are rewritten in
  // place, in order, so the result does not depend on what was dropped).
  void Compact(std::vector<int32_t>* stacks);

 private:
  std::vector<Node> nodes_;
  std::unordered_map<uint64_t, int32_t> index_;
  std::vector<uint32_t> mark_;
  uint32_t epoch_ = 0;
};

}  // namespace lithium::grammar
