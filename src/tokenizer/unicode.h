// The Unicode facts the byte-level BPE tokenizer needs: a category flag per
// code point, UTF-8 decoding that never fails, and GPT-2's byte <-> character
// mapping. Private to src/tokenizer.
//
// Everything here follows llama.cpp's unicode.cpp, because a model must be
// split into the same words here as there: the same flags (tables generated
// from the Unicode Character Database by tools/gen/gen_unicode_tables.py) and
// the same treatment of invalid UTF-8.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "src/base/utf8.h"

namespace lithium::tokenizer::unicode {

// Flags of a code point: exactly one category bit (General_Category's first
// letter, with unassigned code points "undefined"), plus kWhitespace for
// the White_Space property. Same bit layout as llama.cpp's unicode_cpt_flags.
enum Flag : uint16_t {
  kUndefined = 0x0001,    // Cn, and anything past U+10FFFF
  kNumber = 0x0002,       // \p{N}
  kLetter = 0x0004,       // \p{L}
  kSeparator = 0x0008,    // \p{Z}
  kMark = 0x0010,         // \p{M}
  kPunctuation = 0x0020,  // \p{P}
  kSymbol = 0x0040,       // \p{S}
  kControl = 0x0080,      // \p{C} other than Cn: Cc, Cf, Co, Cs
  kWhitespace = 0x0100,   // \s
};

uint16_t Flags(uint32_t cpt);

// The Unicode version the tables were generated from, e.g. "15.0.0".
const char* TableVersion();

constexpr uint32_t kReplacementCharacter = 0xFFFD;

// Decodes the character at *pos and advances *pos past it, the way llama.cpp
// does (unicode_cpts_from_utf8): a lead byte with the right number of
// continuation bytes is accepted even when overlong or a surrogate; anything
// else is U+FFFD for one byte. One difference: llama.cpp aborts on a 4-byte
// form above U+10FFFF, which here is also U+FFFD for one byte.
uint32_t DecodeUtf8(std::string_view s, size_t* pos);

// Appends the UTF-8 form of a code point (surrogates are encoded like any
// other code point, as llama.cpp does).
using ::lithium::AppendUtf8;

// GPT-2's byte-level alphabet: each byte stands for itself when it is a
// printable Latin-1 character other than space and soft hyphen, and for
// U+0100 + n otherwise (the n-th such byte). Vocabularies store their
// tokens in this alphabet, so no token contains a raw space or control byte.
std::string_view ByteToUtf8(uint8_t byte);  // the stand-in character, as UTF-8
int ByteFromCodepoint(uint32_t cpt);        // the byte, or -1 for other code points

}  // namespace lithium::tokenizer::unicode
