// Step 1 of both tokenizers (SentencePiece and byte-level BPE), as in
// llama.cpp's tokenizer_st_partition: special tokens are cut out of the text
// first, longest text first, and only the stretches between them are
// tokenized as text.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace lithium::tokenizer::internal {

// The "C" locale's isspace, without the locale.
inline bool IsAsciiSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

// A special token, as step 1 looks for it.
struct Special {
  std::string_view text;  // into the tokenizer's Vocab
  int32_t id;
  bool always;  // split out even without parse_special (USER_DEFINED tokens)
  bool rstrip;  // drop the whitespace that follows it (Phi-3)
};

// A stretch of the input: either text[offset, offset + length) or, when
// id >= 0, a special token.
struct Fragment {
  int32_t id;
  size_t offset;
  size_t length;
};

// Cuts every occurrence of `sp` out of the text fragments of `frags`
// (special-token fragments are kept as they are). `scratch` is reused
// storage.
inline void SplitOnSpecial(std::string_view text, const Special& sp, std::vector<Fragment>& frags,
                           std::vector<Fragment>& scratch) {
  scratch.clear();
  for (const Fragment& f : frags) {
    if (f.id >= 0) {
      scratch.push_back(f);
      continue;
    }
    size_t off = f.offset;
    size_t len = f.length;
    while (len > 0) {
      const size_t m = text.substr(off, len).find(sp.text);
      if (m == std::string_view::npos) {
        scratch.push_back({-1, off, len});
        break;
      }
      if (m > 0) scratch.push_back({-1, off, m});
      scratch.push_back({sp.id, 0, 0});
      off += m + sp.text.size();
      len -= m + sp.text.size();
      if (sp.rstrip) {
        while (len > 0 && IsAsciiSpace(text[off])) {
          ++off;
          --len;
        }
      }
    }
  }
  frags.swap(scratch);
}

}  // namespace lithium::tokenizer::internal
