// Methods that templates call on values ("x".strip(), d.items(), ...) and
// the Python string operations behind them and behind the filters. Python
// strings count code points, so every index and length here is in code
// points, not UTF-8 bytes.
#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "src/tokenizer/jinja_eval.h"

namespace lithium::tokenizer::jinja {
namespace {

// Simple case mappings (one code point to one) for the scripts a chat is
// most likely to hold; ß uppercases to "SS" separately.
uint32_t UpperCp(uint32_t c) {
  if (c >= 'a' && c <= 'z') return c - 32;
  if (c < 0x80) return c;
  if (c >= 0xE0 && c <= 0xFE && c != 0xF7) return c - 32;
  if (c == 0xFF) return 0x178;
  if (c == 0xB5) return 0x39C;
  if ((c >= 0x100 && c <= 0x137) || (c >= 0x14A && c <= 0x177)) return (c & 1) ? c - 1 : c;
  if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E)) return (c & 1) ? c : c - 1;
  if (c == 0x3C2) return 0x3A3;
  if (c >= 0x3B1 && c <= 0x3CB) return c - 32;
  if (c >= 0x430 && c <= 0x44F) return c - 32;
  if (c >= 0x450 && c <= 0x45F) return c - 80;
  return c;
}

uint32_t LowerCp(uint32_t c) {
  if (c >= 'A' && c <= 'Z') return c + 32;
  if (c < 0x80) return c;
  if (c >= 0xC0 && c <= 0xDE && c != 0xD7) return c + 32;
  if (c == 0x178) return 0xFF;
  if ((c >= 0x100 && c <= 0x137) || (c >= 0x14A && c <= 0x177)) return (c & 1) ? c : c + 1;
  if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E)) return (c & 1) ? c + 1 : c;
  if (c >= 0x391 && c <= 0x3AB && c != 0x3A2) return c + 32;
  if (c >= 0x410 && c <= 0x42F) return c + 32;
  if (c >= 0x400 && c <= 0x40F) return c + 80;
  return c;
}

bool IsCased(uint32_t c) { return UpperCp(c) != c || LowerCp(c) != c || c == 0xDF; }
bool IsUpperCp(uint32_t c) { return LowerCp(c) != c; }
bool IsLowerCp(uint32_t c) { return UpperCp(c) != c || c == 0xDF; }
bool IsDigitCp(uint32_t c) { return c >= '0' && c <= '9'; }
// An approximation of str.isalpha beyond ASCII: letters of the mapped
// scripts, and any code point from U+00C0 up outside the punctuation,
// symbol and space blocks.
bool IsAlphaCp(uint32_t c) {
  if (c < 0x80) return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  if (IsCased(c)) return true;
  if (c < 0xC0 || c == 0xD7 || c == 0xF7 || IsPyWhitespace(c)) return false;
  return !((c >= 0x2000 && c <= 0x2BFF) || (c >= 0x3000 && c <= 0x303F) || (c >= 0xFF00 && c <= 0xFF20));
}

std::vector<uint32_t> Decode(std::string_view s) {
  std::vector<uint32_t> out;
  size_t pos = 0;
  while (pos < s.size()) out.push_back(DecodeCodePoint(s, &pos));
  return out;
}

std::string Encode(const std::vector<uint32_t>& cps, size_t from = 0, size_t to = std::string::npos) {
  std::string out;
  to = std::min(to, cps.size());
  for (size_t k = from; k < to; ++k) AppendUtf8(cps[k], &out);
  return out;
}

// str.title(): a cased character after an uncased one is uppercased, other
// cased characters lowercased.
std::string PyTitle(std::string_view s) {
  std::string out;
  bool prev_cased = false;
  for (uint32_t c : Decode(s)) {
    if (!prev_cased && c == 0xDF) out += "Ss";
    else AppendUtf8(prev_cased ? LowerCp(c) : UpperCp(c), &out);
    prev_cased = IsCased(c);
  }
  return out;
}

std::string PyCapitalize(std::string_view s) {
  std::vector<uint32_t> cps = Decode(s);
  std::string out;
  for (size_t k = 0; k < cps.size(); ++k) {
    if (k == 0 && cps[0] == 0xDF) out += "Ss";
    else AppendUtf8(k == 0 ? UpperCp(cps[k]) : LowerCp(cps[k]), &out);
  }
  return out;
}

// Byte offset to code point index, for find() and index().
int64_t CpIndex(std::string_view s, size_t byte_pos) {
  return static_cast<int64_t>(CountCodePoints(s.substr(0, byte_pos)));
}

template <typename Pred>
bool AllOf(std::string_view s, Pred pred) {
  std::vector<uint32_t> cps = Decode(s);
  if (cps.empty()) return false;
  return std::all_of(cps.begin(), cps.end(), pred);
}

// str.format with "{}", "{0}" and "{name}" fields and "{{" "}}" escapes;
// format specs and conversions are not supported.
Result<Value> PyFormat(const std::string& fmt, const CallArgs& args) {
  std::string out;
  size_t auto_index = 0;
  int numbering = 0;  // 1: "{}" fields seen, 2: "{0}" fields seen
  for (size_t k = 0; k < fmt.size(); ++k) {
    const char c = fmt[k];
    if (c == '}') {
      if (k + 1 < fmt.size() && fmt[k + 1] == '}') {
        out += '}';
        ++k;
        continue;
      }
      return Status::Invalid("Single '}' encountered in format string");
    }
    if (c != '{') {
      out += c;
      continue;
    }
    if (k + 1 < fmt.size() && fmt[k + 1] == '{') {
      out += '{';
      ++k;
      continue;
    }
    const size_t close = fmt.find('}', k);
    if (close == std::string::npos) return Status::Invalid("Single '{' encountered in format string");
    const std::string field = fmt.substr(k + 1, close - k - 1);
    k = close;
    if (field.find_first_of(":![.") != std::string::npos) {
      return Status::Unsupported("unsupported: format field '{" + field + "}' (only {}, {0} and {name})");
    }
    const Value* v = nullptr;
    const bool automatic = field.empty();
    if (numbering != 0 && numbering != (automatic ? 1 : 2) &&
        std::all_of(field.begin(), field.end(), [](char d) { return d >= '0' && d <= '9'; })) {
      return Status::Invalid(automatic ? "cannot switch from manual field specification to automatic field numbering"
                                       : "cannot switch from automatic field numbering to manual field specification");
    }
    if (field.empty() || std::all_of(field.begin(), field.end(), [](char d) { return d >= '0' && d <= '9'; })) {
      size_t idx = 0;
      if (field.empty()) {
        idx = auto_index++;
        numbering = 1;
      } else {
        numbering = 2;
        for (char d : field.substr(0, 9)) idx = idx * 10 + static_cast<size_t>(d - '0');
      }
      if (idx >= args.args.size()) return Status::Invalid("Replacement index " + std::to_string(idx) + " out of range");
      v = &args.args[idx];
    } else {
      for (const auto& [key, value] : args.kwargs) {
        if (key == field) v = &value;
      }
      if (v == nullptr) return Status::Invalid("KeyError: '" + field + "'");
    }
    out += ToStr(*v);
  }
  return Value::String(std::move(out));
}

Value Bound(const std::string& name, std::function<Result<Value>(Evaluator&, CallArgs&)> fn) {
  return Value::MakeFunction(name, std::move(fn));
}

bool StringMethod(const std::string& s, const std::string& name, Value* out) {
  using Fn = std::function<Result<Value>(Evaluator&, CallArgs&)>;
  Fn fn;
  if (name == "upper" || name == "lower" || name == "title" || name == "capitalize" || name == "casefold" ||
      name == "swapcase") {
    fn = [s, name](Evaluator&, CallArgs& a) -> Result<Value> {
      LI_RETURN_IF_ERROR(BindArgs(a, name, {}).status());
      if (name == "upper") return Value::String(PyUpper(s));
      if (name == "lower" || name == "casefold") return Value::String(PyLower(s));
      if (name == "title") return Value::String(PyTitle(s));
      if (name == "capitalize") return Value::String(PyCapitalize(s));
      std::string r;
      for (uint32_t c : Decode(s)) AppendUtf8(IsUpperCp(c) ? LowerCp(c) : UpperCp(c), &r);
      return Value::String(std::move(r));
    };
  } else if (name == "strip" || name == "lstrip" || name == "rstrip") {
    fn = [s, name](Evaluator&, CallArgs& a) -> Result<Value> {
      LI_ASSIGN_OR_RETURN(auto p, BindArgs(a, name, {"chars"}));
      const Value chars = p[0] ? *p[0] : Value::None();
      if (!chars.is_none() && !chars.is_string()) return Status::Invalid(name + " arg must be None or str");
      return Value::String(PyStrip(s, chars, name != "rstrip", name != "lstrip"));
    };
  } else if (name == "split" || name == "rsplit") {
    fn = [s, name](Evaluator&, CallArgs& a) -> Result<Value> {
      LI_ASSIGN_OR_RETURN(auto p, BindArgs(a, name, {"sep", "maxsplit"}));
      const Value sep = p[0] ? *p[0] : Value::None();
      if (!sep.is_none() && !sep.is_string()) return Status::Invalid("must be str or None, not " + std::string(sep.TypeName()));
      const int64_t maxsplit = p[1] && p[1]->is_integral() ? p[1]->int_value() : -1;
      LI_ASSIGN_OR_RETURN(List parts, PySplit(s, sep, maxsplit, name == "rsplit"));
      return Value::MakeList(std::move(parts));
    };
  } else if (name == "splitlines") {
    fn = [s](Evaluator&, CallArgs& a) -> Result<Value> {
      LI_ASSIGN_OR_RETURN(auto p, BindArgs(a, "splitlines", {"keepends"}));
      List out;
      for (auto& line : PySplitLines(s, p[0] && p[0]->Truthy())) out.push_back(Value::String(std::move(line)));
      return Value::MakeList(std::move(out));
    };
  } else if (name == "startswith" || name == "endswith") {
    fn = [s, name](Evaluator&, CallArgs& a) -> Result<Value> {
      LI_ASSIGN_OR_RETURN(auto p, BindArgs(a, name, {"prefix"}));
      if (!p[0]) return Status::Invalid(name + "() takes at least 1 argument (0 given)");
      List options;
      if (p[0]->is_tuple()) options = p[0]->list();
      else options.push_back(*p[0]);
      for (const Value& o : options) {
        if (!o.is_string()) {
          return Status::Invalid(name + " first arg must be str or a tuple of str, not " + o.TypeName());
        }
        const std::string& x = o.str();
        const bool hit = name == "startswith" ? s.compare(0, x.size(), x) == 0
                                              : s.size() >= x.size() && s.compare(s.size() - x.size(), x.size(), x) == 0;
        if (hit) return Value::Bool(true);
      }
      return Value::Bool(false);
    };
  } else if (name == "replace") {
    fn = [s](Evaluator& ev, CallArgs& a) -> Result<Value> {
      LI_ASSIGN_OR_RETURN(auto p, BindArgs(a, "replace", {"old", "new", "count"}));
      if (!p[0] || !p[1] || !p[0]->is_string() || !p[1]->is_string()) return Status::Invalid("replace() takes two str arguments");
      const int64_t count = p[2] && p[2]->is_integral() ? p[2]->int_value() : -1;
      std::string r = PyReplace(s, p[0]->str(), p[1]->str(), count);
      LI_RETURN_IF_ERROR(ev.CheckSize(r.size()));
      return Value::String(std::move(r));
    };
  } else if (name == "find" || name == "rfind" || name == "index" || name == "rindex" || name == "count") {
    fn = [s, name](Evaluator&, CallArgs& a) -> Result<Value> {
      LI_ASSIGN_OR_RETURN(auto p, BindArgs(a, name, {"sub"}));
      if (!p[0] || !p[0]->is_string()) return Status::Invalid(name + "() argument must be str");
      const std::string& sub = p[0]->str();
      if (name == "count") {
        if (sub.empty()) return Value::Int(static_cast<int64_t>(CountCodePoints(s)) + 1);
        int64_t n = 0;
        for (size_t at = s.find(sub); at != std::string::npos; at = s.find(sub, at + sub.size())) ++n;
        return Value::Int(n);
      }
      const size_t at = name[0] == 'r' ? s.rfind(sub) : s.find(sub);
      if (at == std::string::npos) {
        if (name == "index" || name == "rindex") return Status::Invalid("substring not found");
        return Value::Int(-1);
      }
      return Value::Int(CpIndex(s, at));
    };
  } else if (name == "join") {
    fn = [s](Evaluator& ev, CallArgs& a) -> Result<Value> {
      LI_ASSIGN_OR_RETURN(auto p, BindArgs(a, "join", {"iterable"}));
      if (!p[0]) return Status::Invalid("join() takes exactly one argument (0 given)");
      LI_ASSIGN_OR_RETURN(List items, ev.Iterate(*p[0]));
      std::string r;
      for (size_t k = 0; k < items.size(); ++k) {
        if (!items[k].is_string()) {
          return Status::Invalid("sequence item " + std::to_string(k) + ": expected str instance, " +
                                 items[k].TypeName() + " found");
        }
        if (k) r += s;
        r += items[k].str();
        LI_RETURN_IF_ERROR(ev.CheckSize(r.size()));
      }
      return Value::String(std::move(r));
    };
  } else if (name == "format") {
    fn = [s](Evaluator&, CallArgs& a) -> Result<Value> { return PyFormat(s, a); };
  } else if (name == "isdigit" || name == "isnumeric" || name == "isdecimal" || name == "isalpha" ||
             name == "isalnum" || name == "isspace" || name == "isupper" || name == "islower") {
    fn = [s, name](Evaluator&, CallArgs& a) -> Result<Value> {
      LI_RETURN_IF_ERROR(BindArgs(a, name, {}).status());
      if (name == "isspace") return Value::Bool(AllOf(s, IsPyWhitespace));
      if (name == "isalpha") return Value::Bool(AllOf(s, IsAlphaCp));
      if (name == "isalnum") return Value::Bool(AllOf(s, [](uint32_t c) { return IsAlphaCp(c) || IsDigitCp(c); }));
      if (name == "isupper" || name == "islower") {
        const bool upper = name == "isupper";
        bool any_cased = false;
        for (uint32_t c : Decode(s)) {
          if (upper ? IsLowerCp(c) : IsUpperCp(c)) return Value::Bool(false);
          any_cased = any_cased || IsCased(c);
        }
        return Value::Bool(any_cased);
      }
      return Value::Bool(AllOf(s, IsDigitCp));
    };
  } else if (name == "removeprefix" || name == "removesuffix") {
    fn = [s, name](Evaluator&, CallArgs& a) -> Result<Value> {
      LI_ASSIGN_OR_RETURN(auto p, BindArgs(a, name, {"affix"}));
      if (!p[0] || !p[0]->is_string()) return Status::Invalid(name + "() argument must be str");
      const std::string& x = p[0]->str();
      if (name == "removeprefix" && s.compare(0, x.size(), x) == 0) return Value::String(s.substr(x.size()));
      if (name == "removesuffix" && !x.empty() && s.size() >= x.size() &&
          s.compare(s.size() - x.size(), x.size(), x) == 0) {
        return Value::String(s.substr(0, s.size() - x.size()));
      }
      return Value::String(s);
    };
  } else if (name == "partition" || name == "rpartition") {
    fn = [s, name](Evaluator&, CallArgs& a) -> Result<Value> {
      LI_ASSIGN_OR_RETURN(auto p, BindArgs(a, name, {"sep"}));
      if (!p[0] || !p[0]->is_string() || p[0]->str().empty()) return Status::Invalid(name + "() needs a non-empty str");
      const std::string& sep = p[0]->str();
      const size_t at = name == "partition" ? s.find(sep) : s.rfind(sep);
      if (at == std::string::npos) {
        if (name == "partition") return Value::MakeList({Value::String(s), Value::String(""), Value::String("")}, true);
        return Value::MakeList({Value::String(""), Value::String(""), Value::String(s)}, true);
      }
      return Value::MakeList({Value::String(s.substr(0, at)), Value::String(sep), Value::String(s.substr(at + sep.size()))},
                             true);
    };
  } else if (name == "zfill" || name == "center" || name == "ljust" || name == "rjust") {
    fn = [s, name](Evaluator& ev, CallArgs& a) -> Result<Value> {
      LI_ASSIGN_OR_RETURN(auto p, BindArgs(a, name, {"width", "fillchar"}));
      if (!p[0] || !p[0]->is_integral()) return Status::Invalid(name + "() needs an integer width");
      const int64_t len = static_cast<int64_t>(CountCodePoints(s));
      const int64_t width = p[0]->int_value();
      if (width <= len) return Value::String(s);
      LI_RETURN_IF_ERROR(ev.CheckSize(static_cast<size_t>(width)));
      std::string fill = p[1] && p[1]->is_string() ? p[1]->str() : " ";
      if (CountCodePoints(fill) != 1) return Status::Invalid("The fill character must be exactly one character long");
      const int64_t pad = width - len;
      auto rep = [&](int64_t n) {
        std::string r;
        for (int64_t k = 0; k < n; ++k) r += fill;
        return r;
      };
      if (name == "ljust") return Value::String(s + rep(pad));
      if (name == "rjust") return Value::String(rep(pad) + s);
      if (name == "zfill") {
        std::string z(static_cast<size_t>(pad), '0');
        if (!s.empty() && (s[0] == '-' || s[0] == '+')) return Value::String(s.substr(0, 1) + z + s.substr(1));
        return Value::String(z + s);
      }
      // CPython's centering puts the odd space on the left when the width is odd.
      const int64_t left = pad / 2 + (pad & width & 1);
      return Value::String(rep(left) + s + rep(pad - left));
    };
  } else {
    return false;
  }
  *out = Bound(name, std::move(fn));
  return true;
}

}  // namespace

std::string PyUpper(std::string_view s) {
  std::string out;
  for (uint32_t c : Decode(s)) {
    if (c == 0xDF) out += "SS";
    else AppendUtf8(UpperCp(c), &out);
  }
  return out;
}

std::string PyLower(std::string_view s) {
  std::string out;
  for (uint32_t c : Decode(s)) AppendUtf8(LowerCp(c), &out);
  return out;
}

std::string PyStrip(std::string_view s, const Value& chars, bool left, bool right) {
  const std::vector<uint32_t> cps = Decode(s);
  std::vector<uint32_t> set;
  const bool whitespace = !chars.is_string();
  if (!whitespace) set = Decode(chars.str());
  auto strip = [&](uint32_t c) {
    return whitespace ? IsPyWhitespace(c) : std::find(set.begin(), set.end(), c) != set.end();
  };
  size_t b = 0, e = cps.size();
  if (left) {
    while (b < e && strip(cps[b])) ++b;
  }
  if (right) {
    while (e > b && strip(cps[e - 1])) --e;
  }
  return Encode(cps, b, e);
}

Result<List> PySplit(std::string_view s, const Value& sep, int64_t maxsplit, bool from_right) {
  List out;
  if (maxsplit < 0) maxsplit = INT64_MAX;
  if (sep.is_string()) {
    const std::string& d = sep.str();
    if (d.empty()) return Status::Invalid("empty separator");
    std::vector<std::string> parts;
    if (!from_right) {
      size_t start = 0;
      for (int64_t n = 0; n < maxsplit; ++n) {
        const size_t at = s.find(d, start);
        if (at == std::string::npos) break;
        parts.emplace_back(s.substr(start, at - start));
        start = at + d.size();
      }
      parts.emplace_back(s.substr(start));
    } else {
      size_t end = s.size();
      for (int64_t n = 0; n < maxsplit && end >= d.size(); ++n) {
        const size_t at = s.rfind(d, end - d.size());
        if (at == std::string::npos) break;
        parts.emplace_back(s.substr(at + d.size(), end - at - d.size()));
        end = at;
      }
      parts.emplace_back(s.substr(0, end));
      std::reverse(parts.begin(), parts.end());
    }
    for (auto& p : parts) out.push_back(Value::String(std::move(p)));
    return out;
  }
  // Runs of whitespace separate, and leading/trailing whitespace yields no
  // empty strings (CPython's split_whitespace and rsplit_whitespace).
  std::vector<uint32_t> cps = Decode(s);
  if (from_right) std::reverse(cps.begin(), cps.end());
  std::vector<std::vector<uint32_t>> parts;
  size_t i = 0;
  const size_t n = cps.size();
  for (int64_t count = 0; count < maxsplit; ++count) {
    while (i < n && IsPyWhitespace(cps[i])) ++i;
    if (i == n) break;
    const size_t j = i;
    while (i < n && !IsPyWhitespace(cps[i])) ++i;
    parts.emplace_back(cps.begin() + static_cast<std::ptrdiff_t>(j), cps.begin() + static_cast<std::ptrdiff_t>(i));
  }
  if (i < n) {
    while (i < n && IsPyWhitespace(cps[i])) ++i;
    if (i != n) parts.emplace_back(cps.begin() + static_cast<std::ptrdiff_t>(i), cps.end());
  }
  if (from_right) {
    std::reverse(parts.begin(), parts.end());
    for (auto& p : parts) std::reverse(p.begin(), p.end());
  }
  for (auto& p : parts) out.push_back(Value::String(Encode(p)));
  return out;
}

std::vector<std::string> PySplitLines(std::string_view s, bool keepends) {
  std::vector<std::string> out;
  const std::vector<uint32_t> cps = Decode(s);
  size_t start = 0, k = 0;
  while (k < cps.size()) {
    const uint32_t c = cps[k];
    const bool brk = c == '\n' || c == '\r' || c == 0x0B || c == 0x0C || c == 0x1C || c == 0x1D || c == 0x1E ||
                     c == 0x85 || c == 0x2028 || c == 0x2029;
    if (!brk) {
      ++k;
      continue;
    }
    size_t eol = k + 1;
    if (c == '\r' && eol < cps.size() && cps[eol] == '\n') ++eol;
    out.push_back(Encode(cps, start, keepends ? eol : k));
    start = k = eol;
  }
  if (start < cps.size()) out.push_back(Encode(cps, start));
  return out;
}

std::string PyReplace(std::string_view s, std::string_view old, std::string_view repl, int64_t count) {
  if (count < 0) count = INT64_MAX;
  std::string out;
  if (old.empty()) {
    // Python inserts the replacement before every code point and at the end.
    const std::vector<std::string> cps = SplitCodePoints(s);
    int64_t n = 0;
    for (const auto& c : cps) {
      if (n < count) out += repl, ++n;
      out += c;
    }
    if (n < count) out += repl;
    return out;
  }
  size_t start = 0;
  for (int64_t n = 0; n < count; ++n) {
    const size_t at = s.find(old, start);
    if (at == std::string::npos) break;
    out += s.substr(start, at - start);
    out += repl;
    start = at + old.size();
  }
  out += s.substr(start);
  return out;
}

bool FindMethod(const Value& obj, const std::string& name, Value* out) {
  if (!name.empty() && name[0] == '_') {
    // jinja2's sandbox hides every underscore attribute.
    *out = Value::Undefined("access to attribute '" + name + "' of '" + obj.TypeName() + "' object is unsafe.");
    return obj.is_string() || obj.is_list() || obj.is_dict();
  }
  if (obj.is_string()) return StringMethod(obj.str(), name, out);
  if (obj.is_list()) {
    static const char* kMutating[] = {"append", "clear", "pop", "reverse", "insert", "sort", "extend", "remove"};
    for (const char* m : kMutating) {
      if (name == m && !obj.is_tuple()) {
        *out = Value::Undefined("access to attribute '" + name + "' of 'list' object is unsafe.");
        return true;
      }
    }
    if (name == "index" || name == "count") {
      *out = Bound(name, [obj, name](Evaluator&, CallArgs& a) -> Result<Value> {
        LI_ASSIGN_OR_RETURN(auto p, BindArgs(a, name, {"value"}));
        if (!p[0]) return Status::Invalid(name + "() takes exactly one argument (0 given)");
        int64_t n = 0;
        for (size_t k = 0; k < obj.list().size(); ++k) {
          if (!Equal(obj.list()[k], *p[0])) continue;
          if (name == "index") return Value::Int(static_cast<int64_t>(k));
          ++n;
        }
        if (name == "index") return Status::Invalid(Repr(*p[0]) + " is not in list");
        return Value::Int(n);
      });
      return true;
    }
    if (name == "copy" && !obj.is_tuple()) {
      *out = Bound(name, [obj](Evaluator&, CallArgs& a) -> Result<Value> {
        LI_RETURN_IF_ERROR(BindArgs(a, "copy", {}).status());
        return obj;
      });
      return true;
    }
    return false;
  }
  if (obj.is_dict()) {
    static const char* kMutating[] = {"clear", "pop", "popitem", "setdefault", "update"};
    for (const char* m : kMutating) {
      if (name == m) {
        *out = Value::Undefined("access to attribute '" + name + "' of 'dict' object is unsafe.");
        return true;
      }
    }
    if (name == "get") {
      *out = Bound(name, [obj](Evaluator&, CallArgs& a) -> Result<Value> {
        LI_ASSIGN_OR_RETURN(auto p, BindArgs(a, "get", {"key", "default"}));
        if (!p[0]) return Status::Invalid("get expected at least 1 argument, got 0");
        if (p[0]->is_string()) {
          if (const Value* v = obj.dict().Find(p[0]->str())) return *v;
        }
        return p[1] ? *p[1] : Value::None();
      });
      return true;
    }
    if (name == "items" || name == "keys" || name == "values" || name == "copy") {
      *out = Bound(name, [obj, name](Evaluator&, CallArgs& a) -> Result<Value> {
        LI_RETURN_IF_ERROR(BindArgs(a, name, {}).status());
        if (name == "copy") return obj;
        List out;
        for (const auto& [k, v] : obj.dict().items) {
          if (name == "items") out.push_back(Value::MakeList({Value::String(k), v}, true));
          else if (name == "keys") out.push_back(Value::String(k));
          else out.push_back(v);
        }
        return Value::MakeList(std::move(out));
      });
      return true;
    }
    return false;
  }
  return false;
}

std::string FormatDate(const Date& d, const std::string& format) {
  static const char* kDays[] = {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"};
  static const char* kMonths[] = {"January", "February", "March",     "April",   "May",      "June",
                                  "July",    "August",   "September", "October", "November", "December"};
  static const int kCum[] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
  const int month = std::clamp(d.month, 1, 12);
  const bool leap = (d.year % 4 == 0 && d.year % 100 != 0) || d.year % 400 == 0;
  const int yday = kCum[month - 1] + d.day + (leap && month > 2 ? 1 : 0);  // 1-based
  // Sakamoto's day of the week, 0 = Sunday.
  static const int kT[] = {0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4};
  const int y = month < 3 ? d.year - 1 : d.year;
  const int wday = ((y + y / 4 - y / 100 + y / 400 + kT[month - 1] + d.day) % 7 + 7) % 7;
  auto num = [](int v, int width, bool pad) {
    std::string s = std::to_string(v);
    while (pad && static_cast<int>(s.size()) < width) s = "0" + s;
    return s;
  };
  std::string out;
  for (size_t k = 0; k < format.size(); ++k) {
    if (format[k] != '%' || k + 1 >= format.size()) {
      out += format[k];
      continue;
    }
    bool pad = true;
    char c = format[++k];
    if (c == '-' && k + 1 < format.size()) {
      pad = false;
      c = format[++k];
    }
    const int hour12 = d.hour % 12 == 0 ? 12 : d.hour % 12;
    switch (c) {
      case 'a': out += std::string(kDays[wday]).substr(0, 3); break;
      case 'A': out += kDays[wday]; break;
      case 'b':
      case 'h': out += std::string(kMonths[month - 1]).substr(0, 3); break;
      case 'B': out += kMonths[month - 1]; break;
      case 'd': out += num(d.day, 2, pad); break;
      case 'e': out += (d.day < 10 && pad ? " " : "") + std::to_string(d.day); break;
      case 'm': out += num(month, 2, pad); break;
      case 'y': out += num(d.year % 100, 2, pad); break;
      case 'Y': out += std::to_string(d.year); break;
      case 'C': out += num(d.year / 100, 2, pad); break;
      case 'H': out += num(d.hour, 2, pad); break;
      case 'I': out += num(hour12, 2, pad); break;
      case 'M': out += num(d.minute, 2, pad); break;
      case 'S': out += num(d.second, 2, pad); break;
      case 'p': out += d.hour < 12 ? "AM" : "PM"; break;
      case 'j': out += num(yday, 3, pad); break;
      case 'u': out += std::to_string(wday == 0 ? 7 : wday); break;
      case 'w': out += std::to_string(wday); break;
      case 'D':
      case 'x': out += FormatDate(d, "%m/%d/%y"); break;
      case 'F': out += FormatDate(d, "%Y-%m-%d"); break;
      case 'T':
      case 'X': out += FormatDate(d, "%H:%M:%S"); break;
      case 'R': out += FormatDate(d, "%H:%M"); break;
      case 'c': out += FormatDate(d, "%a %b %e %H:%M:%S %Y"); break;
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case 'z':
      case 'Z': break;  // a naive datetime has no zone
      case '%': out += '%'; break;
      default:
        out += '%';
        if (!pad) out += '-';
        out += c;
    }
  }
  return out;
}

}  // namespace lithium::tokenizer::jinja
