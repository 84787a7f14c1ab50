// Code point flags from the generated range table, llama.cpp-compatible UTF-8
// decoding, and GPT-2's byte-level alphabet.
#include "src/tokenizer/unicode.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>

namespace lithium::tokenizer::unicode {
namespace {

struct FlagRange {
  uint32_t first;
  uint16_t flags;
};

#include "src/tokenizer/unicode_tables.inc"

constexpr uint32_t kMaxCodepoint = 0x10FFFF;

// Most text is ASCII; a direct table saves the binary search for it.
constexpr std::array<uint16_t, 128> MakeAsciiFlags() {
  std::array<uint16_t, 128> table{};
  size_t r = 0;
  for (uint32_t c = 0; c < 128; ++c) {
    while (r + 1 < std::size(kFlagRanges) && kFlagRanges[r + 1].first <= c) ++r;
    table[c] = kFlagRanges[r].flags;
  }
  return table;
}
constexpr std::array<uint16_t, 128> kAsciiFlags = MakeAsciiFlags();

static_assert(kFlagRanges[0].first == 0, "the table must start at U+0000");

// GPT-2's bytes_to_unicode(): the bytes that are printable Latin-1 characters
// (other than space and soft hyphen) keep their code point; the other 68 get
// U+0100, U+0101, ... in byte order.
constexpr bool StandsForItself(int b) {
  return (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
}

struct ByteChar {
  char utf8[2];
  uint8_t size;
};

constexpr std::array<ByteChar, 256> MakeByteChars() {
  std::array<ByteChar, 256> table{};
  uint32_t next = 0x100;
  for (int b = 0; b < 256; ++b) {
    const uint32_t cpt = StandsForItself(b) ? static_cast<uint32_t>(b) : next++;
    if (cpt < 0x80) {
      table[b] = {{static_cast<char>(cpt), 0}, 1};
    } else {
      // Every stand-in is below U+0800: two bytes.
      table[b] = {{static_cast<char>(0xC0 | (cpt >> 6)), static_cast<char>(0x80 | (cpt & 0x3F))},
                  2};
    }
  }
  return table;
}
constexpr std::array<ByteChar, 256> kByteChars = MakeByteChars();

// The inverse, indexed by code point up to U+0143 (the last stand-in).
constexpr uint32_t kLastStandIn = 0x143;
constexpr std::array<int16_t, kLastStandIn + 1> MakeByteFromCodepoint() {
  std::array<int16_t, kLastStandIn + 1> table{};
  for (auto& v : table) v = -1;
  uint32_t next = 0x100;
  for (int b = 0; b < 256; ++b) {
    const uint32_t cpt = StandsForItself(b) ? static_cast<uint32_t>(b) : next++;
    table[cpt] = static_cast<int16_t>(b);
  }
  return table;
}
constexpr std::array<int16_t, kLastStandIn + 1> kByteFromCodepoint = MakeByteFromCodepoint();

bool IsContinuation(unsigned char c) { return (c & 0xC0) == 0x80; }

}  // namespace

uint16_t Flags(uint32_t cpt) {
  if (cpt < 128) return kAsciiFlags[cpt];
  if (cpt > kMaxCodepoint) return kUndefined;
  // The last range whose first code point is <= cpt.
  const FlagRange* it =
      std::upper_bound(std::begin(kFlagRanges), std::end(kFlagRanges), cpt,
                       [](uint32_t c, const FlagRange& r) { return c < r.first; });
  return (it - 1)->flags;
}

const char* TableVersion() { return kUnicodeVersion; }

uint32_t DecodeUtf8(std::string_view s, size_t* pos) {
  const size_t i = *pos;
  const size_t left = s.size() - i;
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char b0 = byte(0);
  // The length comes from the lead byte's top bits alone, as in llama.cpp:
  // overlong forms and surrogates pass, which keeps the words (and so the
  // tokens) identical to llama.cpp's for any input.
  if (b0 < 0x80) {
    *pos = i + 1;
    return b0;
  }
  if ((b0 & 0xE0) == 0xC0 && left >= 2 && IsContinuation(byte(1))) {
    *pos = i + 2;
    return (static_cast<uint32_t>(b0 & 0x1F) << 6) | (byte(1) & 0x3F);
  }
  if ((b0 & 0xF0) == 0xE0 && left >= 3 && IsContinuation(byte(1)) && IsContinuation(byte(2))) {
    *pos = i + 3;
    return (static_cast<uint32_t>(b0 & 0x0F) << 12) | (static_cast<uint32_t>(byte(1) & 0x3F) << 6) |
           (byte(2) & 0x3F);
  }
  if ((b0 & 0xF8) == 0xF0 && left >= 4 && IsContinuation(byte(1)) && IsContinuation(byte(2)) &&
      IsContinuation(byte(3))) {
    const uint32_t cpt = (static_cast<uint32_t>(b0 & 0x07) << 18) |
                         (static_cast<uint32_t>(byte(1) & 0x3F) << 12) |
                         (static_cast<uint32_t>(byte(2) & 0x3F) << 6) | (byte(3) & 0x3F);
    if (cpt <= kMaxCodepoint) {
      *pos = i + 4;
      return cpt;
    }
  }
  *pos = i + 1;
  return kReplacementCharacter;
}

std::string_view ByteToUtf8(uint8_t byte) {
  const ByteChar& c = kByteChars[byte];
  return std::string_view(c.utf8, c.size);
}

int ByteFromCodepoint(uint32_t cpt) { return cpt <= kLastStandIn ? kByteFromCodepoint[cpt] : -1; }

}  // namespace lithium::tokenizer::unicode
