// JSON Pointer (RFC 6901) reference tokens, shared by the verifier's reports
// and the budget's "truncated" pointers, so both spell a key the same way.
#pragma once

#include <string>
#include <string_view>

namespace lithium {

// Appends "/" and `key` escaped as a reference token ("~" -> "~0", "/" -> "~1").
inline void AppendPointerToken(std::string* pointer, std::string_view key) {
  pointer->push_back('/');
  for (char c : key) {
    if (c == '~') {
      pointer->append("~0");
    } else if (c == '/') {
      pointer->append("~1");
    } else {
      pointer->push_back(c);
    }
  }
}

// `pointer` extended by the member `key`.
inline std::string PointerChild(const std::string& pointer, std::string_view key) {
  std::string out = pointer;
  AppendPointerToken(&out, key);
  return out;
}

}  // namespace lithium
