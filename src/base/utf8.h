// UTF-8 encoding of one code point, shared by the tokenizer, the chat-template
// engine, the grammar compiler and the verifier (each used to carry its own
// copy).
#pragma once

#include <cstdint>
#include <string>

namespace lithium {

// Writes the UTF-8 form of `cp` into `out` and returns its length (1-4).
// Code points up to U+10FFFF are encoded as the standard says; surrogates are
// encoded like any other code point (as llama.cpp does), and anything larger
// keeps its low 21 bits, so the lead byte is always a valid 4-byte lead.
inline int EncodeUtf8(uint32_t cp, uint8_t out[4]) {
  if (cp < 0x80) {
    out[0] = uint8_t(cp);
    return 1;
  }
  if (cp < 0x800) {
    out[0] = uint8_t(0xC0 | (cp >> 6));
    out[1] = uint8_t(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = uint8_t(0xE0 | (cp >> 12));
    out[1] = uint8_t(0x80 | ((cp >> 6) & 0x3F));
    out[2] = uint8_t(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = uint8_t(0xF0 | ((cp >> 18) & 0x07));
  out[1] = uint8_t(0x80 | ((cp >> 12) & 0x3F));
  out[2] = uint8_t(0x80 | ((cp >> 6) & 0x3F));
  out[3] = uint8_t(0x80 | (cp & 0x3F));
  return 4;
}

// Appends the UTF-8 form of `cp` (see EncodeUtf8) to `out`.
inline void AppendUtf8(uint32_t cp, std::string* out) {
  uint8_t b[4];
  int n = EncodeUtf8(cp, b);
  out->append(reinterpret_cast<const char*>(b), size_t(n));
}

}  // namespace lithium
