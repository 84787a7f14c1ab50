#include "src/grammar/mask_cache.h"

#include <algorithm>

namespace lithium::grammar {

MaskCache::MaskCache(std::shared_ptr<const CompiledGrammar> grammar, std::shared_ptr<const Vocabulary> vocab)
    : grammar_(std::move(grammar)), vocab_(std::move(vocab)) {
  entries_.resize(size_t(grammar_->num_states()));
  class_tries_.resize(grammar_->class_maps.size());
  max_depth_ = vocab_->trie().max_depth;
}

void MaskCache::PrecomputeAll() {
  for (int32_t s = 0; s < grammar_->num_states(); ++s) {
    if (grammar_->byte_ready[size_t(s)]) Get(s);
  }
}

const Trie& MaskCache::ClassTrie(int32_t class_map) {
  auto& slot = class_tries_[size_t(class_map)];
  if (!slot) {
    // The vocabulary re-keyed by byte class: tokens whose bytes fall in the
    // same classes behave identically in every state of the rules using
    // this class map, so they share a path. For a JSON string rule this
    // folds 150k tokens onto a trie a fraction of the byte trie's size.
    // Built from the byte trie in one preorder pass (node i's class node is
    // its parent's class node extended by class(key[i])), then flattened.
    const auto& map = grammar_->class_maps[size_t(class_map)];
    const Trie& vt = vocab_->trie();
    struct Node {
      std::vector<std::pair<uint8_t, int32_t>> kids;
      std::vector<int32_t> toks;
    };
    std::vector<Node> nodes(1);
    std::vector<int32_t> at_depth(size_t(vt.max_depth) + 2, 0);
    for (int32_t i = 1; i < vt.size(); ++i) {
      const int32_t d = vt.depth[size_t(i)];
      const int32_t parent = at_depth[size_t(d) - 1];
      const uint8_t c = map[vt.key[size_t(i)]];
      int32_t child = -1;
      for (auto& [k, id] : nodes[size_t(parent)].kids) {
        if (k == c) {
          child = id;
          break;
        }
      }
      if (child < 0) {
        child = int32_t(nodes.size());
        nodes[size_t(parent)].kids.emplace_back(c, child);
        nodes.emplace_back();
      }
      at_depth[size_t(d)] = child;
      for (int32_t k = vt.tok_begin[size_t(i)]; k < vt.tok_begin[size_t(i) + 1]; ++k) {
        nodes[size_t(child)].toks.push_back(vt.toks[size_t(k)]);
      }
    }
    auto t = std::make_unique<Trie>();
    t->max_depth = vt.max_depth;
    t->tok_begin.push_back(0);
    // Iterative preorder flattening.
    std::vector<std::pair<int32_t, int32_t>> stack{{0, 0}};  // (node, depth)
    std::vector<std::pair<int32_t, uint8_t>> order;            // (node, key)
    std::vector<uint16_t> depths;
    order.emplace_back(0, 0);
    depths.push_back(0);
    std::vector<int32_t> flat_of(nodes.size(), 0);
    // Emit children in reverse onto the stack so they come out in order.
    std::vector<std::pair<int32_t, int32_t>> work;
    for (auto it = nodes[0].kids.rbegin(); it != nodes[0].kids.rend(); ++it) work.emplace_back(it->second, 1);
    std::vector<uint8_t> keys(nodes.size(), 0);
    for (auto& n : nodes) {
      for (auto& [k, id] : n.kids) keys[size_t(id)] = k;
    }
    while (!work.empty()) {
      auto [node, depth] = work.back();
      work.pop_back();
      order.emplace_back(node, keys[size_t(node)]);
      depths.push_back(uint16_t(depth));
      for (auto it = nodes[size_t(node)].kids.rbegin(); it != nodes[size_t(node)].kids.rend(); ++it) {
        work.emplace_back(it->second, depth + 1);
      }
    }
    const int32_t n = int32_t(order.size());
    t->key.resize(size_t(n));
    t->depth = depths;
    for (int32_t i = 0; i < n; ++i) {
      t->key[size_t(i)] = order[size_t(i)].second;
      const auto& toks = nodes[size_t(order[size_t(i)].first)].toks;
      t->toks.insert(t->toks.end(), toks.begin(), toks.end());
      t->tok_begin.push_back(int32_t(t->toks.size()));
    }
    t->end.assign(size_t(n), n);
    std::vector<int32_t> open;
    for (int32_t i = 0; i < n; ++i) {
      while (!open.empty() && t->depth[size_t(open.back())] >= t->depth[size_t(i)]) {
        t->end[size_t(open.back())] = i;
        open.pop_back();
      }
      open.push_back(i);
    }
    slot = std::move(t);
  }
  return *slot;
}

bool MaskCache::WideClassMap(int32_t map_id) {
  if (wide_.empty()) {
    // Wide: some rule state using the map has transitions on more than 64
    // byte values.
    const CompiledGrammar& g = *grammar_;
    wide_.assign(g.class_maps.size(), 0);
    for (int32_t s = 0; s < g.num_states(); ++s) {
      const int32_t m = g.rule_class_map[size_t(g.state_rule[size_t(s)])];
      if (wide_[size_t(m)]) continue;
      int live = 0;
      for (int b = 0; b < 256; ++b) live += g.trans[size_t(g.row[size_t(s)]) + g.class_maps[size_t(m)][size_t(b)]] >= 0;
      if (live > 64) wide_[size_t(m)] = 1;
    }
  }
  return wide_[size_t(map_id)] != 0;
}

void MaskCache::AddEntries(const Trie& t, int32_t lo, int32_t hi) {
  if (pops_.empty()) return;
  for (int32_t j = lo; j < hi; ++j) {
    for (int32_t k = t.tok_begin[size_t(j)]; k < t.tok_begin[size_t(j) + 1]; ++k) {
      for (int32_t off : pops_) pending_.emplace_back(t.toks[size_t(k)], off);
    }
  }
}

// A state of a rule that calls nothing: a plain DFA walk over the class
// trie, one table lookup per node.
void MaskCache::WalkLeaf(int32_t q) {
  const CompiledGrammar& g = *grammar_;
  const int32_t map_id = g.rule_class_map[size_t(g.state_rule[size_t(q)])];
  // A rule whose classes are narrow (digits, a fixed alphabet) prunes the
  // byte trie at once; the class trie pays off for wide ones (strings).
  const bool wide = WideClassMap(map_id);
  const Trie& t = wide ? ClassTrie(map_id) : vocab_->trie();
  const auto& cls = g.class_maps[size_t(map_id)];
  std::vector<int32_t> st(size_t(max_depth_) + 2), npop(size_t(max_depth_) + 2);
  st[0] = q;
  const int32_t n = t.size();
  int32_t i = 1;
  while (i < n) {
    const int32_t d = t.depth[size_t(i)];
    pops_.resize(size_t(npop[size_t(d) - 1]));
    const int32_t s = st[size_t(d) - 1];
    const uint8_t c = wide ? t.key[size_t(i)] : cls[t.key[size_t(i)]];
    const int32_t nx = g.trans[size_t(g.row[size_t(s)]) + c];
    if (nx < 0) {
      AddEntries(t, i, t.end[size_t(i)]);
      i = t.end[size_t(i)];
      continue;
    }
    st[size_t(d)] = nx;
    for (int32_t k = t.tok_begin[size_t(i)]; k < t.tok_begin[size_t(i) + 1]; ++k) accepted_.push_back(t.toks[size_t(k)]);
    npop[size_t(d)] = npop[size_t(d) - 1];
    if (g.final[size_t(nx)]) {
      pops_.push_back(d);
      npop[size_t(d)]++;
    }
    ++i;
  }
}

// Any other state: the walk carries a set of stacks relative to q (q is the
// bottom frame; calls push above it), over the byte trie.
void MaskCache::WalkGeneral(int32_t q) {
  const CompiledGrammar& g = *grammar_;
  const Trie& t = vocab_->trie();
  arena_.Clear();
  std::vector<std::vector<int32_t>> cfg(size_t(max_depth_) + 2);
  std::vector<int32_t> npop(size_t(max_depth_) + 2), stepped;
  cfg[0] = {arena_.Intern(q, -1)};
  const int32_t n = t.size();
  int32_t i = 1;
  while (i < n) {
    const int32_t d = t.depth[size_t(i)];
    pops_.resize(size_t(npop[size_t(d) - 1]));
    stepped.clear();
    arena_.Step(g, cfg[size_t(d) - 1], t.key[size_t(i)], &stepped);
    if (stepped.empty()) {
      AddEntries(t, i, t.end[size_t(i)]);
      i = t.end[size_t(i)];
      continue;
    }
    for (int32_t k = t.tok_begin[size_t(i)]; k < t.tok_begin[size_t(i) + 1]; ++k) accepted_.push_back(t.toks[size_t(k)]);
    cfg[size_t(d)].clear();
    bool popped = false;
    arena_.Closure(g, &stepped, &cfg[size_t(d)], &popped);
    npop[size_t(d)] = npop[size_t(d) - 1];
    if (popped) {
      pops_.push_back(d);
      npop[size_t(d)]++;
    }
    if (cfg[size_t(d)].empty()) {
      AddEntries(t, i + 1, t.end[size_t(i)]);
      i = t.end[size_t(i)];
      continue;
    }
    ++i;
  }
  arena_.Clear();
}

void MaskCache::Compute(int32_t q, Entry* e) {
  const CompiledGrammar& g = *grammar_;
  accepted_.clear();
  pending_.clear();
  pops_.clear();
  if (g.byte_ready[size_t(q)]) {
    if (g.rule_leaf[size_t(g.state_rule[size_t(q)])]) {
      WalkLeaf(q);
    } else {
      WalkGeneral(q);
    }
  }
  // Each trie node is visited once, so the accepted ids are distinct.
  e->accepted = int64_t(accepted_.size());
  scratch_.assign(vocab_->mask_words(), 0);
  for (int32_t tok : accepted_) MaskSet(scratch_, tok);
  // Dense when a list would cost more to OR than the bitset; equal bitsets
  // (e.g. the states of a long maxLength string) are stored once.
  if (accepted_.size() > vocab_->mask_words()) {
    uint64_t h = 1469598103934665603ull;
    for (uint64_t w : scratch_) h = (h ^ w) * 1099511628211ull;
    auto [it, inserted] = pool_index_.emplace(h, int32_t(pool_.size()));
    if (inserted) {
      pool_.push_back(scratch_);
    } else if (pool_[size_t(it->second)] != scratch_) {
      // A hash collision: keep the bitset unshared.
      it = pool_index_.end();
      pool_.push_back(scratch_);
    }
    e->dense = it == pool_index_.end() ? int32_t(pool_.size() - 1) : it->second;
  } else {
    std::sort(accepted_.begin(), accepted_.end());
    e->sparse = accepted_;
  }
  // Uncertain tokens: dropped if also accepted, then keyed by suffix.
  std::sort(pending_.begin(), pending_.end());
  pending_.erase(std::unique(pending_.begin(), pending_.end()), pending_.end());
  std::vector<std::pair<std::string, int32_t>> suffixes;
  for (auto [tok, off] : pending_) {
    if (MaskTest(scratch_, tok)) continue;
    const std::string& b = vocab_->bytes(tok);
    if (size_t(off) < b.size()) suffixes.emplace_back(b.substr(size_t(off)), tok);
  }
  e->uncertain = Trie::Build(std::move(suffixes));
  e->ready = true;
  ++computed_;
}

}  // namespace lithium::grammar
