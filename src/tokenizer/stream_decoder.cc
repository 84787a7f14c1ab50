// Token ids -> always-valid UTF-8, one token at a time.
//
// Byte-fallback tokens split a character over several tokens ("€" is
// <0xE2><0x82><0xAC>), and a model may emit any byte sequence at all. So the
// decoder keeps the bytes of an unfinished character until it is whole, and
// replaces what can never become valid with U+FFFD, one replacement per
// "maximal subpart" as the Unicode standard recommends (chapter 3, U+FFFD
// substitution), which is also what browsers and Python do.
#include <string>
#include <string_view>

#include "src/tokenizer/tokenizer.h"

namespace lithium::tokenizer {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// The well-formed byte sequences (Unicode Table 3-7): the length implied by
// the lead byte, and the range allowed for the second byte, which is the only
// one with a narrower range than 0x80..0xBF (to exclude overlong forms,
// surrogates and code points past U+10FFFF).
struct LeadInfo {
  int length;  // 0: never valid as a lead byte
  unsigned char second_lo;
  unsigned char second_hi;
};

LeadInfo ClassifyLead(unsigned char b) {
  if (b < 0x80) return {1, 0, 0};
  if (b >= 0xC2 && b <= 0xDF) return {2, 0x80, 0xBF};
  if (b == 0xE0) return {3, 0xA0, 0xBF};
  if (b == 0xED) return {3, 0x80, 0x9F};
  if (b >= 0xE1 && b <= 0xEF) return {3, 0x80, 0xBF};
  if (b == 0xF0) return {4, 0x90, 0xBF};
  if (b >= 0xF1 && b <= 0xF3) return {4, 0x80, 0xBF};
  if (b == 0xF4) return {4, 0x80, 0x8F};
  return {0, 0, 0};
}

// Appends the decodable prefix of `in` to `out` and returns how many bytes it
// consumed. What is left is the start of a character that later bytes may
// still complete; with `final` nothing can follow, so that too becomes U+FFFD.
size_t DrainUtf8(std::string_view in, bool final, std::string* out) {
  size_t i = 0;
  while (i < in.size()) {
    const unsigned char lead = static_cast<unsigned char>(in[i]);
    const LeadInfo info = ClassifyLead(lead);
    if (info.length == 0) {
      out->append(kReplacement);
      ++i;
      continue;
    }
    // Count the bytes that continue this character correctly.
    size_t k = 1;
    while (k < static_cast<size_t>(info.length) && i + k < in.size()) {
      const unsigned char c = static_cast<unsigned char>(in[i + k]);
      const unsigned char lo = k == 1 ? info.second_lo : 0x80;
      const unsigned char hi = k == 1 ? info.second_hi : 0xBF;
      if (c < lo || c > hi) break;
      ++k;
    }
    if (k == static_cast<size_t>(info.length)) {
      out->append(in.substr(i, k));
      i += k;
    } else if (i + k == in.size() && !final) {
      return i;  // a valid start, cut short: wait for the next token
    } else {
      // Cut short for good, or broken by a byte that cannot continue it:
      // the valid start is one replacement, and decoding resumes at the
      // offending byte.
      out->append(kReplacement);
      i += k;
    }
  }
  return i;
}

}  // namespace

std::string StreamDecoder::Push(int32_t id) {
  std::string piece = tok_.TokenBytes(id);
  if (first_) {
    // A leading BOS is no output at all, so the dummy-prefix space to strip
    // is on the token after it (llama.cpp skips BOS the same way).
    if (strip_ && id == tok_.bos()) return "";
    first_ = false;
    if (strip_ && !piece.empty() && piece[0] == ' ') piece.erase(0, 1);
  }
  pending_ += piece;
  std::string out;
  const size_t used = DrainUtf8(pending_, /*final=*/false, &out);
  pending_.erase(0, used);
  return out;
}

std::string StreamDecoder::Flush() {
  std::string out;
  DrainUtf8(pending_, /*final=*/true, &out);
  pending_.clear();
  return out;
}

}  // namespace lithium::tokenizer
