// Pieces of the JSON Schema compiler shared by its source files.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "nlohmann/json.hpp"
#include "src/base/status.h"
#include "src/grammar/grammar.h"

namespace lithium::grammar::schema_internal {

using Json = nlohmann::ordered_json;

// The content of a JSON string (between the quotes) constrained by
// minLength, maxLength, pattern / x-patterns and format / x-formats in `kw`.
Result<ExprId> StringContent(Grammar* g, const Json& kw, const std::string& ptr);

// Numbers: integers only, or all numbers, within the bounds in `kw`.
Result<ExprId> NumberExpr(Grammar* g, const Json& kw, bool integer_only, const std::string& ptr);

// The regex (ECMA syntax) for a supported "format", or an error.
Result<std::string> FormatRegex(const std::string& format, const std::string& ptr);

// Whether a literal value (from enum or const) satisfies the type, numeric,
// length and count keywords in `kw`. Other keywords must have been rejected.
bool ValueOk(const Json& kw, const Json& v);

// Characters of a UTF-8 string (code points).
int64_t CountCodePoints(const std::string& s);

// "/properties/a~1b" style pointer segment.
std::string PointerEscape(const std::string& s);

}  // namespace lithium::grammar::schema_internal
