#include "src/grammar/vocabulary.h"

#include <algorithm>
#include <bit>

namespace lithium::grammar {

Trie Trie::Build(std::vector<std::pair<std::string, int32_t>> entries) {
  std::sort(entries.begin(), entries.end());
  Trie t;
  t.key.push_back(0);
  t.depth.push_back(0);
  std::vector<int32_t> path{0};  // node at each depth of the current key
  std::vector<int32_t> owner;    // [toks index] node
  const std::string* prev = nullptr;
  for (auto& [k, id] : entries) {
    size_t lcp = 0;
    if (prev) {
      const size_t m = std::min(prev->size(), k.size());
      while (lcp < m && (*prev)[lcp] == k[lcp]) ++lcp;
    }
    path.resize(lcp + 1);
    for (size_t i = lcp; i < k.size(); ++i) {
      t.key.push_back(uint8_t(k[i]));
      t.depth.push_back(uint16_t(i + 1));
      path.push_back(int32_t(t.key.size() - 1));
    }
    owner.push_back(path[k.size()]);
    t.max_depth = std::max(t.max_depth, int32_t(k.size()));
    t.toks.push_back(id);
    prev = &k;
  }
  const int32_t n = int32_t(t.key.size());
  t.tok_begin.assign(size_t(n) + 1, 0);
  for (int32_t o : owner) t.tok_begin[size_t(o) + 1]++;
  for (int32_t i = 0; i < n; ++i) t.tok_begin[size_t(i) + 1] += t.tok_begin[size_t(i)];
  // Subtree ends: the next node at the same or a smaller depth.
  t.end.assign(size_t(n), n);
  std::vector<int32_t> open;
  for (int32_t i = 0; i < n; ++i) {
    while (!open.empty() && t.depth[size_t(open.back())] >= t.depth[size_t(i)]) {
      t.end[size_t(open.back())] = i;
      open.pop_back();
    }
    open.push_back(i);
  }
  return t;
}

int64_t MaskCount(const TokenMask& m) {
  int64_t n = 0;
  for (uint64_t w : m) n += std::popcount(w);
  return n;
}

Result<std::shared_ptr<const Vocabulary>> Vocabulary::Create(std::vector<std::string> bytes,
                                                             std::vector<int32_t> end_tokens) {
  auto v = std::shared_ptr<Vocabulary>(new Vocabulary());
  const int32_t n = int32_t(bytes.size());
  if (n == 0) return Status::Invalid("the vocabulary is empty");
  v->is_end_.assign(size_t(n), 0);
  for (int32_t t : end_tokens) {
    if (t < 0 || t >= n) return Status::Invalid("end-of-generation token " + std::to_string(t) + " is outside the vocabulary");
    v->is_end_[size_t(t)] = 1;
  }
  std::sort(end_tokens.begin(), end_tokens.end());
  end_tokens.erase(std::unique(end_tokens.begin(), end_tokens.end()), end_tokens.end());
  std::vector<std::pair<std::string, int32_t>> entries;
  for (int32_t t = 0; t < n; ++t) {
    const std::string& b = bytes[size_t(t)];
    // End tokens match by id, not by bytes; overlong keys cannot occur in
    // real vocabularies and are left out rather than trusted.
    if (b.empty() || v->is_end_[size_t(t)] || b.size() > 65535) continue;
    entries.emplace_back(b, t);
  }
  v->trie_ = Trie::Build(std::move(entries));
  v->bytes_ = std::move(bytes);
  v->end_tokens_ = std::move(end_tokens);
  return std::shared_ptr<const Vocabulary>(std::move(v));
}

std::string Gpt2TokenBytes(const std::string& text) {
  // GPT-2 maps bytes that are printable Latin-1 to themselves and the other
  // 68 bytes to U+0100.. in byte order; invert that table.
  static const auto* inverse = [] {
    auto* inv = new std::vector<int32_t>(0x200, -1);
    int next = 0;
    for (int b = 0; b < 256; ++b) {
      bool keep = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      int cp = keep ? b : 0x100 + next++;
      (*inv)[size_t(cp)] = b;
    }
    return inv;
  }();
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    uint8_t c = uint8_t(text[i]);
    uint32_t cp = 0;
    size_t len = 1;
    if (c < 0x80) {
      cp = c;
    } else if ((c >> 5) == 6 && i + 1 < text.size()) {
      cp = (uint32_t(c & 0x1F) << 6) | (uint8_t(text[i + 1]) & 0x3F);
      len = 2;
    } else {
      len = (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 1;
      cp = 0x200;  // outside the table
    }
    if (cp < 0x200 && (*inverse)[cp] >= 0) {
      out.push_back(char((*inverse)[cp]));
    } else {
      out.append(text, i, std::min(len, text.size() - i));
    }
    i += len;
  }
  return out;
}

}  // namespace lithium::grammar
