// Exact decimal numbers. Policies compare money: 0.1 + 0.2 must equal 0.3,
// so every number in a policy, an input or a model output is read from its
// decimal text into an exact rational and never passes through a double.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "src/base/status.h"

namespace lithium::verify {

// value = (negative ? -1 : 1) * digits * 10^-scale. Normalized so that equal
// values have equal fields: digits has no leading zeros ("0" for zero, which
// is never negative), and a positive scale has no trailing zero in digits.
struct Decimal {
  bool negative = false;
  std::string digits = "0";
  int32_t scale = 0;

  bool is_integer() const { return scale == 0; }
  // "123", "-7" or "-123/1000": the forms Z3's numeral parser reads exactly.
  std::string Z3Numeral() const;
  // Plain decimal text, e.g. "-0.125"; used in reports.
  std::string ToString() const;
};

// Numbers longer than this (digits, or 10^scale) are rejected: no business
// value needs them, and a hostile "1e999999999" must not allocate a gigabyte.
inline constexpr int32_t kMaxDecimalDigits = 1000;

// Parses JSON number syntax: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?.
// With `lenient` (decimal strings such as "+012.50" inside JSON strings), a
// leading '+' and leading zeros are accepted too.
Result<Decimal> ParseDecimal(std::string_view text, bool lenient = false);

}  // namespace lithium::verify
