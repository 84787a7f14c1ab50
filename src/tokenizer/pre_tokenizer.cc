// The regex splits of the byte-level BPE pre-tokenizers, matched by hand.
//
// llama.cpp (unicode.cpp, unicode_regex_split) runs each pre-tokenizer's
// regexes in order. GPT-2's and Llama 3's regexes have hand-written matchers
// there; the others go through std::regex, on a copy of the text where each
// non-ASCII character is replaced by one byte standing for its category
// (letter, number, punctuation, ...; non-ASCII whitespace becomes "\v"), or,
// for regexes without \p{..}, on the code points with non-ASCII whitespace
// replaced by "\v". So a character class is decided by the category flags
// of unicode.h, and a literal class ("[一-龥]") never contains non-ASCII
// whitespace, even when its range spans some. We reproduce exactly that.
//
// Each matcher below returns the length, in code points, of its regex's
// match starting at `pos` (0: no match there), with std::regex's ECMAScript
// semantics: alternatives are tried in order and the first that matches
// wins, quantifiers are greedy and backtrack. It sees only its piece of the
// text, [pos, end): lookaheads and "$" stop at the end of the piece, as
// llama.cpp's regex_iterator does.
#include "src/tokenizer/pre_tokenizer.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "src/tokenizer/unicode.h"

namespace lithium::tokenizer {
namespace {

using unicode::kLetter;
using unicode::kNumber;
using unicode::kPunctuation;
using unicode::kWhitespace;

// The text being split, one entry per code point.
struct Text {
  std::vector<uint32_t> cpts;
  std::vector<uint16_t> flags;

  bool Is(size_t i, uint16_t flag) const { return (flags[i] & flag) != 0; }
  bool IsNewline(size_t i) const { return cpts[i] == '\r' || cpts[i] == '\n'; }
  // The code point std::wregex sees in llama.cpp (non-ASCII whitespace is
  // "\v" there), for matching literal classes.
  uint32_t WregexCpt(size_t i) const {
    return cpts[i] > 0x7F && Is(i, kWhitespace) ? 0x0B : cpts[i];
  }
};

using Matcher = size_t (*)(const Text& t, size_t pos, size_t end);

// One regex over one piece: appends the lengths of the matches and of the
// stretches between them, in order (llama.cpp's unicode_regex_split_stl).
template <Matcher kMatch>
void SplitBy(const Text& t, size_t begin, size_t end, std::vector<size_t>* out) {
  size_t gap = begin;  // start of the unmatched stretch before `pos`
  for (size_t pos = begin; pos < end;) {
    const size_t n = kMatch(t, pos, end);
    if (n == 0) {
      ++pos;
      continue;
    }
    if (pos > gap) out->push_back(pos - gap);
    out->push_back(n);
    pos += n;
    gap = pos;
  }
  if (end > gap) out->push_back(end - gap);
}

// Where the run of code points with `flag` that starts at `pos` ends.
size_t RunEnd(const Text& t, size_t pos, size_t end, uint16_t flag) {
  while (pos < end && t.Is(pos, flag)) ++pos;
  return pos;
}

uint32_t AsciiLower(uint32_t c) { return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c; }

// 's|'t|'re|'ve|'m|'ll|'d, optionally case-insensitive. Llama 3 writes
// (?i:...) and llama.cpp lowercases with unicode_tolower; only ASCII letters
// lowercase to these letters (the table generator checks), so ASCII folding
// is the same.
size_t MatchContraction(const Text& t, size_t pos, size_t end, bool fold_case) {
  if (t.cpts[pos] != '\'' || pos + 1 >= end) return 0;
  const auto at = [&](size_t i) { return fold_case ? AsciiLower(t.cpts[i]) : t.cpts[i]; };
  const uint32_t c1 = at(pos + 1);
  if (c1 == 's' || c1 == 't' || c1 == 'm' || c1 == 'd') return 2;
  if (pos + 2 >= end) return 0;
  const uint32_t c2 = at(pos + 2);
  if ((c1 == 'r' && c2 == 'e') || (c1 == 'v' && c2 == 'e') || (c1 == 'l' && c2 == 'l')) return 3;
  return 0;
}

// \s+(?!\S)|\s+ at a whitespace code point: a run of whitespace, less its
// last character when a non-space follows (that one then prefixes the next
// word, as in " world").
size_t MatchWhitespace(const Text& t, size_t pos, size_t end) {
  const size_t run_end = RunEnd(t, pos, end, kWhitespace);
  const size_t n = run_end - pos;
  if (n > 1 && run_end < end) return n - 1;
  return n;
}

// GPT-2: 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)
// Where that regex matches nothing (a lone whitespace before a non-space),
// llama.cpp's hand-written version takes the character alone, which is the
// stretch std::regex would leave between two matches: the same split.
size_t MatchGpt2(const Text& t, size_t pos, size_t end) {
  if (size_t n = MatchContraction(t, pos, end, /*fold_case=*/false)) return n;
  // An optional space, then a run of letters, of numbers, or of neither.
  const size_t first = t.cpts[pos] == ' ' && pos + 1 < end ? pos + 1 : pos;
  if (t.Is(first, kLetter)) return RunEnd(t, first, end, kLetter) - pos;
  if (t.Is(first, kNumber)) return RunEnd(t, first, end, kNumber) - pos;
  if (!t.Is(first, kWhitespace | kLetter | kNumber)) {
    size_t p = first;
    while (p < end && !t.Is(p, kWhitespace | kLetter | kNumber)) ++p;
    return p - pos;
  }
  return MatchWhitespace(t, pos, end);
}

// Llama 3 (and Qwen2 with max_digits 1):
//   (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|
//   ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
size_t MatchLlama3Like(const Text& t, size_t pos, size_t end, size_t max_digits) {
  if (size_t n = MatchContraction(t, pos, end, /*fold_case=*/true)) return n;
  // [^\r\n\p{L}\p{N}]?\p{L}+: letters, with at most one other character
  // (a space, a quote, ...) in front.
  if (!t.IsNewline(pos) && !t.Is(pos, kNumber)) {
    if (t.Is(pos, kLetter) || (pos + 1 < end && t.Is(pos + 1, kLetter))) {
      return RunEnd(t, pos + 1, end, kLetter) - pos;
    }
  }
  if (t.Is(pos, kNumber)) {
    size_t p = pos;
    while (p < end && p - pos < max_digits && t.Is(p, kNumber)) ++p;
    return p - pos;
  }
  // " ?[^\s\p{L}\p{N}]+[\r\n]*": punctuation and symbols, then newlines.
  const size_t first = t.cpts[pos] == ' ' && pos + 1 < end ? pos + 1 : pos;
  if (!t.Is(first, kWhitespace | kLetter | kNumber)) {
    size_t p = first;
    while (p < end && !t.Is(p, kWhitespace | kLetter | kNumber)) ++p;
    while (p < end && t.IsNewline(p)) ++p;
    return p - pos;
  }
  // \s*[\r\n]+: whitespace up to its last newline, when it has one. The
  // greedy \s* backtracks to that newline, and [\r\n]+ cannot go further,
  // because the run's later characters are not newlines.
  size_t p = pos;
  size_t after_newline = 0;
  while (p < end && t.Is(p, kWhitespace)) {
    if (t.IsNewline(p)) after_newline = p + 1;
    ++p;
  }
  if (after_newline > 0) return after_newline - pos;
  return MatchWhitespace(t, pos, end);
}

size_t MatchLlama3(const Text& t, size_t pos, size_t end) {
  return MatchLlama3Like(t, pos, end, 3);
}
size_t MatchQwen2(const Text& t, size_t pos, size_t end) { return MatchLlama3Like(t, pos, end, 1); }

// \p{N}
size_t MatchNumber(const Text& t, size_t pos, size_t) { return t.Is(pos, kNumber) ? 1 : 0; }

// \p{N}+
size_t MatchNumbers(const Text& t, size_t pos, size_t end) {
  return RunEnd(t, pos, end, kNumber) - pos;
}

// [0-9][0-9][0-9]
size_t MatchThreeAsciiDigits(const Text& t, size_t pos, size_t end) {
  if (end - pos < 3) return 0;
  for (size_t i = pos; i < pos + 3; ++i) {
    if (t.cpts[i] < '0' || t.cpts[i] > '9') return 0;
  }
  return 3;
}

// [\r\n]
size_t MatchNewline(const Text& t, size_t pos, size_t) { return t.IsNewline(pos) ? 1 : 0; }

// [\p{P}\$\+<=>\^~\|]+ (the default pre-tokenizer) and the same with a
// backtick (Falcon): punctuation and the ASCII symbols listed.
template <bool kBacktick>
size_t MatchPunctuationRun(const Text& t, size_t pos, size_t end) {
  size_t p = pos;
  for (; p < end; ++p) {
    const uint32_t c = t.cpts[p];
    const bool listed = c == '$' || c == '+' || c == '<' || c == '=' || c == '>' || c == '^' ||
                        c == '~' || c == '|' || (kBacktick && c == '`');
    if (!listed && !t.Is(p, kPunctuation)) break;
  }
  return p - pos;
}

// \s?X+ for a class X that holds no whitespace: the optional space is taken
// when a member follows it, and dropped (backtracking) otherwise.
template <bool (*kInClass)(const Text&, size_t)>
size_t MatchSpaceThenRun(const Text& t, size_t pos, size_t end) {
  size_t p = pos;
  if (t.Is(p, kWhitespace) && p + 1 < end && kInClass(t, p + 1)) ++p;
  if (!kInClass(t, p)) return 0;
  while (p < end && kInClass(t, p)) ++p;
  return p - pos;
}

template <bool (*kInClass)(const Text&, size_t)>
size_t MatchRun(const Text& t, size_t pos, size_t end) {
  size_t p = pos;
  while (p < end && kInClass(t, p)) ++p;
  return p - pos;
}

// \s+$: splits off the whitespace that ends the piece.
void SplitTrailingWhitespace(const Text& t, size_t begin, size_t end, std::vector<size_t>* out) {
  size_t k = end;
  while (k > begin && t.Is(k - 1, kWhitespace)) --k;
  if (k > begin) out->push_back(k - begin);
  if (end > k) out->push_back(end - k);
}

// Literal classes, as sorted inclusive ranges of code points.
struct Range {
  uint32_t first;
  uint32_t last;
};

bool InRanges(uint32_t c, std::span<const Range> ranges) {
  auto it = std::upper_bound(ranges.begin(), ranges.end(), c,
                             [](uint32_t v, const Range& r) { return v < r.first; });
  return it != ranges.begin() && c <= (it - 1)->last;
}

// DeepSeek LLM's letter class, transcribed from llama.cpp's regex (it is the
// Hugging Face tokenizer's, a subset of the cased letters). Six endpoints
// there are characters that NFC would replace (U+1F7D, U+1FBE, U+1FD3,
// U+1FDB, U+2126, U+212A), so copy the ranges, never the characters.
// clang-format off
constexpr Range kDeepseekLetters[] = {
    {0x0041, 0x005A}, {0x0061, 0x007A}, {0x00B5, 0x00B5}, {0x00C0, 0x00D6}, {0x00D8, 0x00F6},
    {0x00F8, 0x01BA}, {0x01BC, 0x01BF}, {0x01C4, 0x0293}, {0x0295, 0x02AF}, {0x0370, 0x0373},
    {0x0376, 0x0377}, {0x037B, 0x037D}, {0x037F, 0x037F}, {0x0386, 0x0386}, {0x0388, 0x038A},
    {0x038C, 0x038C}, {0x038E, 0x03A1}, {0x03A3, 0x03F5}, {0x03F7, 0x0481}, {0x048A, 0x052F},
    {0x0531, 0x0556}, {0x10A0, 0x10C5}, {0x13A0, 0x13F5}, {0x13F8, 0x13FD}, {0x1C90, 0x1CBA},
    {0x1CBD, 0x1CBF}, {0x1D00, 0x1D2B}, {0x1D6B, 0x1D77}, {0x1D79, 0x1D9A}, {0x1E00, 0x1F15},
    {0x1F18, 0x1F1D}, {0x1F20, 0x1F45}, {0x1F48, 0x1F4D}, {0x1F50, 0x1F57}, {0x1F59, 0x1F59},
    {0x1F5B, 0x1F5B}, {0x1F5D, 0x1F5D}, {0x1F5F, 0x1F7D}, {0x1F80, 0x1FB4}, {0x1FB6, 0x1FBC},
    {0x1FBE, 0x1FBE}, {0x1FC2, 0x1FC4}, {0x1FC6, 0x1FCC}, {0x1FD0, 0x1FD3}, {0x1FD6, 0x1FDB},
    {0x1FE0, 0x1FEC}, {0x1FF2, 0x1FF4}, {0x1FF6, 0x1FFC}, {0x2102, 0x2102}, {0x2107, 0x2107},
    {0x210A, 0x2113}, {0x2115, 0x2115}, {0x2119, 0x211D}, {0x2124, 0x2124}, {0x2126, 0x2126},
    {0x2128, 0x2128}, {0x212A, 0x212D}, {0x212F, 0x2134}, {0x2139, 0x2139}, {0x213C, 0x213F},
    {0x2145, 0x2149}, {0x214E, 0x214E}, {0x2183, 0x2184}, {0x2C00, 0x2C7B}, {0x2C7E, 0x2CE4},
    {0x2CEB, 0x2CEE}, {0x2CF2, 0x2CF3}, {0xA640, 0xA66D}, {0xA680, 0xA69B}, {0xA722, 0xA76F},
    {0xA771, 0xA787}, {0xA78B, 0xA78E}, {0xAB70, 0xABBF}, {0xFB00, 0xFB06}, {0xFB13, 0xFB17},
    {0xFF21, 0xFF3A}, {0xFF41, 0xFF5A}, {0x10400, 0x1044F}, {0x104B0, 0x104D3},
    {0x104D8, 0x104FB}, {0x10C80, 0x10CB2}, {0x10CC0, 0x10CF2}, {0x118A0, 0x118DF},
    {0x1E900, 0x1E943},
};
// clang-format on

// DeepSeek LLM's punctuation class, [!-/:-~！-／：-～‘-‟　-。]. Note that
// ":-~" holds the ASCII letters too, and that U+3000 (ideographic space) is
// whitespace, so llama.cpp never matches it here.
constexpr Range kDeepseekPunctuation[] = {
    {0x0021, 0x002F}, {0x003A, 0x007E}, {0x2018, 0x201F},
    {0x3000, 0x3002}, {0xFF01, 0xFF0F}, {0xFF1A, 0xFF5E},
};

// Both DeepSeeks' CJK class, [一-龥ࠀ-一가-퟿]: U+0800..U+9FA5 (most scripts
// after Samaritan, and CJK) and the Hangul syllables.
constexpr Range kDeepseekCjk[] = {{0x0800, 0x9FA5}, {0xAC00, 0xD7FF}};

bool IsDeepseekLetter(const Text& t, size_t i) {
  return InRanges(t.WregexCpt(i), kDeepseekLetters);
}
bool IsDeepseekPunctuation(const Text& t, size_t i) {
  return InRanges(t.WregexCpt(i), kDeepseekPunctuation);
}
bool IsDeepseekCjk(const Text& t, size_t i) { return InRanges(t.WregexCpt(i), kDeepseekCjk); }
bool IsLetter(const Text& t, size_t i) { return t.Is(i, kLetter); }
bool IsPunctuation(const Text& t, size_t i) { return t.Is(i, kPunctuation); }

using Step = void (*)(const Text& t, size_t begin, size_t end, std::vector<size_t>* out);

// The regexes of each pre-tokenizer, in llama.cpp's order.
constexpr Step kDefaultSteps[] = {SplitBy<MatchPunctuationRun<false>>, SplitBy<MatchGpt2>,
                                  SplitBy<MatchNumbers>, SplitBy<MatchThreeAsciiDigits>};
constexpr Step kGpt2Steps[] = {SplitBy<MatchGpt2>};
constexpr Step kLlama3Steps[] = {SplitBy<MatchLlama3>};
constexpr Step kQwen2Steps[] = {SplitBy<MatchQwen2>};
constexpr Step kStarcoderSteps[] = {SplitBy<MatchNumber>, SplitBy<MatchGpt2>};
constexpr Step kFalconSteps[] = {SplitBy<MatchPunctuationRun<true>>, SplitBy<MatchGpt2>,
                                 SplitBy<MatchThreeAsciiDigits>};
constexpr Step kDeepseekLlmSteps[] = {
    SplitBy<MatchNewline>,
    SplitBy<MatchSpaceThenRun<IsDeepseekLetter>>,
    SplitBy<MatchSpaceThenRun<IsDeepseekPunctuation>>,
    SplitTrailingWhitespace,
    SplitBy<MatchRun<IsDeepseekCjk>>,
    SplitBy<MatchNumbers>,
};
constexpr Step kDeepseekCoderSteps[] = {
    SplitBy<MatchNewline>,
    SplitBy<MatchSpaceThenRun<IsLetter>>,
    SplitBy<MatchSpaceThenRun<IsPunctuation>>,
    SplitBy<MatchRun<IsDeepseekCjk>>,
    SplitBy<MatchNumber>,
};

std::span<const Step> StepsOf(PreTokenizerKind kind) {
  switch (kind) {
    case PreTokenizerKind::kDefault:
      return kDefaultSteps;
    case PreTokenizerKind::kGpt2:
      return kGpt2Steps;
    case PreTokenizerKind::kLlama3:
      return kLlama3Steps;
    case PreTokenizerKind::kQwen2:
      return kQwen2Steps;
    case PreTokenizerKind::kStarcoder:
      return kStarcoderSteps;
    case PreTokenizerKind::kFalcon:
      return kFalconSteps;
    case PreTokenizerKind::kDeepseekLlm:
      return kDeepseekLlmSteps;
    case PreTokenizerKind::kDeepseekCoder:
      return kDeepseekCoderSteps;
  }
  return kDefaultSteps;
}

// tokenizer.ggml.pre names, from llama.cpp's llama_vocab::impl::load. Only
// names whose whole behaviour for encoding is one of ours are listed: the
// same regexes, ignore_merges and add_bos default.
struct NamedPreTokenizer {
  std::string_view name;
  PreTokenizerInfo info;
};

constexpr PreTokenizerInfo kLlama3Info = {PreTokenizerKind::kLlama3, true, true};
constexpr NamedPreTokenizer kNames[] = {
    {"default", {PreTokenizerKind::kDefault, false, false}},
    {"llama-bpe", kLlama3Info},
    {"llama3", kLlama3Info},
    {"llama-v3", kLlama3Info},
    {"falcon3", kLlama3Info},
    {"pixtral", kLlama3Info},
    // DBRX and Smaug use Llama 3's regex but merge every word.
    {"dbrx", {PreTokenizerKind::kLlama3, false, false}},
    {"smaug-bpe", {PreTokenizerKind::kLlama3, false, false}},
    {"qwen2", {PreTokenizerKind::kQwen2, false, false}},
    {"deepseek-r1-qwen", {PreTokenizerKind::kQwen2, false, false}},
    {"stablelm2", {PreTokenizerKind::kQwen2, false, false}},
    {"gpt-2", {PreTokenizerKind::kGpt2, false, false}},
    {"phi-2", {PreTokenizerKind::kGpt2, false, false}},
    {"mpt", {PreTokenizerKind::kGpt2, false, false}},
    {"olmo", {PreTokenizerKind::kGpt2, false, false}},
    {"starcoder", {PreTokenizerKind::kStarcoder, false, false}},
    {"refact", {PreTokenizerKind::kStarcoder, false, false}},
    {"smollm", {PreTokenizerKind::kStarcoder, false, false}},
    {"codeshell", {PreTokenizerKind::kStarcoder, false, false}},
    {"falcon", {PreTokenizerKind::kFalcon, false, false}},
    {"deepseek-llm", {PreTokenizerKind::kDeepseekLlm, false, false}},
    {"deepseek-coder", {PreTokenizerKind::kDeepseekCoder, false, false}},
};

}  // namespace

Result<PreTokenizerInfo> FindPreTokenizer(std::string_view name) {
  if (name.empty()) name = "default";
  for (const NamedPreTokenizer& n : kNames) {
    if (n.name == name) return n.info;
  }
  std::string known;
  for (const NamedPreTokenizer& n : kNames) {
    if (!known.empty()) known += ", ";
    known += n.name;
  }
  return Status::Unsupported("tokenizer.ggml.pre '" + std::string(name) +
                             "' is not a supported pre-tokenizer (supported: " + known + ")");
}

void PreTokenizer::Split(std::string_view text, Words* words) const {
  if (text.empty()) return;
  Text t;
  t.cpts.reserve(text.size());
  for (size_t pos = 0; pos < text.size();) t.cpts.push_back(unicode::DecodeUtf8(text, &pos));
  t.flags.resize(t.cpts.size());
  for (size_t i = 0; i < t.cpts.size(); ++i) t.flags[i] = unicode::Flags(t.cpts[i]);

  // Piece lengths in code points; each step refines every piece.
  std::vector<size_t> pieces = {t.cpts.size()};
  std::vector<size_t> next;
  for (Step step : StepsOf(kind_)) {
    next.clear();
    size_t begin = 0;
    for (size_t n : pieces) {
      step(t, begin, begin + n, &next);
      begin += n;
    }
    pieces.swap(next);
  }

  size_t begin = 0;
  for (size_t n : pieces) {
    for (size_t i = begin; i < begin + n; ++i) unicode::AppendUtf8(t.cpts[i], &words->bytes);
    words->ends.push_back(words->bytes.size());
    begin += n;
  }
}

}  // namespace lithium::tokenizer
