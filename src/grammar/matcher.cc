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
  tokens_accepted_ = 0;
  output_.clear();
  budget_cuts_.clear();
  stack_cost_.clear();
  stack_reach_.clear();
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
  output_.append(bytes);
  if (arena_.size() > kCompactAbove) CompactArena();
  return true;
}

Status Matcher::Accept(int32_t token) {
  const Vocabulary& v = vocab();
  if (token < 0 || token >= v.size()) return Status::Invalid("token " + std::to_string(token) + " is outside the vocabulary");
  if (terminated_) return Status::Invalid("the constrained output has already ended");
  if (v.is_end(token)) {
    if (!can_end_) return Status::Invalid("end-of-generation token " + std::to_string(token) + " before the output is complete");
    terminated_ = true;
    tokens_accepted_++;
    return Status::Ok();
  }
  const std::string& b = v.bytes(token);
  if (b.empty() || !AcceptBytes(b)) {
    return Status::Invalid("token " + std::to_string(token) + " does not fit the constraint here");
  }
  tokens_accepted_++;
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
  if (budget_ >= 0) ApplyBudget(budget_ - tokens_accepted_, mask);
  if (arena_.size() > kCompactAbove) CompactArena();
}

void Matcher::CompactArena() {
  arena_.Compact(&config_);
  // Node ids changed: the memoised stack costs no longer apply.
  stack_cost_.clear();
  stack_reach_.clear();
}

int32_t Matcher::StackCost(int32_t node) {
  if (node < 0) return 0;
  const CompletionCost& cc = cache_->completion();
  if (stack_cost_.size() < size_t(arena_.size())) stack_cost_.resize(size_t(arena_.size()), -1);
  // Up to the first frame already known, then back down filling in.
  chain_.clear();
  int32_t n = node;
  while (n >= 0 && stack_cost_[size_t(n)] < 0) {
    chain_.push_back(n);
    n = arena_.node(n).parent;
  }
  int32_t acc = n < 0 ? 0 : stack_cost_[size_t(n)];
  for (auto it = chain_.rbegin(); it != chain_.rend(); ++it) {
    acc = CompletionCost::Add(acc, cc.cost(arena_.node(*it).state));
    stack_cost_[size_t(*it)] = acc;
  }
  return acc;
}

// A token from this stack either stays inside the top frame's rule (the
// frames left cost at most reach(top) + the cost below it) or completes it
// and continues in a caller, where the same holds one frame down.
int32_t Matcher::StackReach(int32_t node) {
  if (node < 0) return 0;
  const CompletionCost& cc = cache_->completion();
  if (stack_reach_.size() < size_t(arena_.size())) stack_reach_.resize(size_t(arena_.size()), -1);
  if (stack_reach_[size_t(node)] >= 0) return stack_reach_[size_t(node)];
  reach_chain_.clear();
  for (int32_t n = node; n >= 0 && stack_reach_[size_t(n)] < 0; n = arena_.node(n).parent) reach_chain_.push_back(n);
  for (auto it = reach_chain_.rbegin(); it != reach_chain_.rend(); ++it) {
    const StackArena::Node nd = arena_.node(*it);
    const int32_t below = nd.parent < 0 ? 0 : stack_reach_[size_t(nd.parent)];
    const int32_t here = CompletionCost::Add(cc.reach(nd.state), StackCost(nd.parent));
    stack_reach_[size_t(*it)] = std::max(below, here);
  }
  return stack_reach_[size_t(node)];
}

int32_t Matcher::ConfigCost(const std::vector<int32_t>& config, bool can_end) {
  if (can_end) return 0;
  int32_t best = CompletionCost::kInf;
  for (int32_t n : config) best = std::min(best, StackCost(n));
  return best;
}

int64_t Matcher::MinTokensToComplete() {
  if (terminated_) return 0;
  return ConfigCost(config_, can_end_);
}

// Near the end of the budget: keep the tokens after which the output can
// still be completed in the tokens left. Accepted tokens of a top state are
// looked up by level (CompletionCost::LevelMask, relative to the stack
// below); the few tokens that complete the top rule mid-token are advanced
// for real. Every kept token was in the grammar's mask, and the first token
// of a cheapest completion is always kept, so the mask never empties.
void Matcher::ApplyBudget(int64_t left, TokenMask* mask) {
  if (left <= 0 || terminated_) return;
  CompletionCost& cc = cache_->completion();
  const int64_t after = left - 1;  // tokens left once this one is taken
  bool near = false;
  for (int32_t n : config_) {
    if (StackReach(n) > after) {
      near = true;
      break;
    }
  }
  if (!near) return;  // no token can overrun: the mask stays bit for bit
  const size_t words = mask->size();
  budget_mask_.assign(words, 0);
  candidates_.clear();
  for (size_t k = 0; k < config_.size(); ++k) {
    const StackArena::Node nd = arena_.node(config_[k]);
    const int64_t theta = after - StackCost(nd.parent);
    if (theta >= 0) {
      const int32_t id = cc.LevelMask(nd.state, int32_t(std::min<int64_t>(theta, CompletionCost::kInf)));
      if (id >= 0) {
        const uint64_t* in = cc.mask(id).data();
        for (size_t w = 0; w < words; ++w) budget_mask_[w] |= in[w];
      }
    }
    if (nd.parent >= 0) {
      const Trie& u = cache_->Get(nd.state).uncertain;
      candidates_.insert(candidates_.end(), u.toks.begin(), u.toks.end());
    }
  }
  std::sort(candidates_.begin(), candidates_.end());
  candidates_.erase(std::unique(candidates_.begin(), candidates_.end()), candidates_.end());
  std::vector<int32_t> cfg;
  for (int32_t t : candidates_) {
    if (MaskTest(budget_mask_, t) || !MaskTest(*mask, t)) continue;
    bool end = false;
    if (Advance(vocab().bytes(t), &cfg, &end) && ConfigCost(cfg, end) <= after) MaskSet(budget_mask_, t);
  }
  if (can_end_) {
    for (int32_t t : vocab().end_tokens()) MaskSet(budget_mask_, t);
  }
  for (size_t w = 0; w < words; ++w) budget_mask_[w] &= (*mask)[w];
  if (budget_mask_ != *mask) {
    budget_cuts_.push_back(int64_t(output_.size()));
    mask->swap(budget_mask_);
  }
}

}  // namespace lithium::grammar
