#include "src/engine/prefix_cache.h"

#include <algorithm>
#include <cstring>

namespace lithium::engine {
namespace {

// Length of the common prefix of a and b.
size_t CommonPrefix(std::span<const int32_t> a, std::span<const int32_t> b) {
  size_t n = 0, m = std::min(a.size(), b.size());
  while (n < m && a[n] == b[n]) ++n;
  return n;
}

}  // namespace

PrefixCache::PrefixCache(const model::Config& cfg, int64_t budget_bytes)
    : n_layer_(cfg.n_layer), kv_dim_(cfg.kv_dim()),
      bytes_per_token_(2 * cfg.n_layer * cfg.kv_dim() * int64_t(sizeof(float))), budget_(budget_bytes) {}

int64_t PrefixCache::Restore(std::span<const int32_t> prompt, int64_t max_len, model::KvCache* cache) {
  Entry* best = nullptr;
  size_t best_len = 0;
  for (Entry& e : entries_) {
    size_t n = CommonPrefix(e.tokens, prompt);
    if (n > best_len) best = &e, best_len = n;
  }
  best_len = std::min<size_t>(best_len, size_t(std::max<int64_t>(0, std::min(max_len, cache->n_ctx()))));
  if (!best || best_len == 0) {
    ++misses_;
    return 0;
  }
  ++hits_;
  best->last_use = ++clock_;
  const size_t n_tok = best->tokens.size(), kvd = size_t(kv_dim_);
  for (int64_t l = 0; l < n_layer_; ++l) {
    std::memcpy(cache->k(l, 0), best->k.data() + size_t(l) * n_tok * kvd, best_len * kvd * sizeof(float));
    std::memcpy(cache->v(l, 0), best->v.data() + size_t(l) * n_tok * kvd, best_len * kvd * sizeof(float));
  }
  cache->SetPast(int64_t(best_len));
  return int64_t(best_len);
}

void PrefixCache::Insert(std::span<const int32_t> tokens, model::KvCache& cache) {
  const int64_t need = int64_t(tokens.size()) * bytes_per_token_;
  if (tokens.empty() || need > budget_ || int64_t(tokens.size()) > cache.n_past()) return;
  // An entry that already starts with these tokens covers them.
  for (Entry& e : entries_) {
    if (CommonPrefix(e.tokens, tokens) == tokens.size()) {
      e.last_use = ++clock_;
      return;
    }
  }
  // Entries that are prefixes of the new one become redundant.
  std::erase_if(entries_, [&](const Entry& e) {
    if (CommonPrefix(e.tokens, tokens) != e.tokens.size()) return false;
    bytes_ -= int64_t(e.tokens.size()) * bytes_per_token_;
    return true;
  });
  // Evict the least recently used until the new entry fits.
  while (bytes_ + need > budget_ && !entries_.empty()) {
    auto lru = std::min_element(entries_.begin(), entries_.end(),
                                [](const Entry& a, const Entry& b) { return a.last_use < b.last_use; });
    bytes_ -= int64_t(lru->tokens.size()) * bytes_per_token_;
    entries_.erase(lru);
  }
  Entry e;
  e.tokens.assign(tokens.begin(), tokens.end());
  const size_t n_tok = tokens.size(), kvd = size_t(kv_dim_);
  e.k.resize(size_t(n_layer_) * n_tok * kvd);
  e.v.resize(e.k.size());
  for (int64_t l = 0; l < n_layer_; ++l) {
    std::memcpy(e.k.data() + size_t(l) * n_tok * kvd, cache.k(l, 0), n_tok * kvd * sizeof(float));
    std::memcpy(e.v.data() + size_t(l) * n_tok * kvd, cache.v(l, 0), n_tok * kvd * sizeof(float));
  }
  e.last_use = ++clock_;
  bytes_ += need;
  entries_.push_back(std::move(e));
}

}  // namespace lithium::engine
