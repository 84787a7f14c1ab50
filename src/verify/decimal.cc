#include "src/verify/decimal.h"

#include <cstdlib>

namespace lithium::verify {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

std::string Decimal::Z3Numeral() const {
  std::string s = negative ? "-" : "";
  s += digits;
  if (scale > 0) s += "/1" + std::string(size_t(scale), '0');
  return s;
}

std::string Decimal::ToString() const {
  std::string s = negative ? "-" : "";
  if (scale == 0) return s + digits;
  std::string d = digits;
  if (d.size() <= size_t(scale)) d = std::string(size_t(scale) - d.size() + 1, '0') + d;
  return s + d.substr(0, d.size() - size_t(scale)) + "." + d.substr(d.size() - size_t(scale));
}

Result<Decimal> ParseDecimal(std::string_view text, bool lenient) {
  auto bad = [&] { return Status::Invalid("'" + std::string(text.substr(0, 40)) + "' is not a decimal number"); };
  size_t i = 0;
  Decimal d;
  if (i < text.size() && (text[i] == '-' || (lenient && text[i] == '+'))) d.negative = text[i++] == '-';
  const size_t int_begin = i;
  while (i < text.size() && IsDigit(text[i])) ++i;
  const size_t int_end = i;
  if (int_end == int_begin) return bad();
  if (!lenient && int_end - int_begin > 1 && text[int_begin] == '0') return bad();
  size_t frac_begin = i, frac_end = i;
  if (i < text.size() && text[i] == '.') {
    frac_begin = ++i;
    while (i < text.size() && IsDigit(text[i])) ++i;
    frac_end = i;
    if (frac_end == frac_begin) return bad();
  }
  int64_t exponent = 0;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    bool neg_exp = false;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) neg_exp = text[i++] == '-';
    const size_t exp_begin = i;
    while (i < text.size() && IsDigit(text[i])) {
      // Saturate: anything past the digit cap is rejected below anyway.
      if (exponent < 1000000) exponent = exponent * 10 + (text[i] - '0');
      ++i;
    }
    if (i == exp_begin) return bad();
    if (neg_exp) exponent = -exponent;
  }
  if (i != text.size()) return bad();

  // digits * 10^(exponent - fraction length), then normalized.
  std::string digits(text.substr(int_begin, int_end - int_begin));
  digits.append(text.substr(frac_begin, frac_end - frac_begin));
  int64_t scale = int64_t(frac_end - frac_begin) - exponent;
  size_t nz = digits.find_first_not_of('0');
  if (nz == std::string::npos) return Decimal{};  // zero, whatever its sign or exponent
  digits.erase(0, nz);
  while (scale > 0 && digits.back() == '0') {
    digits.pop_back();
    --scale;
  }
  if (scale < 0) {
    if (int64_t(digits.size()) - scale > kMaxDecimalDigits) return Status::Invalid("number too large: " + std::string(text.substr(0, 40)));
    digits.append(size_t(-scale), '0');
    scale = 0;
  }
  if (int64_t(digits.size()) > kMaxDecimalDigits || scale > kMaxDecimalDigits) {
    return Status::Invalid("number has too many digits: " + std::string(text.substr(0, 40)));
  }
  d.digits = std::move(digits);
  d.scale = int32_t(scale);
  return d;
}

}  // namespace lithium::verify
