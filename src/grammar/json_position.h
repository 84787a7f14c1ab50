// Where in a JSON document a byte offset falls, as a JSON pointer (RFC
// 6901). The budget logic (completion.h) records the output offsets at
// which it narrowed the mask; this names the value each one shaped, for
// the "truncated" list of a result.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lithium::grammar {

// For each offset (ascending, into `text`, the JSON written so far), the
// pointer of the innermost value open there: the string or number being
// written, the member whose value comes next, otherwise the enclosing
// object or array ("" is the whole document). Distinct pointers, in order
// of first appearance. Text that is not JSON yields "" (never a crash).
std::vector<std::string> JsonPointersAt(std::string_view text, const std::vector<int64_t>& offsets);

}  // namespace lithium::grammar
