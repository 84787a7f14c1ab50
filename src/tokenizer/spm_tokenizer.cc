// llama.cpp's "llama" vocabulary type: SentencePiece BPE with scores and
// byte fallback (Llama 1/2, Mistral v0.1, Phi-3, TinyStories, ...).
//
// Encoding a text takes three steps, each matching llama.cpp (tokenize,
// tokenizer_st_partition and llm_tokenizer_spm_session in llama-vocab.cpp):
//   1. Split out special tokens. Longer token texts are split out first, each
//      over every remaining stretch of text.
//   2. For each stretch of text: prepend a space when it is the first stretch
//      or follows a special token (the SentencePiece "dummy prefix"), write
//      every space as U+2581 "▁", and split it into UTF-8 characters.
//   3. Repeatedly merge the adjacent pair of pieces whose concatenation is the
//      token with the highest score (ties: the leftmost pair), then emit each
//      piece's id, or its bytes as byte tokens when it is no token.
#include "src/tokenizer/spm_tokenizer.h"
#include "src/tokenizer/special_tokens.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace lithium::tokenizer {
namespace {

using internal::Fragment;
using internal::IsAsciiSpace;
using internal::Special;

constexpr std::string_view kSpaceMarker = "\xE2\x96\x81";  // U+2581 "▁"

// Bytes in the UTF-8 sequence that starts with `lead`, from its top four bits
// alone. Continuation and invalid bytes count as one-byte characters, so any
// byte string splits into pieces (this is llama.cpp's unicode_len_utf8).
size_t Utf8SequenceLength(unsigned char lead) {
  static constexpr uint8_t kLength[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
  return kLength[lead >> 4];
}

// Lets the token map be searched with a string_view, without building a
// std::string for each candidate pair.
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
using TokenMap = std::unordered_map<std::string, int32_t, StringHash, std::equal_to<>>;

// A piece of the text being merged: a doubly linked list over `symbols`,
// where merged-away pieces keep n == 0.
struct Symbol {
  int prev;
  int next;
  size_t start;  // byte offset in the escaped text
  size_t n;      // bytes; 0 once merged into its left neighbour
};

// A candidate merge of two adjacent symbols into one token.
struct Bigram {
  int left;
  int right;
  float score;
  size_t size;  // bytes of the merged text: detects pairs made stale by other merges
};

// Orders the queue: the highest score first, then the leftmost pair. This is
// the tie rule of llama.cpp's llm_bigram_spm, so equal scores merge the same.
struct BigramLess {
  bool operator()(const Bigram& a, const Bigram& b) const {
    return a.score < b.score || (a.score == b.score && a.left > b.left);
  }
};

class SpmTokenizer final : public Tokenizer {
 public:
  explicit SpmTokenizer(Vocab vocab) : Tokenizer(std::move(vocab)) {}

  // Builds the lookup tables; fails on duplicate token texts, which would make
  // text -> id ambiguous (llama.cpp refuses them too).
  Status Init();

  Result<std::vector<int32_t>> Encode(std::string_view text, bool add_bos,
                                      bool parse_special) const override;
  std::string TokenBytes(int32_t id) const override;

 private:
  std::vector<Fragment> Partition(std::string_view text, bool parse_special) const;
  // Buffers reused across the words of one Encode call.
  struct Scratch {
    std::vector<Symbol> symbols;
    std::vector<Bigram> heap;
  };
  // Step 3 for one stretch of escaped text, word by word when that is safe.
  Status EncodeEscaped(std::string_view text, Scratch* scratch, std::vector<int32_t>* out) const;
  Status EncodeWord(std::string_view text, Scratch* scratch, std::vector<int32_t>* out) const;
  Status EmitBytes(std::string_view piece, std::vector<int32_t>* out) const;

  int32_t Find(std::string_view text) const {
    auto it = token_to_id_.find(text);
    return it == token_to_id_.end() ? -1 : it->second;
  }

  TokenMap token_to_id_;
  std::vector<Special> specials_;  // longest text first
  int32_t byte_token_[256];        // -1 when the vocabulary has no token for the byte
  bool split_words_ = false;       // no token has "▁" after another character
};

Status SpmTokenizer::Init() {
  const size_t n = vocab_.tokens.size();
  token_to_id_.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    const std::string& text = vocab_.tokens[i];
    // An empty token can never be produced by merging, and would match
    // everywhere as a special token, so it stays out of both tables.
    if (text.empty()) continue;
    auto [it, inserted] = token_to_id_.emplace(text, static_cast<int32_t>(i));
    if (!inserted) {
      return Status::Invalid("duplicate token in the vocabulary: '" + text + "' has ids " +
                             std::to_string(it->second) + " and " + std::to_string(i));
    }
  }

  // SentencePiece vocabularies trained with split_by_whitespace (all the
  // ones we know) only have "▁" at the start of a piece, possibly repeated.
  // Then words can be merged one at a time; see EncodeEscaped.
  split_words_ = true;
  for (const std::string& text : vocab_.tokens) {
    for (size_t p = text.find(kSpaceMarker, 1); p != std::string::npos;
         p = text.find(kSpaceMarker, p + 1)) {
      if (p < kSpaceMarker.size() ||
          text.compare(p - kSpaceMarker.size(), kSpaceMarker.size(), kSpaceMarker) != 0) {
        split_words_ = false;
        break;
      }
    }
    if (!split_words_) break;
  }

  // Byte fallback: "<0xE2>" tokens, or else a token that is the byte itself.
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (int b = 0; b < 256; ++b) {
    const char name[6] = {'<', '0', 'x', kHex[b >> 4], kHex[b & 15], '>'};
    int32_t id = Find(std::string_view(name, 6));
    const char byte = static_cast<char>(b);
    if (id < 0) id = Find(std::string_view(&byte, 1));
    byte_token_[b] = id;
  }

  // Control, user-defined and unknown tokens are the ones step 1 looks for.
  for (size_t i = 0; i < n; ++i) {
    const TokenType t = type(static_cast<int32_t>(i));
    if (vocab_.tokens[i].empty()) continue;
    if (t != TokenType::kControl && t != TokenType::kUserDefined && t != TokenType::kUnknown) {
      continue;
    }
    const std::string& text = vocab_.tokens[i];
    // llama.cpp's Phi-3 rule: every special token strips what follows,
    // except these three.
    const bool rstrip =
        vocab_.rstrip_after_special && text != "<unk>" && text != "<s>" && text != "<|endoftext|>";
    specials_.push_back({text, static_cast<int32_t>(i), t == TokenType::kUserDefined, rstrip});
  }
  // Longest first, so "<|end|>" is not cut out of "<|endoftext|>". Equal
  // lengths keep id order (llama.cpp leaves it unspecified).
  std::stable_sort(specials_.begin(), specials_.end(), [](const Special& a, const Special& b) {
    return a.text.size() > b.text.size();
  });
  return Status::Ok();
}

std::vector<Fragment> SpmTokenizer::Partition(std::string_view text, bool parse_special) const {
  std::vector<Fragment> frags;
  if (text.empty()) return frags;
  frags.push_back({-1, 0, text.size()});
  std::vector<Fragment> next;
  for (const Special& sp : specials_) {
    if (!parse_special && !sp.always) continue;
    internal::SplitOnSpecial(text, sp, frags, next);
  }
  return frags;
}

Result<std::vector<int32_t>> SpmTokenizer::Encode(std::string_view text, bool add_bos,
                                                  bool parse_special) const {
  std::vector<int32_t> out;
  out.reserve(text.size() / 3 + 2);
  if (add_bos && vocab_.add_bos) out.push_back(vocab_.bos);

  // The dummy prefix goes before the first stretch of text and before every
  // stretch that follows a special token, BOS or not (llama.cpp's
  // is_prev_special), so "<|user|>Hi" sees "▁Hi" as it did in training.
  bool prev_special = true;
  std::string escaped;
  Scratch scratch;
  for (const Fragment& f : Partition(text, parse_special)) {
    if (f.id >= 0) {
      out.push_back(f.id);
      prev_special = true;
      continue;
    }
    escaped.clear();
    if (vocab_.add_space_prefix && prev_special) escaped.append(kSpaceMarker);
    for (char c : text.substr(f.offset, f.length)) {
      if (c == ' ') {
        escaped.append(kSpaceMarker);
      } else {
        escaped.push_back(c);
      }
    }
    LI_RETURN_IF_ERROR(EncodeEscaped(escaped, &scratch, &out));
    prev_special = false;
  }

  if (add_bos && vocab_.add_eos) out.push_back(vocab_.eos);
  return out;
}

Status SpmTokenizer::EncodeEscaped(std::string_view text, Scratch* scratch,
                                   std::vector<int32_t>* out) const {
  if (!split_words_) return EncodeWord(text, scratch, out);
  // Cut before each "▁" character that follows another character. Init
  // checked that every "▁" in a token is preceded by "▁" or starts it, so no
  // token spans such a cut and no merge can cross it: merging each word alone
  // gives the same tokens while keeping the queue small. Cuts fall on the
  // same character boundaries as EncodeWord's, even in invalid UTF-8.
  size_t begin = 0;
  bool prev_marker = false;
  for (size_t i = 0; i < text.size();) {
    const size_t n =
        std::min(Utf8SequenceLength(static_cast<unsigned char>(text[i])), text.size() - i);
    const bool marker = text.substr(i, n) == kSpaceMarker;
    if (marker && !prev_marker && i > begin) {
      LI_RETURN_IF_ERROR(EncodeWord(text.substr(begin, i - begin), scratch, out));
      begin = i;
    }
    prev_marker = marker;
    i += n;
  }
  return EncodeWord(text.substr(begin), scratch, out);
}

Status SpmTokenizer::EncodeWord(std::string_view text, Scratch* scratch,
                                std::vector<int32_t>* out) const {
  if (text.empty()) return Status::Ok();

  // One symbol per UTF-8 character, linked in order.
  std::vector<Symbol>& symbols = scratch->symbols;
  symbols.clear();
  for (size_t offs = 0; offs < text.size();) {
    const size_t n =
        std::min(Utf8SequenceLength(static_cast<unsigned char>(text[offs])), text.size() - offs);
    const int index = static_cast<int>(symbols.size());
    offs += n;
    symbols.push_back({index - 1, offs == text.size() ? -1 : index + 1, offs - n, n});
  }

  // A max-heap of candidate merges, as llama.cpp's std::priority_queue.
  std::vector<Bigram>& heap = scratch->heap;
  heap.clear();
  auto try_add = [&](int left, int right) {
    if (left < 0 || right < 0) return;
    const size_t size = symbols[left].n + symbols[right].n;
    const int32_t id = Find(text.substr(symbols[left].start, size));
    if (id < 0) return;
    heap.push_back({left, right, vocab_.scores[static_cast<size_t>(id)], size});
    std::push_heap(heap.begin(), heap.end(), BigramLess());
  };
  for (int i = 1; i < static_cast<int>(symbols.size()); ++i) try_add(i - 1, i);

  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), BigramLess());
    const Bigram b = heap.back();
    heap.pop_back();
    Symbol& left = symbols[b.left];
    Symbol& right = symbols[b.right];
    // A pair is stale once either side took part in another merge: then one
    // side is empty or the two no longer add up to the bigram's text.
    if (left.n == 0 || right.n == 0 || left.n + right.n != b.size) continue;
    left.n += right.n;
    right.n = 0;
    left.next = right.next;
    if (right.next >= 0) symbols[right.next].prev = b.left;
    try_add(left.prev, b.left);
    try_add(b.left, left.next);
  }

  // Every merged symbol is a token by construction; an unmerged character may
  // not be, and then goes out byte by byte. (llama.cpp's rev_merge
  // re-segmentation never fires for SentencePiece, for the same reason.)
  for (int i = 0; i != -1; i = symbols[i].next) {
    const std::string_view piece = text.substr(symbols[i].start, symbols[i].n);
    const int32_t id = Find(piece);
    if (id >= 0) {
      out->push_back(id);
    } else {
      LI_RETURN_IF_ERROR(EmitBytes(piece, out));
    }
  }
  return Status::Ok();
}

Status SpmTokenizer::EmitBytes(std::string_view piece, std::vector<int32_t>* out) const {
  for (char c : piece) {
    int32_t id = byte_token_[static_cast<unsigned char>(c)];
    if (id < 0) id = vocab_.unk;
    if (id < 0) {
      return Status::Invalid("the vocabulary has no token for byte 0x" +
                             std::string(1, "0123456789ABCDEF"[(c >> 4) & 15]) +
                             std::string(1, "0123456789ABCDEF"[c & 15]) + " and no unknown token");
    }
    out->push_back(id);
  }
  return Status::Ok();
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

std::string SpmTokenizer::TokenBytes(int32_t id) const {
  if (id < 0 || id >= n_vocab()) return "";
  const std::string& text = vocab_.tokens[static_cast<size_t>(id)];
  switch (type(id)) {
    case TokenType::kNormal: {
      std::string result;
      result.reserve(text.size());
      for (size_t i = 0; i < text.size();) {
        if (text.compare(i, kSpaceMarker.size(), kSpaceMarker) == 0) {
          result.push_back(' ');
          i += kSpaceMarker.size();
        } else {
          result.push_back(text[i++]);
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
      // User-defined tokens are literal text (llama.cpp prints them as is).
      return text;
    default:
      // Control, unknown, unused and undefined tokens are not text.
      return "";
  }
}

}  // namespace

Result<std::unique_ptr<Tokenizer>> NewSpmTokenizer(Vocab vocab) {
  auto tok = std::make_unique<SpmTokenizer>(std::move(vocab));
  LI_RETURN_IF_ERROR(tok->Init());
  return std::unique_ptr<Tokenizer>(std::move(tok));
}

}  // namespace lithium::tokenizer
