#include "src/grammar/matcher.h"

#include <algorithm>

namespace lithium::grammar {
namespace {

// Compacting the arena this often keeps its memory bounded on long outputs
// without costing anything measurable per token.
constexpr int32_t kCompactAbove = 1 << 18;

}  // namespace

Matcher::Matcher(std::shared_ptr<MaskCache> cache) : cache_(std::move(cache)) { Reset(); }

void Matcher::Reset() {
  const CompiledGrammar& g = cache_->grammar();
  arena_.Clear();
  config_.clear();
  can_end_ = false;
  terminated_ = false;
  work_ = {arena_.Intern(g.rule_start[size_t(g.root)], -1)};
  arena_.Closure(g, &work_, &config_, &can_end_);
}

bool Matcher::Advance(std::string_view bytes, std::vector<int32_t>* config, bool* can_end) {
  const CompiledGrammar& g = cache_->grammar();
  std::vector<int32_t> cur = config_, next;
  bool end = can_end_;
  for (char c : bytes) {
    work_.clear();
    arena_.Step(g, cur, uint8_t(c), &work_);
    if (work_.empty()) return false;
    next.clear();
    end = false;
    arena_.Closure(g, &work_, &next, &end);
    cur.swap(next);
  }
  *config = std::move(cur);
  *can_end = end;
  return true;
}

bool Matcher::AcceptBytes(std::string_view bytes) {
  if (terminated_) return bytes.empty();
  std::vector<int32_t> cfg;
  bool end = false;
  if (!Advance(bytes, &cfg, &end)) return false;
  config_ = std::move(cfg);
  can_end_ = end;
  if (arena_.size() > kCompactAbove) arena_.Compact(&config_);
  return true;
}

Status Matcher::Accept(int32_t token) {
  const Vocabulary& v = vocab();
  if (token < 0 || token >= v.size()) return Status::Invalid("token " + std::to_string(token) + " is outside the vocabulary");
  if (terminated_) return Status::Invalid("the constrained output has already ended");
  if (v.is_end(token)) {
    if (!can_end_) return Status::Invalid("end-of-generation token " + std::to_string(token) + " before the output is complete");
    terminated_ = true;
    return Status::Ok();
  }
  const std::string& b = v.bytes(token);
  if (b.empty() || !AcceptBytes(b)) {
    return Status::Invalid("token " + std::to_string(token) + " does not fit the constraint here");
  }
  return Status::Ok();
}

// Walks the trie of uncertain suffixes against the real stack below the
// top frame, setting the bits of tokens whose whole suffix fits.
void Matcher::CheckUncertain(const Trie& u, int32_t parent, TokenMask* mask) {
  const CompiledGrammar& g = cache_->grammar();
  const int32_t max_depth = u.max_depth;
  if (cfg_.size() < size_t(max_depth) + 1) cfg_.resize(size_t(max_depth) + 1);
  cfg_[0].clear();
  work_ = {parent};
  bool unused = false;
  arena_.Closure(g, &work_, &cfg_[0], &unused);
  if (cfg_[0].empty()) return;
  const int32_t n = u.size();
  int32_t i = 1;
  while (i < n) {
    const int32_t d = u.depth[size_t(i)];
    work_.clear();
    arena_.Step(g, cfg_[size_t(d) - 1], u.key[size_t(i)], &work_);
    if (work_.empty()) {
      i = u.end[size_t(i)];
      continue;
    }
    for (int32_t k = u.tok_begin[size_t(i)]; k < u.tok_begin[size_t(i) + 1]; ++k) MaskSet(*mask, u.toks[size_t(k)]);
    if (u.end[size_t(i)] == i + 1) {  // a leaf: no need for the closure
      ++i;
      continue;
    }
    cfg_[size_t(d)].clear();
    arena_.Closure(g, &work_, &cfg_[size_t(d)], &unused);
    i = cfg_[size_t(d)].empty() ? u.end[size_t(i)] : i + 1;
  }
}

void Matcher::ComputeMask(TokenMask* mask) {
  const Vocabulary& v = vocab();
  mask->assign(v.mask_words(), 0);
  if (terminated_) return;
  // The accepted sets, once per distinct top state.
  tops_.clear();
  for (int32_t n : config_) tops_.push_back(arena_.node(n).state);
  std::sort(tops_.begin(), tops_.end());
  tops_.erase(std::unique(tops_.begin(), tops_.end()), tops_.end());
  uint64_t* out = mask->data();
  const size_t words = mask->size();
  for (int32_t q : tops_) {
    const MaskCache::Entry& e = cache_->Get(q);
    if (e.dense >= 0) {
      const uint64_t* in = cache_->dense(e.dense).data();
      for (size_t w = 0; w < words; ++w) out[w] |= in[w];
    } else {
      for (int32_t t : e.sparse) MaskSet(*mask, t);
    }
  }
  // The uncertain tokens, once per stack (the part below the top differs).
  const size_t n_config = config_.size();
  for (size_t k = 0; k < n_config; ++k) {
    const StackArena::Node nd = arena_.node(config_[k]);
    if (nd.parent < 0) continue;  // completing the root leaves no room for more bytes
    const MaskCache::Entry& e = cache_->Get(nd.state);
    if (!e.uncertain.empty()) CheckUncertain(e.uncertain, nd.parent, mask);
  }
  if (can_end_) {
    for (int32_t t : v.end_tokens()) MaskSet(*mask, t);
  }
  if (arena_.size() > kCompactAbove) arena_.Compact(&config_);
}

}  // namespace lithium::grammar
