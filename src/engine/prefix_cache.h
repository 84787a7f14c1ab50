// Keys and values of recent prompts, kept so that a later prompt sharing a
// prefix with one of them (a long system prompt, few-shot examples) skips
// evaluating that prefix. A position's keys and values depend only on the
// tokens up to it, so a restored prefix has exactly the bits a fresh
// evaluation would write: a hit never changes an answer, only its latency.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "src/model/config.h"
#include "src/model/model.h"

namespace lithium::engine {

class PrefixCache {
 public:
  // budget_bytes bounds the keys and values held; the least recently used
  // entries are evicted to make room.
  PrefixCache(const model::Config& cfg, int64_t budget_bytes);

  // Copies the keys and values of the longest cached prefix of `prompt`,
  // at most max_len tokens, into `cache` (which must be empty) and returns
  // its length (0 on a miss).
  int64_t Restore(std::span<const int32_t> prompt, int64_t max_len, model::KvCache* cache);

  // Keeps positions [0, tokens.size()) of `cache`, which holds `tokens`.
  void Insert(std::span<const int32_t> tokens, model::KvCache& cache);

  int64_t bytes() const { return bytes_; }
  int64_t budget_bytes() const { return budget_; }
  size_t entries() const { return entries_.size(); }
  int64_t hits() const { return hits_; }
  int64_t misses() const { return misses_; }
  int64_t bytes_per_token() const { return bytes_per_token_; }

 private:
  struct Entry {
    std::vector<int32_t> tokens;
    std::vector<float> k, v;  // [layer][position][kv_dim]
    uint64_t last_use = 0;
  };
  int64_t n_layer_, kv_dim_, bytes_per_token_, budget_;
  int64_t bytes_ = 0, hits_ = 0, misses_ = 0;
  uint64_t clock_ = 0;  // a use counter: the LRU order
  std::vector<Entry> entries_;
};

}  // namespace lithium::engine
