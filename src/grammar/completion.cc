#include "src/grammar/completion.h"

#include <algorithm>
#include <queue>

#include "src/grammar/mask_cache.h"

namespace lithium::grammar {
namespace {

// The reach tables settle within a few sweeps per length on real grammars;
// one that does not gets no fast path (every step then checks the budget
// exactly, which is slower but still correct).
constexpr int kMaxSweeps = 64;

}  // namespace

CompletionCost::CompletionCost(MaskCache& cache)
    : cache_(cache), grammar_(cache.grammar()), vocab_(cache.vocab()) {
  levels_.resize(size_t(grammar_.num_states()));
  ComputeCosts();
  ComputeReach();
}

// The states of q's rule reachable from q by one whole token using byte
// transitions only (no rule calls inside the token), each once.
void CompletionCost::TokenEdges(int32_t q, std::vector<int32_t>* stamp, std::vector<int32_t>* out) {
  const CompiledGrammar& g = grammar_;
  const int32_t map_id = g.rule_class_map[size_t(g.state_rule[size_t(q)])];
  // The same trie choice as the mask cache's leaf walk: wide rules (string
  // bodies) walk the class-keyed trie, narrow ones the byte trie.
  const bool wide = cache_.WideClassMap(map_id);
  const Trie& t = wide ? cache_.ClassTrie(map_id) : vocab_.trie();
  const auto& cls = g.class_maps[size_t(map_id)];
  std::vector<int32_t> st(size_t(t.max_depth) + 2);
  st[0] = q;
  const int32_t n = t.size();
  int32_t i = 1;
  while (i < n) {
    const int32_t d = t.depth[size_t(i)];
    const int32_t s = st[size_t(d) - 1];
    const uint8_t c = wide ? t.key[size_t(i)] : cls[t.key[size_t(i)]];
    const int32_t nx = g.trans[size_t(g.row[size_t(s)]) + c];
    if (nx < 0) {
      i = t.end[size_t(i)];
      continue;
    }
    st[size_t(d)] = nx;
    if (t.tok_begin[size_t(i)] < t.tok_begin[size_t(i) + 1] && (*stamp)[size_t(nx)] != q) {
      (*stamp)[size_t(nx)] = q;
      out->push_back(nx);
    }
    ++i;
  }
}

// Shortest paths to each rule's final states, backwards, per rule; a call
// costs its callee's start cost. Rules are solved callees first (they are
// numbered as the compiler meets them, so callers come first), and rounds
// repeat until nothing changes: a recursive rule's cost settles once its
// cheapest derivation is found, within (number of rules + 1) rounds.
void CompletionCost::ComputeCosts() {
  const CompiledGrammar& g = grammar_;
  const int32_t ns = g.num_states();
  const int32_t nr = int32_t(g.rule_start.size());
  // [to] (from, callee or -1)
  std::vector<std::vector<std::pair<int32_t, int32_t>>> rev(static_cast<size_t>(ns));
  std::vector<int32_t> stamp(size_t(ns), -1), out;
  for (int32_t s = 0; s < ns; ++s) {
    if (g.byte_ready[size_t(s)]) {
      out.clear();
      TokenEdges(s, &stamp, &out);
      for (int32_t t : out) rev[size_t(t)].emplace_back(s, -1);
    }
    for (int32_t c = g.call_begin[size_t(s)]; c < g.call_begin[size_t(s) + 1]; ++c) {
      rev[size_t(g.calls[size_t(c)].ret)].emplace_back(s, g.calls[size_t(c)].rule);
    }
  }
  std::vector<int32_t> rule_size(size_t(nr), 0);
  for (int32_t s = 0; s < ns; ++s) rule_size[size_t(g.state_rule[size_t(s)])]++;
  cost_.assign(size_t(ns), kInf);
  using Item = std::pair<int32_t, int32_t>;  // (cost, state)
  std::priority_queue<Item, std::vector<Item>, std::greater<Item>> pq;
  std::vector<int32_t> dist;
  bool changed = true;
  for (int32_t round = 0; changed && round <= nr + 1; ++round) {
    changed = false;
    for (int32_t r = nr - 1; r >= 0; --r) {
      const int32_t base = g.rule_start[size_t(r)];
      if (base < 0) continue;
      const int32_t size = rule_size[size_t(r)];
      dist.assign(size_t(size), kInf);
      for (int32_t k = 0; k < size; ++k) {
        if (g.final[size_t(base + k)]) {
          dist[size_t(k)] = 0;
          pq.emplace(0, base + k);
        }
      }
      while (!pq.empty()) {
        const auto [d, s] = pq.top();
        pq.pop();
        if (d > dist[size_t(s - base)]) continue;
        for (const auto& [from, callee] : rev[size_t(s)]) {
          const int32_t w = callee < 0 ? 1 : cost_[size_t(g.rule_start[size_t(callee)])];
          const int32_t nd = Add(d, w);
          if (nd < dist[size_t(from - base)]) {
            dist[size_t(from - base)] = nd;
            pq.emplace(nd, from);
          }
        }
      }
      for (int32_t k = 0; k < size; ++k) {
        if (dist[size_t(k)] != cost_[size_t(base + k)]) {
          cost_[size_t(base + k)] = dist[size_t(k)];
          changed = true;
        }
      }
    }
  }
}

// reach(x) = max over strings w of at most L bytes (L: the longest token)
// consumed from x without completing x's rule, of the cost of the frames
// left. By length: R_L(x) = max(cost(x), R_{L-1}(y) for each byte edge
// x -> y, R_L(start S) + cost(ret) and R_{L or L-1}(ret) for each call of
// S returning to ret). Strings include every token, so it bounds what a
// token can do; it stops growing once a length adds nothing.
void CompletionCost::ComputeReach() {
  const CompiledGrammar& g = grammar_;
  const int32_t ns = g.num_states();
  const int32_t max_len = std::max<int32_t>(1, vocab_.trie().max_depth);
  std::vector<int32_t> prev = cost_, cur;
  for (int32_t len = 0; len <= max_len; ++len) {
    cur = prev;
    bool converged = false;
    for (int sweep = 0; sweep < kMaxSweeps && !converged; ++sweep) {
      converged = true;
      for (int32_t x = 0; x < ns; ++x) {
        int32_t v = cur[size_t(x)];
        if (len > 0 && g.byte_ready[size_t(x)]) {
          const int32_t classes = g.class_count[size_t(g.rule_class_map[size_t(g.state_rule[size_t(x)])])];
          const int32_t* row = &g.trans[size_t(g.row[size_t(x)])];
          for (int32_t k = 0; k < classes; ++k) {
            if (row[k] >= 0) v = std::max(v, prev[size_t(row[k])]);
          }
        }
        for (int32_t c = g.call_begin[size_t(x)]; c < g.call_begin[size_t(x) + 1]; ++c) {
          const Call& call = g.calls[size_t(c)];
          const int32_t start = g.rule_start[size_t(call.rule)];
          v = std::max(v, Add(cur[size_t(start)], cost_[size_t(call.ret)]));
          // A callee that derives the empty string returns without a byte.
          if (cost_[size_t(start)] == 0) {
            v = std::max(v, cur[size_t(call.ret)]);
          } else if (len > 0) {
            v = std::max(v, prev[size_t(call.ret)]);
          }
        }
        if (v > cur[size_t(x)]) {
          cur[size_t(x)] = v;
          converged = false;
        }
      }
    }
    if (!converged) {
      cur.assign(size_t(ns), kInf);
      break;
    }
    const bool same = len > 0 && cur == prev;
    prev.swap(cur);
    if (same) break;
  }
  reach_ = std::move(prev);
}

int32_t CompletionCost::RelativeCost(int32_t node) {
  int32_t sum = 0;
  for (int32_t n = node; n >= 0; n = arena_.node(n).parent) sum = Add(sum, cost_[size_t(arena_.node(n).state)]);
  return sum;
}

// The accepted tokens of q with the cost of the frames each leaves above
// the stack below q (0 when q's rule ends exactly at the token's end). The
// walks mirror MaskCache's, so the union of all levels is its accepted set.
void CompletionCost::BuildLevels(int32_t q, Levels* lv) {
  const CompiledGrammar& g = grammar_;
  scratch_.clear();
  auto add_tokens = [&](const Trie& t, int32_t i, int32_t rc) {
    if (rc >= kInf) return;
    for (int32_t k = t.tok_begin[size_t(i)]; k < t.tok_begin[size_t(i) + 1]; ++k) scratch_.emplace_back(rc, t.toks[size_t(k)]);
  };
  if (g.byte_ready[size_t(q)] && g.rule_leaf[size_t(g.state_rule[size_t(q)])]) {
    const int32_t map_id = g.rule_class_map[size_t(g.state_rule[size_t(q)])];
    const bool wide = cache_.WideClassMap(map_id);
    const Trie& t = wide ? cache_.ClassTrie(map_id) : vocab_.trie();
    const auto& cls = g.class_maps[size_t(map_id)];
    std::vector<int32_t> st(size_t(t.max_depth) + 2);
    st[0] = q;
    for (int32_t i = 1, n = t.size(); i < n;) {
      const int32_t d = t.depth[size_t(i)];
      const uint8_t c = wide ? t.key[size_t(i)] : cls[t.key[size_t(i)]];
      const int32_t nx = g.trans[size_t(g.row[size_t(st[size_t(d) - 1])]) + c];
      if (nx < 0) {
        i = t.end[size_t(i)];
        continue;
      }
      st[size_t(d)] = nx;
      add_tokens(t, i, cost_[size_t(nx)]);
      ++i;
    }
  } else if (g.byte_ready[size_t(q)]) {
    const Trie& t = vocab_.trie();
    arena_.Clear();
    std::vector<std::vector<int32_t>> cfg(size_t(t.max_depth) + 2);
    std::vector<int32_t> stepped;
    cfg[0] = {arena_.Intern(q, -1)};
    for (int32_t i = 1, n = t.size(); i < n;) {
      const int32_t d = t.depth[size_t(i)];
      stepped.clear();
      arena_.Step(g, cfg[size_t(d) - 1], t.key[size_t(i)], &stepped);
      if (stepped.empty()) {
        i = t.end[size_t(i)];
        continue;
      }
      cfg[size_t(d)].clear();
      bool popped = false;
      arena_.Closure(g, &stepped, &cfg[size_t(d)], &popped);
      if (t.tok_begin[size_t(i)] < t.tok_begin[size_t(i) + 1]) {
        int32_t rc = popped ? 0 : kInf;
        for (int32_t node : cfg[size_t(d)]) rc = std::min(rc, RelativeCost(node));
        add_tokens(t, i, rc);
      }
      i = cfg[size_t(d)].empty() ? t.end[size_t(i)] : i + 1;
    }
    arena_.Clear();
  }
  std::sort(scratch_.begin(), scratch_.end());
  TokenMask m(vocab_.mask_words(), 0);
  for (size_t k = 0; k < scratch_.size();) {
    const int32_t v = scratch_[k].first;
    for (; k < scratch_.size() && scratch_[k].first == v; ++k) MaskSet(m, scratch_[k].second);
    // Equal sets (the count states of a long string) are stored once.
    uint64_t h = 1469598103934665603ull;
    for (uint64_t w : m) h = (h ^ w) * 1099511628211ull;
    auto [it, inserted] = pool_index_.emplace(h, int32_t(pool_.size()));
    int32_t id = it->second;
    if (inserted) {
      pool_.push_back(m);
    } else if (pool_[size_t(id)] != m) {  // a hash collision: keep it unshared
      id = int32_t(pool_.size());
      pool_.push_back(m);
    }
    lv->value.push_back(v);
    lv->mask.push_back(id);
  }
  lv->ready = true;
}

int32_t CompletionCost::LevelMask(int32_t q, int32_t theta) {
  Levels& lv = levels_[size_t(q)];
  if (!lv.ready) BuildLevels(q, &lv);
  const auto it = std::upper_bound(lv.value.begin(), lv.value.end(), theta);
  return it == lv.value.begin() ? -1 : lv.mask[size_t(it - lv.value.begin() - 1)];
}

}  // namespace lithium::grammar
