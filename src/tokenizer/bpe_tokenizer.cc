// llama.cpp's "gpt2" vocabulary type: byte-level BPE with ranked merges
// (GPT-2, Llama 3, Qwen2, DeepSeek, Falcon, StarCoder, MPT, ...).
//
// Encoding a text takes four steps, each matching llama.cpp (tokenize,
// tokenizer_st_partition and llm_tokenizer_bpe_session in llama-vocab.cpp):
//   1. Split out special tokens, as for SentencePiece: user-defined tokens
//      always, control and unknown ones only with parse_special. Longer
//      token texts are split out first.
//   2. Cut each stretch of text into words with the vocabulary's
//      pre-tokenizer (pre_tokenizer.h).
//   3. Write each byte of a word as its stand-in character of GPT-2's
//      byte-level alphabet (unicode.h): the alphabet the tokens are spelled in.
//   4. Repeatedly merge the adjacent pair of symbols whose merge has the
//      lowest rank (ties: the leftmost pair), then emit each symbol's id.
//
// Decoding maps each character of a token back to its byte.
//
// There is no Unicode normalization, because llama.cpp applies none for
// these vocabularies (only its WordPiece tokenizer uses NFD). Qwen2's
// tokenizer.json asks for NFC, which llama.cpp skips: text that is already
// NFC, as nearly all text is, gets the same tokens either way.
#include "src/tokenizer/bpe_tokenizer.h"
#include "src/tokenizer/special_tokens.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <deque>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "src/tokenizer/pre_tokenizer.h"
#include "src/tokenizer/unicode.h"

namespace lithium::tokenizer {
namespace {

using internal::Fragment;
using internal::IsAsciiSpace;
using internal::Special;

// A 64-bit mix (MurmurHash3's finalizer): spreads keys whose bits are
// mostly zero, such as pairs of small ids, over an open-addressing table.
uint64_t Mix(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

// The smallest power of two that keeps `n` entries at most two thirds full.
size_t TableCapacity(size_t n) {
  size_t capacity = 16;
  while (capacity * 2 < n * 3) capacity *= 2;
  return capacity;
}

// Text -> piece id, by open addressing with linear probing. Node-based maps
// spend most of the load time of a 128K-token, 280K-merge vocabulary on
// cache misses; these flat tables take a fraction of it. A piece id is its
// index in texts_; the first ids are the tokens' (an empty token keeps its
// id but is never found).
class PieceTable {
 public:
  int32_t size() const { return static_cast<int32_t>(texts_.size()); }

  static uint64_t Hash(std::string_view text) { return std::hash<std::string_view>{}(text); }

  // Brings the slot where a lookup of `hash` starts into the cache.
  void Prefetch(uint64_t hash) const {
    if (!slots_.empty()) __builtin_prefetch(&slots_[hash & mask_]);
  }

  int32_t Find(std::string_view text) const { return Find(text, Hash(text)); }

  int32_t Find(std::string_view text, uint64_t hash) const {
    if (slots_.empty()) return -1;
    for (size_t i = hash & mask_;; i = (i + 1) & mask_) {
      const Slot& slot = slots_[i];
      if (slot.id < 0) return -1;
      if (slot.hash == hash && Matches(slot, text)) return slot.id;
    }
  }

  // Adds `text`, which must outlive the table and be absent from it, under
  // the next id.
  int32_t Append(std::string_view text, uint64_t hash) {
    const int32_t id = size();
    texts_.push_back(text);
    if (text.empty()) return id;
    if (slots_.empty() || (used_ + 1) * 3 > slots_.size() * 2) {
      Rehash(TableCapacity(used_ + 1) * 2);
    }
    Slot slot{hash, id, static_cast<uint32_t>(text.size()), {}};
    std::memcpy(slot.head, text.data(), std::min(text.size(), sizeof(slot.head)));
    Place(slot);
    ++used_;
    return id;
  }

  // The id of `text`, adding a copy of it when absent.
  int32_t Intern(std::string_view text, uint64_t hash) {
    const int32_t id = Find(text, hash);
    if (id >= 0) return id;
    owned_.emplace_back(text);
    return Append(owned_.back(), hash);
  }

  void Reserve(size_t n) {
    texts_.reserve(n);
    if (TableCapacity(n) > slots_.size()) Rehash(TableCapacity(n));
  }

 private:
  // A text's first bytes are kept in its slot: most tokens fit, so a
  // lookup touches one cache line instead of three (slot, view, text).
  struct Slot {
    uint64_t hash;
    int32_t id;  // -1: empty
    uint32_t size;
    char head[16];
  };

  bool Matches(const Slot& slot, std::string_view text) const {
    if (slot.size != text.size()) return false;
    const size_t n = std::min(text.size(), sizeof(slot.head));
    if (std::memcmp(slot.head, text.data(), n) != 0) return false;
    return text.size() <= n || texts_[static_cast<size_t>(slot.id)].substr(n) == text.substr(n);
  }

  void Place(const Slot& s) {
    size_t i = s.hash & mask_;
    while (slots_[i].id >= 0) i = (i + 1) & mask_;
    slots_[i] = s;
  }

  void Rehash(size_t capacity) {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(capacity, Slot{0, -1, 0, {}});
    mask_ = capacity - 1;
    for (const Slot& s : old) {
      if (s.id >= 0) Place(s);
    }
  }

  std::vector<Slot> slots_;
  size_t mask_ = 0;
  size_t used_ = 0;
  std::vector<std::string_view> texts_;  // by id
  std::deque<std::string> owned_;        // texts that are no token (stable addresses)
};

struct Merge {
  int32_t rank;    // index in tokenizer.ggml.merges: lower merges first
  int32_t result;  // piece id of the merged text
};

// (left piece, right piece) -> Merge, by open addressing like PieceTable.
class MergeTable {
 public:
  explicit MergeTable(size_t n) : slots_(TableCapacity(n), Slot{kEmpty, {}}) {
    mask_ = slots_.size() - 1;
  }

  void Prefetch(int32_t left, int32_t right) const {
    __builtin_prefetch(&slots_[Mix(Key(left, right)) & mask_]);
  }

  const Merge* Find(int32_t left, int32_t right) const {
    const uint64_t key = Key(left, right);
    for (size_t i = Mix(key) & mask_;; i = (i + 1) & mask_) {
      const Slot& slot = slots_[i];
      if (slot.key == key) return &slot.merge;
      if (slot.key == kEmpty) return nullptr;
    }
  }

  // Keeps the first merge of a pair listed twice, as llama.cpp's emplace.
  // At most the `n` given to the constructor pairs may be added.
  void Add(int32_t left, int32_t right, Merge merge) {
    const uint64_t key = Key(left, right);
    for (size_t i = Mix(key) & mask_;; i = (i + 1) & mask_) {
      Slot& slot = slots_[i];
      if (slot.key == key) return;
      if (slot.key == kEmpty) {
        slot = {key, merge};
        return;
      }
    }
  }

 private:
  // Piece ids are non-negative int32s, so no key has its top bit set.
  static constexpr uint64_t kEmpty = ~0ULL;
  static uint64_t Key(int32_t left, int32_t right) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) |
           static_cast<uint32_t>(right);
  }

  struct Slot {
    uint64_t key;
    Merge merge;
  };
  std::vector<Slot> slots_;
  size_t mask_ = 0;
};

// A symbol of the word being merged: a doubly linked list over the word's
// bytes, where merged-away symbols keep n == 0.
struct Symbol {
  int32_t prev;
  int32_t next;
  int32_t n;      // bytes of the word; 0 once merged into its left neighbour
  int32_t piece;  // piece id of its text, or -1 when no merge or token has it
};

// A candidate merge of two adjacent symbols.
struct Bigram {
  int32_t rank;
  int32_t left;
  int32_t right;
  int32_t size;  // bytes of the merged text: detects pairs made stale by other merges
  int32_t result;
};

// Heap order: the lowest rank first, then the leftmost pair, as llama.cpp's
// llm_bigram_bpe::comparator.
struct BigramAfter {
  bool operator()(const Bigram& a, const Bigram& b) const {
    return a.rank > b.rank || (a.rank == b.rank && a.left > b.left);
  }
};

// Token texts llama.cpp takes for fill-in-the-middle tokens when the file
// names none (llama_vocab::impl::load). It makes each of them CONTROL, so
// that a user-defined "<｜fim▁hole｜>" is no longer split out of plain text,
// and ends generation at the pad, repository and file-separator ones.
// clang-format off
constexpr std::string_view kFimTexts[] = {
    "<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<｜fim▁begin｜>", "<PRE>", "▁<PRE>",
    "<|code_prefix|>", "<|prefix|>",
    "<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>", "<｜fim▁hole｜>", "<SUF>", "▁<SUF>",
    "<|code_suffix|>", "<|suffix|>",
    "<|fim_middle|>", "<fim-middle>", "<fim_middle>", "<｜fim▁end｜>", "<MID>", "▁<MID>",
    "<|code_middle|>", "<|middle|>",
};
constexpr std::string_view kFimEndTexts[] = {
    "<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]",
    "<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>",
    "<|file_sep|>",
};
// clang-format on

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

class BpeTokenizer final : public Tokenizer {
 public:
  BpeTokenizer(Vocab vocab, PreTokenizerInfo info)
      : Tokenizer(std::move(vocab)), info_(info), pre_(info.kind) {}

  // Builds the lookup tables; fails on duplicate token texts, which would
  // make text -> id ambiguous (llama.cpp refuses them too).
  Status Init();

  Result<std::vector<int32_t>> Encode(std::string_view text, bool add_bos,
                                      bool parse_special) const override;
  std::string TokenBytes(int32_t id) const override;

 private:
  // Buffers reused across the words of one Encode call.
  struct Scratch {
    Words words;
    std::vector<Symbol> symbols;
    std::vector<Bigram> heap;
    std::string spelled;
  };

  void MarkFimTokens();
  void BuildSpecialTrie();
  std::vector<Fragment> Partition(std::string_view text, bool parse_special) const;
  void EncodeWord(std::string_view word, Scratch* scratch, std::vector<int32_t>* out) const;

  // Trie over the special tokens' texts, so that Partition only searches
  // for the few that occur in the text (DeepSeek has 2,400 of them).
  struct TrieNode {
    int32_t special = -1;                                 // index into specials_
    std::vector<std::pair<unsigned char, int32_t>> next;  // sorted by byte
  };
  int32_t TrieChild(int32_t node, unsigned char c) const;

  PreTokenizerInfo info_;
  PreTokenizer pre_;
  // Every text that merging can produce, with an id: the tokens first (piece
  // id == token id), then merge halves and results that are no token.
  PieceTable pieces_;
  MergeTable merges_{0};
  int32_t byte_piece_[256];         // piece of each byte's stand-in character, or -1
  int32_t single_byte_token_[256];  // token whose text is this one byte, or -1
  std::vector<Special> specials_;   // longest text first
  std::vector<TrieNode> trie_;      // trie_[0] is the root
};

void BpeTokenizer::MarkFimTokens() {
  for (size_t i = 0; i < vocab_.tokens.size(); ++i) {
    const std::string& text = vocab_.tokens[i];
    // Every listed text starts with '<', '[' or "▁": skip the rest cheaply.
    if (text.empty() || (text[0] != '<' && text[0] != '[' && text[0] != '\xE2')) continue;
    const bool fim =
        std::find(std::begin(kFimTexts), std::end(kFimTexts), text) != std::end(kFimTexts);
    const bool fim_end =
        std::find(std::begin(kFimEndTexts), std::end(kFimEndTexts), text) != std::end(kFimEndTexts);
    if (!fim && !fim_end) continue;
    vocab_.types[i] = static_cast<int32_t>(TokenType::kControl);
    if (fim_end) eog_[i] = 1;
  }
}

Status BpeTokenizer::Init() {
  MarkFimTokens();

  const size_t n = vocab_.tokens.size();
  // vocab_ no longer changes, so the table can point into it. An empty
  // token can never be produced by merging, and would match everywhere as a
  // special token, so it stays out of both tables. Lookups go in batches,
  // prefetched, as for the merges below.
  pieces_.Reserve(n + n / 16);
  constexpr size_t kBatch = 32;
  uint64_t hashes[kBatch];
  for (size_t first = 0; first < n; first += kBatch) {
    const size_t count = std::min(kBatch, n - first);
    for (size_t k = 0; k < count; ++k) {
      hashes[k] = PieceTable::Hash(vocab_.tokens[first + k]);
      pieces_.Prefetch(hashes[k]);
    }
    for (size_t k = 0; k < count; ++k) {
      const std::string& text = vocab_.tokens[first + k];
      if (const int32_t other = pieces_.Find(text, hashes[k]); other >= 0) {
        return Status::Invalid("duplicate token in the vocabulary: '" + text + "' has ids " +
                               std::to_string(other) + " and " + std::to_string(first + k));
      }
      pieces_.Append(text, hashes[k]);
    }
  }

  // Piece ids are int32s: the tokens and up to three new pieces per merge.
  if (vocab_.merges.size() > (static_cast<size_t>(std::numeric_limits<int32_t>::max()) - n) / 3) {
    return Status::Invalid("tokenizer.ggml.merges has too many entries: " +
                           std::to_string(vocab_.merges.size()));
  }
  // "Ġ t" merges "Ġ" and "t" into "Ġt". The halves are split at the first
  // space after the first byte, as llama.cpp does; a line without one can
  // never match and is skipped. A pair listed twice keeps its first rank.
  //
  // Each merge costs three lookups and an insertion at random places in
  // tables larger than the cache, so they go in batches: all the slots a
  // batch needs are prefetched before any is used, and the memory latencies
  // overlap instead of adding up.
  merges_ = MergeTable(vocab_.merges.size());
  struct Pending {
    std::string_view left, right;
    std::string joined;
    uint64_t hashes[3];
    int32_t rank, l, r, result;
  };
  std::vector<Pending> batch(kBatch);
  size_t pending = 0;
  auto flush = [&] {
    for (size_t i = 0; i < pending; ++i) {
      Pending& p = batch[i];
      p.l = pieces_.Intern(p.left, p.hashes[0]);
      p.r = pieces_.Intern(p.right, p.hashes[1]);
      p.result = pieces_.Intern(p.joined, p.hashes[2]);
      merges_.Prefetch(p.l, p.r);
    }
    for (size_t i = 0; i < pending; ++i) {
      merges_.Add(batch[i].l, batch[i].r, Merge{batch[i].rank, batch[i].result});
    }
    pending = 0;
  };
  for (size_t rank = 0; rank < vocab_.merges.size(); ++rank) {
    const std::string_view line = vocab_.merges[rank];
    const size_t space = line.find(' ', 1);
    if (space == std::string_view::npos || space + 1 >= line.size()) continue;
    Pending& p = batch[pending++];
    p.left = line.substr(0, space);
    p.right = line.substr(space + 1);
    p.joined.assign(p.left);
    p.joined.append(p.right);
    p.hashes[0] = PieceTable::Hash(p.left);
    p.hashes[1] = PieceTable::Hash(p.right);
    p.hashes[2] = PieceTable::Hash(p.joined);
    for (uint64_t h : p.hashes) pieces_.Prefetch(h);
    p.rank = static_cast<int32_t>(rank);
    if (pending == kBatch) flush();
  }
  flush();

  for (int b = 0; b < 256; ++b) {
    byte_piece_[b] = pieces_.Find(unicode::ByteToUtf8(static_cast<uint8_t>(b)));
    const char byte = static_cast<char>(b);
    const int32_t single = pieces_.Find(std::string_view(&byte, 1));
    single_byte_token_[b] = single < static_cast<int32_t>(n) ? single : -1;
  }

  // Control, user-defined and unknown tokens are the ones step 1 looks for.
  for (size_t i = 0; i < n; ++i) {
    const TokenType t = type(static_cast<int32_t>(i));
    if (vocab_.tokens[i].empty()) continue;
    if (t != TokenType::kControl && t != TokenType::kUserDefined && t != TokenType::kUnknown) {
      continue;
    }
    const std::string& text = vocab_.tokens[i];
    // llama.cpp's Phi-3 rule (see spm_tokenizer.cc), kept for any vocabulary
    // type as there.
    const bool rstrip =
        vocab_.rstrip_after_special && text != "<unk>" && text != "<s>" && text != "<|endoftext|>";
    specials_.push_back({text, static_cast<int32_t>(i), t == TokenType::kUserDefined, rstrip});
  }
  // Longest first, so "<|end|>" is not cut out of "<|endoftext|>". Equal
  // lengths keep id order (llama.cpp leaves it unspecified).
  std::stable_sort(specials_.begin(), specials_.end(), [](const Special& a, const Special& b) {
    return a.text.size() > b.text.size();
  });
  BuildSpecialTrie();
  return Status::Ok();
}

void BpeTokenizer::BuildSpecialTrie() {
  trie_.assign(1, TrieNode{});
  for (size_t s = 0; s < specials_.size(); ++s) {
    int32_t node = 0;
    for (char ch : specials_[s].text) {
      const unsigned char c = static_cast<unsigned char>(ch);
      auto& next = trie_[static_cast<size_t>(node)].next;
      auto it = std::lower_bound(next.begin(), next.end(), c,
                                 [](const auto& e, unsigned char v) { return e.first < v; });
      if (it != next.end() && it->first == c) {
        node = it->second;
        continue;
      }
      const int32_t child = static_cast<int32_t>(trie_.size());
      next.insert(it, {c, child});
      trie_.push_back(TrieNode{});  // may reallocate: `next` is not used after this
      node = child;
    }
    trie_[static_cast<size_t>(node)].special = static_cast<int32_t>(s);
  }
}

int32_t BpeTokenizer::TrieChild(int32_t node, unsigned char c) const {
  const auto& next = trie_[static_cast<size_t>(node)].next;
  auto it = std::lower_bound(next.begin(), next.end(), c,
                             [](const auto& e, unsigned char v) { return e.first < v; });
  return it != next.end() && it->first == c ? it->second : -1;
}

std::vector<Fragment> BpeTokenizer::Partition(std::string_view text, bool parse_special) const {
  std::vector<Fragment> frags;
  if (text.empty()) return frags;
  frags.push_back({-1, 0, text.size()});
  if (specials_.empty()) return frags;

  // Which special tokens occur anywhere in the text. A token that does not
  // occur in the whole text cannot occur in a stretch of it, so only these
  // need the (longest first, one token at a time) search below.
  std::vector<uint8_t> occurs(specials_.size(), 0);
  bool any = false;
  for (size_t i = 0; i < text.size(); ++i) {
    int32_t node = TrieChild(0, static_cast<unsigned char>(text[i]));
    for (size_t j = i + 1; node >= 0; ++j) {
      const int32_t s = trie_[static_cast<size_t>(node)].special;
      if (s >= 0) {
        occurs[static_cast<size_t>(s)] = 1;
        any = true;
      }
      if (j == text.size()) break;
      node = TrieChild(node, static_cast<unsigned char>(text[j]));
    }
  }
  if (!any) return frags;

  std::vector<Fragment> next;
  for (size_t s = 0; s < specials_.size(); ++s) {
    const Special& sp = specials_[s];
    if (!occurs[s] || (!parse_special && !sp.always)) continue;
    internal::SplitOnSpecial(text, sp, frags, next);
  }
  return frags;
}

Result<std::vector<int32_t>> BpeTokenizer::Encode(std::string_view text, bool add_bos,
                                                  bool parse_special) const {
  // Symbols are indexed with int32_t. A word is at most the whole text
  // re-encoded, which is three times as long when every byte is invalid
  // (each becomes U+FFFD).
  if (text.size() > static_cast<size_t>(std::numeric_limits<int32_t>::max()) / 3) {
    return Status::OutOfRange("the text to tokenize is larger than 682 MiB");
  }
  std::vector<int32_t> out;
  out.reserve(text.size() / 3 + 2);
  if (add_bos && vocab_.add_bos) out.push_back(vocab_.bos);

  Scratch scratch;
  for (const Fragment& f : Partition(text, parse_special)) {
    if (f.id >= 0) {
      out.push_back(f.id);
      continue;
    }
    Words& words = scratch.words;
    words.bytes.clear();
    words.ends.clear();
    pre_.Split(text.substr(f.offset, f.length), &words);
    size_t begin = 0;
    for (size_t end : words.ends) {
      EncodeWord(std::string_view(words.bytes).substr(begin, end - begin), &scratch, &out);
      begin = end;
    }
  }

  if (add_bos && vocab_.add_eos) out.push_back(vocab_.eos);
  return out;
}

void BpeTokenizer::EncodeWord(std::string_view word, Scratch* scratch,
                              std::vector<int32_t>* out) const {
  if (word.empty()) return;
  const int32_t n_vocab = static_cast<int32_t>(vocab_.tokens.size());

  // With ignore_merges a word that is a token is that token, whatever the
  // merges would make of it.
  if (info_.ignore_merges) {
    std::string& spelled = scratch->spelled;
    spelled.clear();
    for (char c : word) spelled.append(unicode::ByteToUtf8(static_cast<uint8_t>(c)));
    const int32_t id = pieces_.Find(spelled);
    if (id >= 0 && id < n_vocab) {
      out->push_back(id);
      return;
    }
  }

  // One symbol per byte (each byte is one character of the alphabet).
  std::vector<Symbol>& symbols = scratch->symbols;
  symbols.clear();
  const int32_t size = static_cast<int32_t>(word.size());
  for (int32_t i = 0; i < size; ++i) {
    symbols.push_back(
        {i - 1, i + 1 == size ? -1 : i + 1, 1, byte_piece_[static_cast<uint8_t>(word[i])]});
  }

  std::vector<Bigram>& heap = scratch->heap;
  heap.clear();
  auto try_add = [&](int32_t left, int32_t right) {
    if (left < 0 || right < 0) return;
    const Symbol& l = symbols[static_cast<size_t>(left)];
    const Symbol& r = symbols[static_cast<size_t>(right)];
    if (l.piece < 0 || r.piece < 0) return;
    const Merge* m = merges_.Find(l.piece, r.piece);
    if (m == nullptr) return;
    heap.push_back({m->rank, left, right, l.n + r.n, m->result});
    std::push_heap(heap.begin(), heap.end(), BigramAfter());
  };
  for (int32_t i = 1; i < size; ++i) try_add(i - 1, i);

  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), BigramAfter());
    const Bigram b = heap.back();
    heap.pop_back();
    Symbol& left = symbols[static_cast<size_t>(b.left)];
    Symbol& right = symbols[static_cast<size_t>(b.right)];
    // A pair is stale once either side took part in another merge: then one
    // side is empty or the two no longer add up to the bigram's text.
    if (left.n == 0 || right.n == 0 || left.n + right.n != b.size) continue;
    left.n += right.n;
    left.piece = b.result;
    right.n = 0;
    left.next = right.next;
    if (right.next >= 0) symbols[static_cast<size_t>(right.next)].prev = b.left;
    try_add(left.prev, b.left);
    try_add(b.left, left.next);
  }

  // A merged symbol is a token unless the merges list a pair the vocabulary
  // lacks. Such a symbol goes out as llama.cpp sends it: each byte of its
  // spelling that is itself a token, the others dropped.
  for (int32_t i = 0; i != -1; i = symbols[static_cast<size_t>(i)].next) {
    const Symbol& s = symbols[static_cast<size_t>(i)];
    if (s.piece >= 0 && s.piece < n_vocab) {
      out->push_back(s.piece);
      continue;
    }
    // Symbol i starts at byte i: symbols only ever absorb their right side.
    for (int32_t k = i; k < i + s.n; ++k) {
      for (char c : unicode::ByteToUtf8(static_cast<uint8_t>(word[static_cast<size_t>(k)]))) {
        const int32_t id = single_byte_token_[static_cast<unsigned char>(c)];
        if (id >= 0) out->push_back(id);
      }
    }
  }
}

std::string BpeTokenizer::TokenBytes(int32_t id) const {
  if (id < 0 || id >= n_vocab()) return "";
  const std::string& text = vocab_.tokens[static_cast<size_t>(id)];
  switch (type(id)) {
    case TokenType::kNormal: {
      // Each character of the alphabet is its byte. Any other character (a
      // malformed vocabulary) is kept as it is, where llama.cpp writes an
      // "[UNK_BYTE_0x..]" marker.
      std::string result;
      result.reserve(text.size());
      for (size_t pos = 0; pos < text.size();) {
        const size_t start = pos;
        const uint32_t cpt = unicode::DecodeUtf8(text, &pos);
        const int byte = unicode::ByteFromCodepoint(cpt);
        if (byte >= 0) {
          result.push_back(static_cast<char>(byte));
        } else {
          result.append(text, start, pos - start);
        }
      }
      return result;
    }
    case TokenType::kByte: {
      // "<0xE2>" is the byte 0xE2; a malformed name contributes nothing.
      if (text.size() != 6 || text.compare(0, 3, "<0x") != 0 || text[5] != '>') return "";
      const int hi = HexValue(text[3]);
      const int lo = HexValue(text[4]);
      if (hi < 0 || lo < 0) return "";
      return std::string(1, static_cast<char>(hi * 16 + lo));
    }
    case TokenType::kUserDefined:
      // User-defined tokens are raw text, matched in the input as is.
      return text;
    default:
      // Control, unknown, unused and undefined tokens are not text.
      return "";
  }
}

}  // namespace

Result<std::unique_ptr<Tokenizer>> NewBpeTokenizer(Vocab vocab) {
  LI_ASSIGN_OR_RETURN(const PreTokenizerInfo info, FindPreTokenizer(vocab.pre));
  auto tok = std::make_unique<BpeTokenizer>(std::move(vocab), info);
  LI_RETURN_IF_ERROR(tok->Init());
  return std::unique_ptr<Tokenizer>(std::move(tok));
}

}  // namespace lithium::tokenizer
