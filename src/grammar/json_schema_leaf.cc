// Strings, formats and numbers for the JSON Schema compiler, and lithium's
// canonical JSON writer.
#include <charconv>
#include <cmath>

#include "src/grammar/json_schema.h"
#include "src/grammar/json_schema_internal.h"
#include "src/grammar/regex.h"

namespace lithium::grammar {
namespace schema_internal {
namespace {

// A finite decimal: sign, integer digits without leading zeros ("0" for
// zero) and fraction digits without trailing zeros.
struct Decimal {
  bool neg = false;
  std::string int_digits = "0";
  std::string frac;
};

Result<Decimal> ToDecimal(const Json& v, const std::string& where) {
  Decimal d;
  std::string text;
  if (v.is_number_unsigned()) {
    text = std::to_string(v.get<uint64_t>());
  } else if (v.is_number_integer()) {
    text = std::to_string(v.get<int64_t>());
  } else if (v.is_number_float()) {
    double x = v.get<double>();
    if (!std::isfinite(x)) return Status::Invalid(where + " must be a finite number");
    char buf[400];
    auto r = std::to_chars(buf, buf + sizeof(buf), x, std::chars_format::fixed);
    if (r.ec != std::errc()) return Status::Unsupported(where + ": number out of range");
    text.assign(buf, r.ptr);
  } else {
    return Status::Invalid(where + " must be a number");
  }
  size_t i = 0;
  if (!text.empty() && text[0] == '-') {
    d.neg = true;
    i = 1;
  }
  size_t dot = text.find('.');
  std::string ip = text.substr(i, dot == std::string::npos ? std::string::npos : dot - i);
  std::string fp = dot == std::string::npos ? "" : text.substr(dot + 1);
  while (ip.size() > 1 && ip[0] == '0') ip.erase(0, 1);
  while (!fp.empty() && fp.back() == '0') fp.pop_back();
  d.int_digits = ip.empty() ? "0" : ip;
  d.frac = fp;
  if (d.int_digits == "0" && d.frac.empty()) d.neg = false;
  return d;
}

ExprId Digit(Grammar* g, int lo, int hi) { return g->Bytes({{uint8_t('0' + lo), uint8_t('0' + hi)}}); }
ExprId Digits(Grammar* g, int n) { return g->Repeat(Digit(g, 0, 9), n, n); }

// Digit strings of length |s| that are >= s (or <= s).
ExprId SuffixGe(Grammar* g, std::string_view s) {
  if (s.empty()) return g->Empty();
  int d = s[0] - '0';
  ExprId eq = g->Seq({g->Byte(uint8_t(s[0])), SuffixGe(g, s.substr(1))});
  if (d == 9) return eq;
  return g->Alt({eq, g->Seq({Digit(g, d + 1, 9), Digits(g, int(s.size()) - 1)})});
}
ExprId SuffixLe(Grammar* g, std::string_view s) {
  if (s.empty()) return g->Empty();
  int d = s[0] - '0';
  ExprId eq = g->Seq({g->Byte(uint8_t(s[0])), SuffixLe(g, s.substr(1))});
  if (d == 0) return eq;
  return g->Alt({eq, g->Seq({Digit(g, 0, d - 1), Digits(g, int(s.size()) - 1)})});
}

// Canonical integers with as many digits as a and b, in [a, b].
ExprId SameLength(Grammar* g, std::string_view a, std::string_view b) {
  if (a.empty()) return g->Empty();
  if (a[0] == b[0]) return g->Seq({g->Byte(uint8_t(a[0])), SameLength(g, a.substr(1), b.substr(1))});
  int x = a[0] - '0', y = b[0] - '0';
  std::vector<ExprId> alts{g->Seq({g->Byte(uint8_t(a[0])), SuffixGe(g, a.substr(1))})};
  if (y - x > 1) alts.push_back(g->Seq({Digit(g, x + 1, y - 1), Digits(g, int(a.size()) - 1)}));
  alts.push_back(g->Seq({g->Byte(uint8_t(b[0])), SuffixLe(g, b.substr(1))}));
  return g->Alt(std::move(alts));
}

// Canonical non-negative integers in [a, b]; b empty means unbounded.
ExprId NonNegative(Grammar* g, const std::string& a, const std::string& b) {
  const int la = int(a.size());
  if (!b.empty()) {
    const int lb = int(b.size());
    if (la > lb || (la == lb && a > b)) return g->Nothing();
    if (la == lb) return SameLength(g, a, b);
  }
  std::vector<ExprId> alts{SameLength(g, a, std::string(size_t(la), '9'))};
  if (b.empty()) {
    alts.push_back(g->Seq({Digit(g, 1, 9), g->Repeat(Digit(g, 0, 9), la, -1)}));
  } else {
    const int lb = int(b.size());
    if (lb - la > 1) alts.push_back(g->Seq({Digit(g, 1, 9), g->Repeat(Digit(g, 0, 9), la, lb - 2)}));
    alts.push_back(SameLength(g, "1" + std::string(size_t(lb - 1), '0'), b));
  }
  return g->Alt(std::move(alts));
}

// Fraction digit strings F (possibly empty, read as 0.F) compared with the
// fraction f (no trailing zeros). Each returns the language of non-empty
// F and says whether the empty fraction qualifies.
ExprId FracGe(Grammar* g, std::string_view f, bool strict, bool* empty_ok) {
  ExprId any = g->Star(Digit(g, 0, 9));
  if (f.empty()) {
    *empty_ok = !strict;
    // >= 0: anything; > 0: some non-zero digit.
    return strict ? g->Seq({g->Star(Digit(g, 0, 0)), Digit(g, 1, 9), any}) : g->Plus(Digit(g, 0, 9));
  }
  *empty_ok = false;
  bool unused;
  int d = f[0] - '0';
  std::vector<ExprId> alts{g->Seq({g->Byte(uint8_t(f[0])), g->Alt({FracGe(g, f.substr(1), strict, &unused),
                                                                     (f.size() == 1 && !strict) ? g->Empty() : g->Nothing()})})};
  if (d < 9) alts.push_back(g->Seq({Digit(g, d + 1, 9), any}));
  return g->Alt(std::move(alts));
}
ExprId FracLe(Grammar* g, std::string_view f, bool strict, bool* empty_ok) {
  ExprId any = g->Star(Digit(g, 0, 9));
  if (f.empty()) {
    *empty_ok = !strict;
    return strict ? g->Nothing() : g->Plus(Digit(g, 0, 0));
  }
  *empty_ok = true;  // 0 < 0.f since f has a non-zero digit
  bool unused;
  int d = f[0] - '0';
  // F = f[0] followed by a shorter or equal comparison, or F ends right
  // after f[0] (then F < f unless f has one digit and the bound is
  // inclusive).
  ExprId rest = FracLe(g, f.substr(1), strict, &unused);
  ExprId tail = f.size() == 1 ? (strict ? g->Nothing() : g->Empty()) : g->Empty();
  if (f.size() == 1) rest = strict ? g->Nothing() : g->Plus(Digit(g, 0, 0));
  std::vector<ExprId> alts{g->Seq({g->Byte(uint8_t(f[0])), g->Alt({rest, tail})})};
  if (d > 0) alts.push_back(g->Seq({Digit(g, 0, d - 1), any}));
  return g->Alt(std::move(alts));
}

// Non-negative decimals y = I[.F] with lo <= y <= hi (strictness per
// bound; hi absent: unbounded).
ExprId AbsDecimal(Grammar* g, const Decimal& lo, bool lo_strict, const std::optional<Decimal>& hi, bool hi_strict) {
  auto frac_part = [&](ExprId lang, bool empty_ok) {
    return g->Alt({empty_ok ? g->Empty() : g->Nothing(), g->Seq({g->Byte('.'), lang})});
  };
  const std::string& ia = lo.int_digits;
  std::vector<ExprId> alts;
  if (hi && hi->int_digits == ia) {
    bool e1, e2;
    ExprId a = FracGe(g, lo.frac, lo_strict, &e1), b = FracLe(g, hi->frac, hi_strict, &e2);
    return g->Seq({g->Literal(ia), frac_part(g->And({a, b}), e1 && e2)});
  }
  if (hi && (hi->int_digits.size() < ia.size() || (hi->int_digits.size() == ia.size() && hi->int_digits < ia))) {
    return g->Nothing();
  }
  bool e;
  ExprId ge = FracGe(g, lo.frac, lo_strict, &e);
  alts.push_back(g->Seq({g->Literal(ia), frac_part(ge, e)}));
  // Integer parts strictly between.
  auto plus_one = [](std::string s) {
    int i = int(s.size()) - 1;
    while (i >= 0 && s[size_t(i)] == '9') s[size_t(i--)] = '0';
    if (i < 0) return "1" + s;
    s[size_t(i)]++;
    return s;
  };
  auto minus_one = [](std::string s) {  // s > 0
    int i = int(s.size()) - 1;
    while (s[size_t(i)] == '0') s[size_t(i--)] = '9';
    s[size_t(i)]--;
    if (s.size() > 1 && s[0] == '0') s.erase(0, 1);
    return s;
  };
  ExprId any_frac = frac_part(g->Plus(Digit(g, 0, 9)), true);
  std::string from = plus_one(ia);
  if (!hi) {
    alts.push_back(g->Seq({NonNegative(g, from, ""), any_frac}));
  } else {
    if (hi->int_digits != "0") {
      std::string to = minus_one(hi->int_digits);
      alts.push_back(g->Seq({NonNegative(g, from, to), any_frac}));
    }
    bool e2;
    ExprId le = FracLe(g, hi->frac, hi_strict, &e2);
    alts.push_back(g->Seq({g->Literal(hi->int_digits), frac_part(le, e2)}));
  }
  return g->Alt(std::move(alts));
}

}  // namespace

int64_t CountCodePoints(const std::string& s) {
  int64_t n = 0;
  for (char c : s) n += (uint8_t(c) & 0xC0) != 0x80;
  return n;
}

std::string PointerEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out.push_back(c);
  }
  return out;
}

Result<std::string> FormatRegex(const std::string& format, const std::string& ptr) {
  // RFC 3339 full-date, with the days of each month and leap years. Year
  // 0000 is left out: RFC 3339 allows it but most validators (Python's
  // datetime among them) do not, and output must validate everywhere.
  static const std::string kDate =
      "(?:(?:[1-9]\\d{3}|0[1-9]\\d\\d|00[1-9]\\d|000[1-9])-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\\d|3[01])|"
      "(?:0[469]|11)-(?:0[1-9]|[12]\\d|30)|02-(?:0[1-9]|1\\d|2[0-8]))|"
      "(?:\\d\\d(?:0[48]|[2468][048]|[13579][26])|(?:0[48]|[2468][048]|[13579][26])00)-02-29)";
  // RFC 3339 full-time without leap seconds: the RFC allows :60 (at 23:59
  // UTC) but many validators (Python's among them) reject it, and output
  // must validate everywhere.
  static const std::string kTime =
      "(?:[01]\\d|2[0-3]):[0-5]\\d:[0-5]\\d(?:\\.\\d+)?(?:[Zz]|[+-](?:[01]\\d|2[0-3]):[0-5]\\d)";
  static const std::string kUnreserved = "A-Za-z0-9._~\\-";
  static const std::string kSubDelims = "!$&'()*+,;=";
  static const std::string kPct = "%[0-9A-Fa-f]{2}";
  static const std::string kPchar = "(?:[" + kUnreserved + kSubDelims + ":@]|" + kPct + ")";
  static const std::string kDecOctet = "(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
  static const std::string kIpv4 = kDecOctet + "(?:\\." + kDecOctet + "){3}";
  static const std::string kH16 = "[0-9A-Fa-f]{1,4}";
  static const std::string kLs32 = "(?:" + kH16 + ":" + kH16 + "|" + kIpv4 + ")";
  static const std::string kIpv6 =
      "(?:(?:" + kH16 + ":){6}" + kLs32 + "|::(?:" + kH16 + ":){5}" + kLs32 + "|(?:" + kH16 + ")?::(?:" + kH16 +
      ":){4}" + kLs32 + "|(?:(?:" + kH16 + ":){0,1}" + kH16 + ")?::(?:" + kH16 + ":){3}" + kLs32 + "|(?:(?:" + kH16 +
      ":){0,2}" + kH16 + ")?::(?:" + kH16 + ":){2}" + kLs32 + "|(?:(?:" + kH16 + ":){0,3}" + kH16 + ")?::" + kH16 +
      ":" + kLs32 + "|(?:(?:" + kH16 + ":){0,4}" + kH16 + ")?::" + kLs32 + "|(?:(?:" + kH16 + ":){0,5}" + kH16 +
      ")?::" + kH16 + "|(?:(?:" + kH16 + ":){0,6}" + kH16 + ")?::)";
  if (format == "date") return kDate;
  if (format == "time") return kTime;
  if (format == "date-time") return kDate + "[Tt]" + kTime;
  if (format == "uuid") return std::string("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
  if (format == "ipv4") return kIpv4;
  if (format == "email") {
    // RFC 5321 Mailbox, dot-atom local part and a domain name (or an
    // address literal): the common subset, without quoted local parts.
    const std::string atext = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~\\-]+";
    const std::string label = "[A-Za-z0-9](?:[A-Za-z0-9\\-]*[A-Za-z0-9])?";
    return atext + "(?:\\." + atext + ")*@(?:" + label + "(?:\\." + label + ")*|\\[" + kIpv4 + "\\])";
  }
  if (format == "uri") {
    // RFC 3986 URI (absolute, with a scheme).
    const std::string reg_name = "(?:[" + kUnreserved + kSubDelims + "]|" + kPct + ")*";
    const std::string userinfo = "(?:[" + kUnreserved + kSubDelims + ":]|" + kPct + ")*";
    const std::string host = "(?:\\[(?:" + kIpv6 + "|[vV][0-9A-Fa-f]+\\.[" + kUnreserved + kSubDelims + ":]+)\\]|" +
                             kIpv4 + "|" + reg_name + ")";
    const std::string authority = "(?:" + userinfo + "@)?" + host + "(?::\\d*)?";
    const std::string segment = kPchar + "*", segment_nz = kPchar + "+";
    const std::string hier = "(?://" + authority + "(?:/" + segment + ")*|/(?:" + segment_nz + "(?:/" + segment +
                             ")*)?|" + segment_nz + "(?:/" + segment + ")*|)";
    return "[A-Za-z][A-Za-z0-9+.\\-]*:" + hier + "(?:\\?(?:" + kPchar + "|[/?])*)?(?:#(?:" + kPchar + "|[/?])*)?";
  }
  return Status::Unsupported("format \"" + format + "\" at " + ptr +
                             " is not supported (date, time, date-time, email, uuid, ipv4, uri are)");
}

Result<ExprId> StringContent(Grammar* g, const Json& kw, const std::string& ptr) {
  ExprId any_char = EmitChars(g, {{0, 0x10FFFF}}, true);
  std::vector<ExprId> parts;
  int64_t lo = 0, hi = -1;
  for (const char* k : {"minLength", "maxLength"}) {
    if (!kw.contains(k)) continue;
    const Json& v = kw[k];
    if (!v.is_number_integer() && !(v.is_number_float() && std::floor(v.get<double>()) == v.get<double>())) {
      return Status::Invalid(std::string(k) + " at " + ptr + " must be a non-negative integer");
    }
    double x = v.get<double>();
    if (x < 0) return Status::Invalid(std::string(k) + " at " + ptr + " must be a non-negative integer");
    if (x > 100000) return Status::Unsupported(std::string(k) + " at " + ptr + " above 100000");
    (std::string(k) == "minLength" ? lo : hi) = int64_t(x);
  }
  if (lo > 0 || hi >= 0) parts.push_back(g->Repeat(any_char, int32_t(lo), int32_t(hi)));
  if (kw.contains("x-patterns")) {
    for (const Json& p : kw["x-patterns"]) {
      if (!p.is_string()) return Status::Invalid("pattern at " + ptr + " must be a string");
      auto e = CompileRegex(p.get<std::string>(), g, RegexOptions{true, true});
      if (!e.ok()) return e.status().WithContext("pattern at " + ptr);
      parts.push_back(*e);
    }
  }
  if (kw.contains("x-formats")) {
    for (const Json& f : kw["x-formats"]) {
      if (!f.is_string()) return Status::Invalid("format at " + ptr + " must be a string");
      auto re = FormatRegex(f.get<std::string>(), ptr);
      if (!re.ok()) return re.status();
      auto e = CompileRegex(*re, g, RegexOptions{true, false});
      if (!e.ok()) return Status::Internal("format regex: " + e.status().message());
      parts.push_back(*e);
    }
  }
  if (parts.empty()) return g->Star(any_char);
  return g->And(std::move(parts));
}

Result<ExprId> NumberExpr(Grammar* g, const Json& kw, bool integer_only, const std::string& ptr) {
  std::optional<Decimal> lo, hi;
  bool lo_strict = false, hi_strict = false;
  auto cmp = [](const Decimal& a, const Decimal& b) {  // -1, 0, 1
    auto mag = [](const Decimal& x, const Decimal& y) {
      if (x.int_digits.size() != y.int_digits.size()) return x.int_digits.size() < y.int_digits.size() ? -1 : 1;
      if (x.int_digits != y.int_digits) return x.int_digits < y.int_digits ? -1 : 1;
      if (x.frac != y.frac) return x.frac < y.frac ? -1 : 1;
      return 0;
    };
    if (a.neg != b.neg) return a.neg ? -1 : 1;
    int m = mag(a, b);
    return a.neg ? -m : m;
  };
  for (const char* k : {"minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"}) {
    if (!kw.contains(k)) continue;
    auto d = ToDecimal(kw[k], std::string(k) + " at " + ptr);
    if (!d.ok()) return d.status();
    const bool is_min = k[0] == 'm' ? std::string(k) == "minimum" : std::string(k) == "exclusiveMinimum";
    const bool strict = k[0] == 'e';
    auto& b = is_min ? lo : hi;
    bool& s = is_min ? lo_strict : hi_strict;
    int c = b ? cmp(*d, *b) : 0;
    if (!b || (is_min ? c > 0 : c < 0) || (c == 0 && strict)) {
      b = *d;
      s = strict;
    }
  }
  if (integer_only) {
    // Integer bounds: round inwards.
    auto to_int = [&](const Decimal& d, bool strict, bool is_lo) -> Result<int64_t> {
      if (d.int_digits.size() > 17) return Status::Unsupported("integer bounds beyond 1e17 at " + ptr);
      int64_t v = std::stoll(d.int_digits);
      if (d.neg) v = -v;
      const bool frac = !d.frac.empty();
      // floor and ceil of the decimal
      int64_t fl = frac && d.neg ? v - 1 : v, ce = frac && !d.neg ? v + 1 : v;
      if (is_lo) return strict ? fl + 1 : ce;
      return strict ? ce - 1 : fl;
    };
    std::optional<int64_t> a, b;
    if (lo) {
      auto x = to_int(*lo, lo_strict, true);
      if (!x.ok()) return x.status();
      a = *x;
    }
    if (hi) {
      auto x = to_int(*hi, hi_strict, false);
      if (!x.ok()) return x.status();
      b = *x;
    }
    if (a && b && *a > *b) return g->Nothing();
    std::vector<ExprId> alts;
    if (!b || *b >= 0) alts.push_back(NonNegative(g, std::to_string(a && *a > 0 ? *a : 0), b ? std::to_string(*b) : ""));
    if (!a || *a < 0) {
      int64_t ylo = b && *b < 0 ? -*b : 1;
      alts.push_back(g->Seq({g->Byte('-'), NonNegative(g, std::to_string(ylo), a ? std::to_string(-*a) : "")}));
    }
    return g->Alt(std::move(alts));
  }
  ExprId digit = Digit(g, 0, 9);
  ExprId int_part = g->Alt({g->Byte('0'), g->Seq({Digit(g, 1, 9), g->Star(digit)})});
  if (!lo && !hi) {
    // Full JSON number syntax.
    ExprId frac = g->Opt(g->Seq({g->Byte('.'), g->Plus(digit)}));
    ExprId exp = g->Opt(g->Seq({g->Bytes({{'e', 'e'}, {'E', 'E'}}), g->Opt(g->Bytes({{'+', '+'}, {'-', '-'}})), g->Plus(digit)}));
    return g->Seq({g->Opt(g->Byte('-')), int_part, frac, exp});
  }
  // Bounded: decimals without exponent, split by sign.
  if (lo && hi && (cmp(*lo, *hi) > 0 || (cmp(*lo, *hi) == 0 && (lo_strict || hi_strict)))) return g->Nothing();
  std::vector<ExprId> alts;
  Decimal zero;
  if (!hi || !hi->neg) {
    // y >= 0 with max(lo, 0) <= y <= hi.
    bool use_lo = lo && !lo->neg;
    alts.push_back(AbsDecimal(g, use_lo ? *lo : zero, use_lo && lo_strict, hi, hi_strict));
  }
  if (!lo || lo->neg) {
    // x = -y, y > 0, with -hi <= y <= -lo.
    std::optional<Decimal> ymax;
    if (lo) {
      ymax = *lo;
      ymax->neg = false;
    }
    Decimal ymin = zero;
    bool ymin_strict = true;
    if (hi && hi->neg) {
      ymin = *hi;
      ymin.neg = false;
      ymin_strict = hi_strict;
    }
    alts.push_back(g->Seq({g->Byte('-'), AbsDecimal(g, ymin, ymin_strict, ymax, lo_strict)}));
  }
  return g->Alt(std::move(alts));
}

bool ValueOk(const Json& kw, const Json& v) {
  // The caller has checked the type.
  auto has_type = [](const std::string&) { return true; };
  if (v.is_null()) return has_type("null");
  if (v.is_boolean()) return has_type("boolean");
  if (v.is_number()) {
    const double x = v.get<double>();
    auto num = [&](const char* k) { return kw[k].get<double>(); };
    if (kw.contains("minimum") && !(x >= num("minimum"))) return false;
    if (kw.contains("maximum") && !(x <= num("maximum"))) return false;
    if (kw.contains("exclusiveMinimum") && !(x > num("exclusiveMinimum"))) return false;
    if (kw.contains("exclusiveMaximum") && !(x < num("exclusiveMaximum"))) return false;
    return true;
  }
  if (v.is_string()) {
    if (!has_type("string")) return false;
    const int64_t n = CountCodePoints(v.get<std::string>());
    if (kw.contains("minLength") && n < kw["minLength"].get<int64_t>()) return false;
    if (kw.contains("maxLength") && n > kw["maxLength"].get<int64_t>()) return false;
    return true;
  }
  if (v.is_array()) {
    if (!has_type("array")) return false;
    const int64_t n = int64_t(v.size());
    if (kw.contains("minItems") && n < kw["minItems"].get<int64_t>()) return false;
    if (kw.contains("maxItems") && n > kw["maxItems"].get<int64_t>()) return false;
    return true;
  }
  if (!has_type("object")) return false;
  if (kw.contains("required")) {
    for (const Json& r : kw["required"]) {
      if (r.is_string() && !v.contains(r.get<std::string>())) return false;
    }
  }
  return true;
}

}  // namespace schema_internal

namespace {

void AppendString(const std::string& s, std::string* out) {
  static const char* kHex = "0123456789abcdef";
  out->push_back('"');
  for (char c : s) {
    const uint8_t u = uint8_t(c);
    switch (c) {
      case '"': *out += "\\\""; break;
      case '\\': *out += "\\\\"; break;
      case '\b': *out += "\\b"; break;
      case '\f': *out += "\\f"; break;
      case '\n': *out += "\\n"; break;
      case '\r': *out += "\\r"; break;
      case '\t': *out += "\\t"; break;
      default:
        if (u < 0x20) {
          *out += "\\u00";
          out->push_back(kHex[u >> 4]);
          out->push_back(kHex[u & 15]);
        } else {
          out->push_back(c);
        }
    }
  }
  out->push_back('"');
}

void Append(const nlohmann::ordered_json& v, bool sort_keys, std::string* out) {
  switch (v.type()) {
    case nlohmann::ordered_json::value_t::object: {
      std::vector<std::pair<std::string, const nlohmann::ordered_json*>> members;
      for (auto it = v.begin(); it != v.end(); ++it) members.emplace_back(it.key(), &it.value());
      if (sort_keys) std::sort(members.begin(), members.end(), [](auto& a, auto& b) { return a.first < b.first; });
      out->push_back('{');
      for (size_t i = 0; i < members.size(); ++i) {
        if (i) out->push_back(',');
        AppendString(members[i].first, out);
        out->push_back(':');
        Append(*members[i].second, sort_keys, out);
      }
      out->push_back('}');
      return;
    }
    case nlohmann::ordered_json::value_t::array:
      out->push_back('[');
      for (size_t i = 0; i < v.size(); ++i) {
        if (i) out->push_back(',');
        Append(v[i], sort_keys, out);
      }
      out->push_back(']');
      return;
    case nlohmann::ordered_json::value_t::string: AppendString(v.get<std::string>(), out); return;
    case nlohmann::ordered_json::value_t::number_float: {
      const double x = v.get<double>();
      // An integral value is written as an integer (JSON Schema treats
      // 1.0 as the integer 1); int64 holds it exactly below 9.2e18.
      if (std::isfinite(x) && std::floor(x) == x && std::fabs(x) < 9.2e18) {
        *out += std::to_string(int64_t(x));
        return;
      }
      *out += v.dump();
      return;
    }
    default: *out += v.dump(); return;
  }
}

}  // namespace

std::string CanonicalJson(const nlohmann::ordered_json& value, bool sort_keys) {
  std::string out;
  Append(value, sort_keys, &out);
  return out;
}

}  // namespace lithium::grammar
