// jinja2's builtin filters, as far as chat templates use them, and the
// tojson that Hugging Face installs in their place (json.dumps with
// ensure_ascii=False rather than jinja2's HTML-safe variant). Each follows
// jinja2 3.1's filters.py, including its quirks ("42.5"|int is 42, a
// missing attribute in selectattr is Undefined, sort ignores case).
// Tests and globals are in jinja_globals.cc.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "src/tokenizer/jinja_eval.h"

namespace lithium::tokenizer::jinja {
namespace {

constexpr std::string_view kFilters[] = {
    "abs",    "attr",  "capitalize", "center",  "count",  "d",       "default", "dictsort", "e",
    "escape", "first", "float",      "format",  "indent", "int",     "items",   "join",     "last",
    "length", "list",  "lower",      "map",     "max",    "min",     "reject",  "rejectattr", "replace",
    "reverse", "round", "safe",      "select",  "selectattr", "sort", "string", "sum",      "title",
    "tojson", "trim",  "unique",     "upper",   "wordcount",
};

// The value of an optional parameter, or its default.
Value Or(const std::optional<Value>& v, Value def) { return v ? *v : std::move(def); }

// jinja2's make_attrgetter: "a.b.0" looks up a, then b, then item 0, each
// with getitem semantics.
Result<Value> GetPath(Evaluator& ev, const Value& item, const Value& attribute) {
  if (attribute.is_integral()) return ev.GetItem(item, attribute);
  const std::string path = ToStr(attribute);
  Value cur = item;
  size_t start = 0;
  while (true) {
    const size_t dot = path.find('.', start);
    const std::string part = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    const bool digits = !part.empty() && std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; });
    Value key = digits && part.size() < 18 ? Value::Int(std::atoll(part.c_str())) : Value::String(part);
    LI_ASSIGN_OR_RETURN(cur, ev.GetItem(cur, key));
    if (dot == std::string::npos) return cur;
    start = dot + 1;
  }
}

// The sort key of sort, unique, min, max and dictsort: case folded unless
// case_sensitive.
Result<Value> SortKey(Evaluator& ev, const Value& item, const std::optional<Value>& attribute, bool case_sensitive) {
  Value key = item;
  if (attribute && !attribute->is_none()) {
    LI_ASSIGN_OR_RETURN(key, GetPath(ev, item, *attribute));
  }
  if (!case_sensitive && key.is_string()) return Value::String(PyLower(key.str()));
  return key;
}

// A stable sort by precomputed keys; Python's sorted with reverse=True also
// keeps equal items in their original order.
Result<List> SortedBy(const List& items, const List& keys, bool reverse) {
  std::vector<size_t> order(items.size());
  for (size_t k = 0; k < order.size(); ++k) order[k] = k;
  Status error;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (!error.ok()) return false;
    auto r = reverse ? Less(keys[b], keys[a]) : Less(keys[a], keys[b]);
    if (!r.ok()) {
      error = r.status();
      return false;
    }
    return *r;
  });
  LI_RETURN_IF_ERROR(error);
  List out;
  for (size_t k : order) out.push_back(items[k]);
  return out;
}

// Python's int(str, base): surrounding whitespace, a sign, underscores
// between digits, and a 0x/0o/0b prefix matching the base.
std::optional<int64_t> ParseInt(std::string_view s, int base) {
  std::string t = PyStrip(s, Value::None(), true, true);
  size_t p = 0;
  bool neg = false;
  if (p < t.size() && (t[p] == '+' || t[p] == '-')) neg = t[p++] == '-';
  if (p + 1 < t.size() && t[p] == '0') {
    const char x = static_cast<char>(t[p + 1] | 0x20);
    if ((x == 'x' && base == 16) || (x == 'o' && base == 8) || (x == 'b' && base == 2)) p += 2;
  }
  if (p >= t.size() || base < 2 || base > 36) return std::nullopt;
  int64_t v = 0;
  bool prev_digit = false;
  for (; p < t.size(); ++p) {
    const char c = t[p];
    if (c == '_' && prev_digit && p + 1 < t.size() && t[p + 1] != '_') {
      prev_digit = false;
      continue;
    }
    int d = -1;
    if (c >= '0' && c <= '9') d = c - '0';
    else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') d = (c | 0x20) - 'a' + 10;
    if (d < 0 || d >= base) return std::nullopt;
    if (__builtin_mul_overflow(v, base, &v) || __builtin_add_overflow(v, d, &v)) return std::nullopt;
    prev_digit = true;
  }
  if (!prev_digit) return std::nullopt;
  return neg ? -v : v;
}

// Python's float(str).
std::optional<double> ParseFloat(std::string_view s) {
  std::string t = PyStrip(s, Value::None(), true, true);
  std::string clean;
  for (size_t k = 0; k < t.size(); ++k) {
    const char c = t[k];
    if (c == '_') {
      if (k == 0 || k + 1 >= t.size() || !std::isdigit(static_cast<unsigned char>(t[k - 1])) ||
          !std::isdigit(static_cast<unsigned char>(t[k + 1]))) {
        return std::nullopt;
      }
      continue;
    }
    if (c == 'x' || c == 'X' || c == '(') return std::nullopt;  // strtod's hex and nan(...) forms
    clean += c;
  }
  if (clean.empty()) return std::nullopt;
  char* end = nullptr;
  const double d = std::strtod(clean.c_str(), &end);
  if (end != clean.c_str() + clean.size()) return std::nullopt;
  return d;
}

// Python's round(x, ndigits) for floats: correctly rounded, ties to even on
// the exact binary value, which is what printf's %.*f gives.
double RoundFloat(double x, int64_t ndigits) {
  if (!std::isfinite(x)) return x;
  if (ndigits >= 0) {
    if (ndigits > 300) return x;
    char buf[512];
    std::snprintf(buf, sizeof(buf), "%.*f", static_cast<int>(ndigits), x);
    return std::strtod(buf, nullptr);
  }
  const double p = std::pow(10.0, static_cast<double>(-ndigits));
  return std::nearbyint(x / p) * p;
}

}  // namespace

Result<Value> PercentFormat(const std::string& fmt, const CallArgs& args, bool lenient) {
  std::string out;
  size_t next = 0;
  for (size_t k = 0; k < fmt.size(); ++k) {
    if (fmt[k] != '%') {
      out += fmt[k];
      continue;
    }
    if (++k >= fmt.size()) return Status::Invalid("incomplete format");
    int precision = -1;
    if (fmt[k] == '.') {
      precision = 0;
      while (++k < fmt.size() && fmt[k] >= '0' && fmt[k] <= '9') precision = precision * 10 + (fmt[k] - '0');
      if (k >= fmt.size()) return Status::Invalid("incomplete format");
    }
    const char c = fmt[k];
    if (c == '%') {
      out += '%';
      continue;
    }
    if (std::string_view("srdif").find(c) == std::string_view::npos) {
      return Status::Unsupported(std::string("unsupported: format conversion '%") + c + "'");
    }
    if (next >= args.args.size()) return Status::Invalid("not enough arguments for format string");
    const Value& v = args.args[next++];
    if (c == 's') {
      out += ToStr(v);
    } else if (c == 'r') {
      out += Repr(v);
    } else if (!v.is_number()) {
      return Status::Invalid(std::string("%") + c + " format: a real number is required, not " + v.TypeName());
    } else if (c == 'f') {
      char buf[512];
      std::snprintf(buf, sizeof(buf), "%.*f", precision < 0 ? 6 : std::min(precision, 300), v.number());
      out += buf;
    } else {
      out += std::to_string(v.is_integral() ? v.int_value() : static_cast<int64_t>(v.number()));
    }
  }
  if (next < args.args.size() && !(lenient && next == 0)) {
    return Status::Invalid("not all arguments converted during string formatting");
  }
  return Value::String(std::move(out));
}

namespace {

std::string HtmlEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&#34;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

// select / reject / selectattr / rejectattr.
Result<Value> SelectReject(Evaluator& ev, const Value& v, CallArgs& a, bool select, bool by_attr) {
  LI_ASSIGN_OR_RETURN(List items, ev.Iterate(v));
  size_t off = 0;
  Value attribute;
  if (by_attr) {
    if (a.args.empty()) return Status::Invalid("missing parameter for attribute name");
    attribute = a.args[0];
    off = 1;
  }
  std::string test;
  CallArgs targs;
  if (a.args.size() > off) {
    test = ToStr(a.args[off]);
    if (!IsKnownTest(test)) return Status::Unsupported("unsupported test '" + test + "'");
    targs.args.assign(a.args.begin() + static_cast<std::ptrdiff_t>(off) + 1, a.args.end());
    targs.kwargs = a.kwargs;
  }
  List out;
  for (const Value& item : items) {
    Value x = item;
    if (by_attr) {
      LI_ASSIGN_OR_RETURN(x, GetPath(ev, item, attribute));
    }
    bool pass;
    if (test.empty()) {
      pass = x.Truthy();
    } else {
      CallArgs copy = targs;
      LI_ASSIGN_OR_RETURN(pass, ApplyTest(ev, test, x, copy));
    }
    if (pass == select) out.push_back(item);
  }
  return Value::MakeList(std::move(out));
}

Result<Value> MapFilter(Evaluator& ev, const Value& v, CallArgs& a) {
  LI_ASSIGN_OR_RETURN(List items, ev.Iterate(v));
  List out;
  const Value* attribute = nullptr;
  const Value* def = nullptr;
  for (const auto& [k, val] : a.kwargs) {
    if (k == "attribute") attribute = &val;
    if (k == "default") def = &val;
  }
  if (a.args.empty() && attribute != nullptr) {
    for (const Value& item : items) {
      LI_ASSIGN_OR_RETURN(Value x, GetPath(ev, item, *attribute));
      if (x.is_undefined() && def != nullptr) x = *def;
      out.push_back(std::move(x));
    }
    return Value::MakeList(std::move(out));
  }
  if (a.args.empty()) return Status::Invalid("map requires a filter argument");
  const std::string name = ToStr(a.args[0]);
  if (!IsKnownFilter(name)) return Status::Unsupported("unsupported filter '" + name + "'");
  CallArgs fargs;
  fargs.args.assign(a.args.begin() + 1, a.args.end());
  fargs.kwargs = a.kwargs;
  for (const Value& item : items) {
    CallArgs copy = fargs;
    LI_ASSIGN_OR_RETURN(Value x, ApplyFilter(ev, name, item, copy));
    out.push_back(std::move(x));
  }
  return Value::MakeList(std::move(out));
}

Result<Value> Length(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kUndefined: return Value::Int(0);
    case Value::Kind::kString: return Value::Int(static_cast<int64_t>(CountCodePoints(v.str())));
    case Value::Kind::kList: return Value::Int(static_cast<int64_t>(v.list().size()));
    case Value::Kind::kDict: return Value::Int(static_cast<int64_t>(v.dict().items.size()));
    default: return Status::Invalid(std::string("object of type '") + v.TypeName() + "' has no len()");
  }
}

Result<Value> ToJsonFilter(const Value& v, CallArgs& a) {
  LI_ASSIGN_OR_RETURN(auto p, BindArgs(a, "tojson", {"ensure_ascii", "indent", "separators", "sort_keys"}));
  JsonOptions o;
  o.ensure_ascii = p[0] && p[0]->Truthy();
  if (p[1] && !p[1]->is_none()) {
    if (p[1]->is_integral()) o.indent = static_cast<int>(std::clamp<int64_t>(p[1]->int_value(), 0, 1000));
    else if (p[1]->is_string()) o.indent_text = p[1]->str(), o.indent = 0;
    else return Status::Invalid("tojson: indent must be an int or a str");
  }
  if (p[2] && !p[2]->is_none()) {
    if (!p[2]->is_list() || p[2]->list().size() != 2 || !p[2]->list()[0].is_string() || !p[2]->list()[1].is_string()) {
      return Status::Invalid("tojson: separators must be a pair of strings");
    }
    o.has_separators = true;
    o.item_sep = p[2]->list()[0].str();
    o.key_sep = p[2]->list()[1].str();
  }
  o.sort_keys = p[3] && p[3]->Truthy();
  LI_ASSIGN_OR_RETURN(std::string s, ToJson(v, o));
  return Value::String(std::move(s));
}

}  // namespace

bool IsKnownFilter(std::string_view name) {
  return std::find(std::begin(kFilters), std::end(kFilters), name) != std::end(kFilters);
}

Result<Value> ApplyFilter(Evaluator& ev, const std::string& name, const Value& v, CallArgs& a) {
  const std::string& f = name;
  if (f == "default" || f == "d") {
    LI_ASSIGN_OR_RETURN(auto p, BindArgs(a, f, {"default_value", "boolean"}));
    const bool boolean = p[1] && p[1]->Truthy();
    if (v.is_undefined() || (boolean && !v.Truthy())) return Or(p[0], Value::String(""));
    return v;
  }
  if (f == "length" || f == "count") {
    LI_RETURN_IF_ERROR(BindArgs(a, f, {}).status());
    return Length(v);
  }
  if (f == "tojson") return ToJsonFilter(v, a);
  if (f == "trim") {
    LI_ASSIGN_OR_RETURN(auto p, BindArgs(a, f, {"chars"}));
    return Value::String(PyStrip(ToStr(v), Or(p[0], Value::None()), true, true));
  }
  if (f == "upper" || f == "lower" || f == "capitalize" || f == "string" || f == "safe" || f == "escape" ||
      f == "e" || f == "wordcount") {
    LI_RETURN_IF_ERROR(BindArgs(a, f, {}).status());
    const std::string s = ToStr(v);
    if (f == "upper") return Value::String(PyUpper(s));
    if (f == "lower") return Value::String(PyLower(s));
    if (f == "escape" || f == "e") return Value::String(HtmlEscape(s));
    if (f == "capitalize") {
      Value cap;
      FindMethod(Value::String(s), "capitalize", &cap);
      CallArgs none;
      return ev.Call(cap, none);
    }
    if (f == "wordcount") {
      // len(re.findall(r"\w+", s)): runs of letters, digits and '_'.
      int64_t n = 0;
      bool in_word = false;
      size_t pos = 0;
      while (pos < s.size()) {
        const uint32_t c = DecodeCodePoint(s, &pos);
        const bool w = c == '_' || (c < 0x80 ? std::isalnum(static_cast<int>(c)) != 0 : !IsPyWhitespace(c));
        if (w && !in_word) ++n;
        in_word = w;
      }
      return Value::Int(n);
    }
    return Value::String(s);
  }
  if (f == "title") {
    LI_RETURN_IF_ERROR(BindArgs(a, f, {}).status());
    // jinja2's own title: words start after runs of '-', whitespace, '(',
    // '{', '[' or '<', and each piece is capitalized.
    const std::vector<std::string> cps = SplitCodePoints(ToStr(v));
    std::string out, piece;
    auto flush = [&] {
      if (piece.empty()) return;
      const std::vector<std::string> pc = SplitCodePoints(piece);
      out += PyUpper(pc[0]);
      std::string rest;
      for (size_t k = 1; k < pc.size(); ++k) rest += pc[k];
      out += PyLower(rest);
      piece.clear();
    };
    bool prev_sep = false;
    for (const auto& c : cps) {
      size_t p = 0;
      const uint32_t cp = DecodeCodePoint(c, &p);
      const bool sep = cp == '-' || cp == '(' || cp == '{' || cp == '[' || cp == '<' || IsPyWhitespace(cp);
      if (sep != prev_sep) flush();
      piece += c;
      prev_sep = sep;
    }
    flush();
    return Value::String(std::move(out));
  }
  if (f == "replace") {
    LI_ASSIGN_OR_RETURN(auto p, BindArgs(a, f, {"old", "new", "count"}));
    if (!p[0] || !p[1]) return Status::Invalid("replace() needs old and new");
    const int64_t count = p[2] && p[2]->is_integral() ? p[2]->int_value() : -1;
    std::string r = PyReplace(ToStr(v), ToStr(*p[0]), ToStr(*p[1]), count);
    LI_RETURN_IF_ERROR(ev.CheckSize(r.size()));
    return Value::String(std::move(r));
  }
  if (f == "first" || f == "last") {
    LI_RETURN_IF_ERROR(BindArgs(a, f, {}).status());
    LI_ASSIGN_OR_RETURN(List items, ev.Iterate(v));
    if (items.empty()) return Value::Undefined("No " + f + " item, sequence was empty.");
    return f == "first" ? items.front() : items.back();
  }
  if (f == "list") {
    LI_RETURN_IF_ERROR(BindArgs(a, f, {}).status());
    LI_ASSIGN_OR_RETURN(List items, ev.Iterate(v));
    return Value::MakeList(std::move(items));
  }
  if (f == "items") {
    LI_RETURN_IF_ERROR(BindArgs(a, f, {}).status());
    if (v.is_undefined()) return Value::MakeList({});
    if (!v.is_dict()) return Status::Invalid("Can only get item pairs from a mapping.");
    List out;
    for (const auto& [k, x] : v.dict().items) out.push_back(Value::MakeList({Value::String(k), x}, true));
    return Value::MakeList(std::move(out));
  }
  if (f == "join") {
    LI_ASSIGN_OR_RETURN(auto p, BindArgs(a, f, {"d", "attribute"}));
    LI_ASSIGN_OR_RETURN(List items, ev.Iterate(v));
    const std::string sep = p[0] ? ToStr(*p[0]) : "";
    std::string out;
    for (size_t k = 0; k < items.size(); ++k) {
      Value x = items[k];
      if (p[1] && !p[1]->is_none()) {
        LI_ASSIGN_OR_RETURN(x, GetPath(ev, items[k], *p[1]));
      }
      if (k) out += sep;
      out += ToStr(x);
      LI_RETURN_IF_ERROR(ev.CheckSize(out.size()));
    }
    return Value::String(std::move(out));
  }
  if (f == "reverse") {
    LI_RETURN_IF_ERROR(BindArgs(a, f, {}).status());
    if (v.is_string()) {
      std::vector<std::string> cps = SplitCodePoints(v.str());
      std::string out;
      for (auto it = cps.rbegin(); it != cps.rend(); ++it) out += *it;
      return Value::String(std::move(out));
    }
    LI_ASSIGN_OR_RETURN(List items, ev.Iterate(v));
    std::reverse(items.begin(), items.end());
    return Value::MakeList(std::move(items));
  }
  if (f == "map") return MapFilter(ev, v, a);
  if (f == "select" || f == "reject") return SelectReject(ev, v, a, f == "select", false);
  if (f == "selectattr" || f == "rejectattr") return SelectReject(ev, v, a, f == "selectattr", true);
  if (f == "sort" || f == "unique" || f == "min" || f == "max") {
    std::optional<Value> reverse, case_sensitive, attribute;
    if (f == "sort") {
      LI_ASSIGN_OR_RETURN(auto p, BindArgs(a, f, {"reverse", "case_sensitive", "attribute"}));
      reverse = p[0], case_sensitive = p[1], attribute = p[2];
    } else {
      LI_ASSIGN_OR_RETURN(auto p, BindArgs(a, f, {"case_sensitive", "attribute"}));
      case_sensitive = p[0], attribute = p[1];
    }
    LI_ASSIGN_OR_RETURN(List items, ev.Iterate(v));
    List keys;
    for (const Value& item : items) {
      LI_ASSIGN_OR_RETURN(Value key, SortKey(ev, item, attribute, case_sensitive && case_sensitive->Truthy()));
      keys.push_back(std::move(key));
    }
    if (f == "sort") {
      LI_ASSIGN_OR_RETURN(List sorted, SortedBy(items, keys, reverse && reverse->Truthy()));
      return Value::MakeList(std::move(sorted));
    }
    if (f == "unique") {
      List out, seen;
      for (size_t k = 0; k < items.size(); ++k) {
        bool dup = false;
        for (const Value& s : seen) dup = dup || Equal(s, keys[k]);
        if (dup) continue;
        seen.push_back(keys[k]);
        out.push_back(items[k]);
      }
      return Value::MakeList(std::move(out));
    }
    if (items.empty()) return Value::Undefined("No aggregated item, sequence was empty.");
    size_t best = 0;
    for (size_t k = 1; k < items.size(); ++k) {
      LI_ASSIGN_OR_RETURN(bool better, f == "min" ? Less(keys[k], keys[best]) : Less(keys[best], keys[k]));
      if (better) best = k;
    }
    return items[best];
  }
  if (f == "dictsort") {
    LI_ASSIGN_OR_RETURN(auto p, BindArgs(a, f, {"case_sensitive", "by", "reverse"}));
    if (!v.is_dict()) return Status::Invalid("dictsort: value must be a dict");
    const bool by_value = p[1] && ToStr(*p[1]) == "value";
    List items, keys;
    for (const auto& [k, x] : v.dict().items) {
      items.push_back(Value::MakeList({Value::String(k), x}, true));
      Value key = by_value ? x : Value::String(k);
      if (!(p[0] && p[0]->Truthy()) && key.is_string()) key = Value::String(PyLower(key.str()));
      keys.push_back(std::move(key));
    }
    LI_ASSIGN_OR_RETURN(List sorted, SortedBy(items, keys, p[2] && p[2]->Truthy()));
    return Value::MakeList(std::move(sorted));
  }
  if (f == "sum") {
    LI_ASSIGN_OR_RETURN(auto p, BindArgs(a, f, {"attribute", "start"}));
    LI_ASSIGN_OR_RETURN(List items, ev.Iterate(v));
    Value total = Or(p[1], Value::Int(0));
    for (const Value& item : items) {
      Value x = item;
      if (p[0] && !p[0]->is_none()) {
        LI_ASSIGN_OR_RETURN(x, GetPath(ev, item, *p[0]));
      }
      if (!x.is_number() || !total.is_number()) {
        return Status::Invalid(std::string("unsupported operand type(s) for +: '") + total.TypeName() + "' and '" +
                               x.TypeName() + "'");
      }
      int64_t r;
      if (total.is_integral() && x.is_integral() && !__builtin_add_overflow(total.int_value(), x.int_value(), &r)) {
        total = Value::Int(r);
      } else {
        total = Value::Float(total.number() + x.number());
      }
    }
    return total;
  }
  if (f == "int") {
    LI_ASSIGN_OR_RETURN(auto p, BindArgs(a, f, {"default", "base"}));
    const Value def = Or(p[0], Value::Int(0));
    const int base = p[1] && p[1]->is_integral() ? static_cast<int>(p[1]->int_value()) : 10;
    // int(Undefined) raises in jinja2, which only catches TypeError and
    // ValueError here.
    if (v.is_undefined()) return Status::Invalid(v.str());
    if (v.is_integral()) return Value::Int(v.int_value());
    if (v.is_float()) {
      if (!std::isfinite(v.number()) || std::fabs(v.number()) >= 9.2e18) return Status::Invalid("cannot convert float to integer");
      return Value::Int(static_cast<int64_t>(v.number()));
    }
    if (v.is_string()) {
      if (auto i = ParseInt(v.str(), base)) return Value::Int(*i);
      // jinja2 retries through float, so "42.5"|int is 42.
      if (auto d = ParseFloat(v.str()); d && std::isfinite(*d) && std::fabs(*d) < 9.2e18) {
        return Value::Int(static_cast<int64_t>(*d));
      }
    }
    return def;
  }
  if (f == "float") {
    LI_ASSIGN_OR_RETURN(auto p, BindArgs(a, f, {"default"}));
    if (v.is_undefined()) return Status::Invalid(v.str());
    if (v.is_number()) return Value::Float(v.number());
    if (v.is_string()) {
      if (auto d = ParseFloat(v.str())) return Value::Float(*d);
    }
    return Or(p[0], Value::Float(0.0));
  }
  if (f == "abs") {
    LI_RETURN_IF_ERROR(BindArgs(a, f, {}).status());
    if (v.is_integral()) {
      if (v.int_value() == INT64_MIN) return Status::OutOfRange("integer overflow");
      return Value::Int(v.int_value() < 0 ? -v.int_value() : v.int_value());
    }
    if (v.is_float()) return Value::Float(std::fabs(v.number()));
    return Status::Invalid(std::string("bad operand type for abs(): '") + v.TypeName() + "'");
  }
  if (f == "round") {
    LI_ASSIGN_OR_RETURN(auto p, BindArgs(a, f, {"precision", "method"}));
    const int64_t precision = p[0] && p[0]->is_integral() ? p[0]->int_value() : 0;
    const std::string method = p[1] ? ToStr(*p[1]) : "common";
    if (method != "common" && method != "ceil" && method != "floor") {
      return Status::Invalid("method must be common, ceil or floor");
    }
    if (!v.is_number()) return Status::Invalid(std::string("type ") + v.TypeName() + " doesn't define __round__ method");
    if (method == "common") {
      if (v.is_integral() && precision >= 0) return Value::Int(v.int_value());
      const double r = RoundFloat(v.number(), precision);
      if (v.is_integral()) return Value::Int(static_cast<int64_t>(r));
      return Value::Float(r);
    }
    const double scale = std::pow(10.0, static_cast<double>(precision));
    const double x = v.number() * scale;
    return Value::Float((method == "ceil" ? std::ceil(x) : std::floor(x)) / scale);
  }
  if (f == "center") {
    LI_ASSIGN_OR_RETURN(auto p, BindArgs(a, f, {"width"}));
    Value center;
    FindMethod(Value::String(ToStr(v)), "center", &center);
    CallArgs ca;
    ca.args.push_back(Or(p[0], Value::Int(80)));
    return ev.Call(center, ca);
  }
  if (f == "indent") {
    LI_ASSIGN_OR_RETURN(auto p, BindArgs(a, f, {"width", "first", "blank"}));
    if (!v.is_string()) {
      return Status::Invalid(std::string("indent: unsupported operand type(s) for +=: '") + v.TypeName() + "' and 'str'");
    }
    const Value width = Or(p[0], Value::Int(4));
    std::string unit;
    if (width.is_string()) {
      unit = width.str();
    } else if (width.is_integral()) {
      LI_RETURN_IF_ERROR(ev.CheckSize(static_cast<size_t>(std::max<int64_t>(width.int_value(), 0))));
      unit = std::string(static_cast<size_t>(std::max<int64_t>(width.int_value(), 0)), ' ');
    } else {
      return Status::Invalid("indent: width must be an int or a str");
    }
    // jinja2 appends a newline first so that splitlines keeps a trailing
    // empty line.
    const std::vector<std::string> lines = PySplitLines(v.str() + "\n", false);
    std::string out;
    const bool blank = p[2] && p[2]->Truthy();
    for (size_t k = 0; k < lines.size(); ++k) {
      if (k) out += "\n";
      if (k > 0 && (blank || !lines[k].empty())) out += unit;
      out += lines[k];
      LI_RETURN_IF_ERROR(ev.CheckSize(out.size()));
    }
    if (p[1] && p[1]->Truthy()) out = unit + out;
    return Value::String(std::move(out));
  }
  if (f == "format") {
    if (!a.kwargs.empty()) return Status::Unsupported("unsupported: format with keyword arguments");
    return PercentFormat(ToStr(v), a, false);
  }
  if (f == "attr") {
    LI_ASSIGN_OR_RETURN(auto p, BindArgs(a, f, {"name"}));
    if (!p[0]) return Status::Invalid("attr() needs a name");
    if (v.is_undefined()) return ev.GetAttr(v, ToStr(*p[0]));
    const std::string n = ToStr(*p[0]);
    Value m;
    if (v.is_namespace()) {
      if (const Value* x = v.ns().Find(n)) return *x;
    } else if (FindMethod(v, n, &m)) {
      return m;
    }
    return Value::Undefined(std::string("'") + v.TypeName() + " object' has no attribute '" + n + "'");
  }
  return Status::Unsupported("unsupported filter '" + f + "'");
}

}  // namespace lithium::tokenizer::jinja
