#include "src/grammar/pda.h"

#include <algorithm>

namespace lithium::grammar {

void StackArena::Closure(const CompiledGrammar& g, std::vector<int32_t>* seeds, std::vector<int32_t>* out,
                         bool* popped_bottom) {
  if (++epoch_ == 0) {  // wrapped: clear the marks once every 2^32 calls
    std::fill(mark_.begin(), mark_.end(), 0);
    epoch_ = 1;
  }
  const size_t first = out->size();
  std::vector<int32_t>& work = *seeds;
  while (!work.empty()) {
    const int32_t n = work.back();
    work.pop_back();
    if (mark_.size() <= size_t(n)) mark_.resize(size_t(nodes_.size()) + 64, 0);
    if (mark_[size_t(n)] == epoch_) continue;
    mark_[size_t(n)] = epoch_;
    const Node nd = nodes_[size_t(n)];
    const size_t q = size_t(nd.state);
    if (g.byte_ready[q]) out->push_back(n);
    for (int32_t c = g.call_begin[q]; c < g.call_begin[q + 1]; ++c) {
      const Call& call = g.calls[size_t(c)];
      const int32_t ret = Intern(call.ret, nd.parent);
      work.push_back(Intern(g.rule_start[size_t(call.rule)], ret));
    }
    if (g.final[q]) {
      if (nd.parent < 0) {
        *popped_bottom = true;
      } else {
        work.push_back(nd.parent);
      }
    }
  }
  std::sort(out->begin() + std::ptrdiff_t(first), out->end());
  out->erase(std::unique(out->begin() + std::ptrdiff_t(first), out->end()), out->end());
}

void StackArena::Compact(std::vector<int32_t>* stacks) {
  StackArena fresh;
  std::vector<int32_t> map(nodes_.size(), -1);
  // Parents have smaller ids than their children (a node is interned after
  // its parent), so one pass in id order over the live nodes suffices.
  std::vector<uint8_t> live(nodes_.size(), 0);
  for (int32_t s : *stacks) {
    for (int32_t n = s; n >= 0 && !live[size_t(n)]; n = nodes_[size_t(n)].parent) live[size_t(n)] = 1;
  }
  for (size_t n = 0; n < nodes_.size(); ++n) {
    if (!live[n]) continue;
    const int32_t p = nodes_[n].parent;
    map[n] = fresh.Intern(nodes_[n].state, p < 0 ? -1 : map[size_t(p)]);
  }
  for (int32_t& s : *stacks) s = map[size_t(s)];
  *this = std::move(fresh);
}

}  // namespace lithium::grammar
