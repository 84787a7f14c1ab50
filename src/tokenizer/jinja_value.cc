// Python semantics for template values: printing (str, repr, json.dumps),
// equality and ordering. Every rule here is one that a real chat template's
// output depends on, so each follows CPython byte for byte.
#include "src/tokenizer/jinja_value.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace lithium::tokenizer::jinja {

const Value* Dict::Find(std::string_view key) const {
  for (const auto& [k, v] : items) {
    if (k == key) return &v;
  }
  return nullptr;
}

void Dict::Set(const std::string& key, Value v) {
  for (auto& [k, old] : items) {
    if (k == key) {
      old = std::move(v);
      return;
    }
  }
  items.emplace_back(key, std::move(v));
}

Value Value::Undefined(std::string hint) {
  Value v;
  v.s_ = std::move(hint);
  return v;
}
Value Value::None() {
  Value v;
  v.kind_ = Kind::kNone;
  return v;
}
Value Value::Bool(bool b) {
  Value v;
  v.kind_ = Kind::kBool;
  v.b_ = b;
  return v;
}
Value Value::Int(int64_t i) {
  Value v;
  v.kind_ = Kind::kInt;
  v.i_ = i;
  return v;
}
Value Value::Float(double f) {
  Value v;
  v.kind_ = Kind::kFloat;
  v.f_ = f;
  return v;
}
Value Value::String(std::string s) {
  Value v;
  v.kind_ = Kind::kString;
  v.s_ = std::move(s);
  return v;
}
Value Value::MakeList(List items, bool tuple) {
  Value v;
  v.kind_ = Kind::kList;
  v.tuple_ = tuple;
  v.list_ = std::make_shared<const List>(std::move(items));
  return v;
}
Value Value::MakeDict(Dict d) {
  Value v;
  v.kind_ = Kind::kDict;
  v.dict_ = std::make_shared<const Dict>(std::move(d));
  return v;
}
Value Value::MakeNamespace(Dict d) {
  Value v;
  v.kind_ = Kind::kNamespace;
  v.dict_mut_ = std::make_shared<Dict>(std::move(d));
  return v;
}
Value Value::MakeFunction(std::string name, std::function<Result<Value>(Evaluator&, CallArgs&)> fn) {
  Value v;
  v.kind_ = Kind::kFunction;
  v.fn_ = std::make_shared<const Function>(Function{std::move(name), std::move(fn)});
  return v;
}

Value Value::FromJson(const nlohmann::ordered_json& j) {
  using T = nlohmann::ordered_json::value_t;
  switch (j.type()) {
    case T::null: return None();
    case T::boolean: return Bool(j.get<bool>());
    case T::number_integer: return Int(j.get<int64_t>());
    case T::number_unsigned: {
      const uint64_t u = j.get<uint64_t>();
      // Python's ints are unbounded; past int64 a float is the closest we have.
      if (u > static_cast<uint64_t>(INT64_MAX)) return Float(static_cast<double>(u));
      return Int(static_cast<int64_t>(u));
    }
    case T::number_float: return Float(j.get<double>());
    case T::string: return String(j.get<std::string>());
    case T::array: {
      List items;
      items.reserve(j.size());
      for (const auto& e : j) items.push_back(FromJson(e));
      return MakeList(std::move(items));
    }
    case T::object: {
      Dict d;
      d.items.reserve(j.size());
      for (auto it = j.begin(); it != j.end(); ++it) d.items.emplace_back(it.key(), FromJson(it.value()));
      return MakeDict(std::move(d));
    }
    default: return Undefined();
  }
}

const void* Value::identity() const {
  switch (kind_) {
    case Kind::kList: return list_.get();
    case Kind::kDict: return dict_.get();
    case Kind::kNamespace: return dict_mut_.get();
    case Kind::kFunction: return fn_.get();
    default: return nullptr;
  }
}

bool Value::Truthy() const {
  switch (kind_) {
    case Kind::kUndefined:
    case Kind::kNone: return false;
    case Kind::kBool: return b_;
    case Kind::kInt: return i_ != 0;
    case Kind::kFloat: return f_ != 0;
    case Kind::kString: return !s_.empty();
    case Kind::kList: return !list_->empty();
    case Kind::kDict: return !dict_->items.empty();
    case Kind::kNamespace:
    case Kind::kFunction: return true;
  }
  return false;
}

const char* Value::TypeName() const {
  switch (kind_) {
    case Kind::kUndefined: return "Undefined";
    case Kind::kNone: return "NoneType";
    case Kind::kBool: return "bool";
    case Kind::kInt: return "int";
    case Kind::kFloat: return "float";
    case Kind::kString: return "str";
    case Kind::kList: return tuple_ ? "tuple" : "list";
    case Kind::kDict: return "dict";
    case Kind::kNamespace: return "Namespace";
    case Kind::kFunction: return "function";
  }
  return "object";
}

// --- UTF-8 ---

uint32_t DecodeCodePoint(std::string_view s, size_t* pos) {
  const auto b0 = static_cast<unsigned char>(s[*pos]);
  int n = 0;
  uint32_t cp = 0;
  if (b0 < 0x80) {
    ++*pos;
    return b0;
  } else if ((b0 & 0xE0) == 0xC0 && b0 >= 0xC2) {
    n = 1, cp = b0 & 0x1F;
  } else if ((b0 & 0xF0) == 0xE0) {
    n = 2, cp = b0 & 0x0F;
  } else if ((b0 & 0xF8) == 0xF0 && b0 <= 0xF4) {
    n = 3, cp = b0 & 0x07;
  } else {
    ++*pos;
    return b0;
  }
  if (*pos + n >= s.size()) {  // truncated sequence
    ++*pos;
    return b0;
  }
  for (int k = 1; k <= n; ++k) {
    const auto b = static_cast<unsigned char>(s[*pos + k]);
    if ((b & 0xC0) != 0x80) {
      ++*pos;
      return b0;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  *pos += n + 1;
  return cp;
}

std::vector<std::string> SplitCodePoints(std::string_view s) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < s.size()) {
    const size_t start = pos;
    DecodeCodePoint(s, &pos);
    out.emplace_back(s.substr(start, pos - start));
  }
  return out;
}

size_t CountCodePoints(std::string_view s) {
  size_t n = 0, pos = 0;
  while (pos < s.size()) {
    DecodeCodePoint(s, &pos);
    ++n;
  }
  return n;
}

bool IsPyWhitespace(uint32_t cp) {
  return (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x20) || cp == 0x85 || cp == 0xA0 ||
         cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 ||
         cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

namespace {

// str.isprintable() is false for these (categories Cc, Cf, Zs but space,
// Zl, Zp, Cs, Co): repr() escapes them. The list covers the code points a
// chat is likely to hold; unassigned code points print as they are.
bool IsPyNonPrintable(uint32_t cp) {
  if (cp < 0x20 || (cp >= 0x7F && cp <= 0xA0) || cp == 0xAD) return true;
  if (cp < 0x600) return false;
  return (cp >= 0x600 && cp <= 0x605) || cp == 0x61C || cp == 0x6DD || cp == 0x70F || cp == 0x1680 ||
         cp == 0x180E || (cp >= 0x2000 && cp <= 0x200F) || (cp >= 0x2028 && cp <= 0x202F) ||
         (cp >= 0x205F && cp <= 0x2064) || (cp >= 0x2066 && cp <= 0x206F) || cp == 0x3000 ||
         (cp >= 0xD800 && cp <= 0xF8FF) || cp == 0xFEFF || (cp >= 0xFFF9 && cp <= 0xFFFB) ||
         cp == 0x110BD || (cp >= 0x1D173 && cp <= 0x1D17A) || cp == 0xE0001 ||
         (cp >= 0xE0020 && cp <= 0xE007F) || cp >= 0xF0000;
}

void AppendHex(uint32_t v, int digits, std::string* out) {
  static const char* kHex = "0123456789abcdef";
  for (int k = digits - 1; k >= 0; --k) out->push_back(kHex[(v >> (4 * k)) & 0xF]);
}

std::string StringRepr(const std::string& s) {
  // Python prefers single quotes, and switches to double quotes only when
  // that avoids escaping.
  const bool has_single = s.find('\'') != std::string::npos;
  const bool has_double = s.find('"') != std::string::npos;
  const char quote = (has_single && !has_double) ? '"' : '\'';
  std::string out(1, quote);
  size_t pos = 0;
  while (pos < s.size()) {
    const uint32_t cp = DecodeCodePoint(s, &pos);
    if (cp == '\\') {
      out += "\\\\";
    } else if (cp == static_cast<uint32_t>(quote)) {
      out += '\\';
      out += quote;
    } else if (cp == '\t') {
      out += "\\t";
    } else if (cp == '\n') {
      out += "\\n";
    } else if (cp == '\r') {
      out += "\\r";
    } else if (IsPyNonPrintable(cp)) {
      if (cp <= 0xFF) {
        out += "\\x";
        AppendHex(cp, 2, &out);
      } else if (cp <= 0xFFFF) {
        out += "\\u";
        AppendHex(cp, 4, &out);
      } else {
        out += "\\U";
        AppendHex(cp, 8, &out);
      }
    } else {
      AppendUtf8(cp, &out);
    }
  }
  out += quote;
  return out;
}

void AppendRepr(const Value& v, std::string* out);

void AppendSeq(const List& items, bool tuple, std::string* out) {
  out->push_back(tuple ? '(' : '[');
  for (size_t k = 0; k < items.size(); ++k) {
    if (k) *out += ", ";
    AppendRepr(items[k], out);
  }
  if (tuple && items.size() == 1) out->push_back(',');
  out->push_back(tuple ? ')' : ']');
}

void AppendDict(const Dict& d, std::string* out) {
  out->push_back('{');
  for (size_t k = 0; k < d.items.size(); ++k) {
    if (k) *out += ", ";
    *out += StringRepr(d.items[k].first);
    *out += ": ";
    AppendRepr(d.items[k].second, out);
  }
  out->push_back('}');
}

void AppendRepr(const Value& v, std::string* out) {
  switch (v.kind()) {
    case Value::Kind::kUndefined: *out += "Undefined"; return;
    case Value::Kind::kString: *out += StringRepr(v.str()); return;
    default: *out += ToStr(v); return;
  }
}

}  // namespace

std::string FloatRepr(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  if (d == 0) return std::signbit(d) ? "-0.0" : "0.0";
  // The shortest round-trip digits, as Python's repr uses; only the layout
  // (fixed between 1e-4 and 1e16, scientific outside) is Python's own.
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof(buf), d, std::chars_format::scientific);
  std::string sci(buf, r.ptr);
  std::string out;
  size_t p = 0;
  if (sci[0] == '-') {
    out += '-';
    p = 1;
  }
  const size_t e = sci.find('e');
  std::string digits;
  for (size_t k = p; k < e; ++k) {
    if (sci[k] != '.') digits += sci[k];
  }
  const int exp = std::atoi(sci.c_str() + e + 1);
  if (exp >= -4 && exp < 16) {
    if (exp >= 0) {
      const size_t int_len = static_cast<size_t>(exp) + 1;
      if (digits.size() <= int_len) {
        out += digits + std::string(int_len - digits.size(), '0') + ".0";
      } else {
        out += digits.substr(0, int_len) + "." + digits.substr(int_len);
      }
    } else {
      out += "0." + std::string(static_cast<size_t>(-exp - 1), '0') + digits;
    }
    return out;
  }
  out += digits.substr(0, 1);
  if (digits.size() > 1) out += "." + digits.substr(1);
  out += exp < 0 ? "e-" : "e+";
  const int a = exp < 0 ? -exp : exp;
  if (a < 10) out += '0';
  out += std::to_string(a);
  return out;
}

std::string ToStr(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kUndefined: return "";
    case Value::Kind::kNone: return "None";
    case Value::Kind::kBool: return v.bool_value() ? "True" : "False";
    case Value::Kind::kInt: return std::to_string(v.int_value());
    case Value::Kind::kFloat: return FloatRepr(v.number());
    case Value::Kind::kString: return v.str();
    case Value::Kind::kList: {
      std::string out;
      AppendSeq(v.list(), v.is_tuple(), &out);
      return out;
    }
    case Value::Kind::kDict: {
      std::string out;
      AppendDict(v.dict(), &out);
      return out;
    }
    case Value::Kind::kNamespace: {
      std::string out = "<Namespace ";
      AppendDict(v.ns(), &out);
      return out + ">";
    }
    case Value::Kind::kFunction: return "<function " + v.function().name + ">";
  }
  return "";
}

std::string Repr(const Value& v) {
  std::string out;
  AppendRepr(v, &out);
  return out;
}

// --- json.dumps ---

namespace {

void JsonString(const std::string& s, bool ensure_ascii, std::string* out) {
  out->push_back('"');
  size_t pos = 0;
  while (pos < s.size()) {
    const uint32_t cp = DecodeCodePoint(s, &pos);
    switch (cp) {
      case '"': *out += "\\\""; continue;
      case '\\': *out += "\\\\"; continue;
      case '\n': *out += "\\n"; continue;
      case '\r': *out += "\\r"; continue;
      case '\t': *out += "\\t"; continue;
      case '\b': *out += "\\b"; continue;
      case '\f': *out += "\\f"; continue;
      default: break;
    }
    if (cp < 0x20 || (ensure_ascii && cp >= 0x7F)) {
      auto u = [&](uint32_t unit) {
        *out += "\\u";
        AppendHex(unit, 4, out);
      };
      if (cp >= 0x10000) {
        u(0xD800 + ((cp - 0x10000) >> 10));
        u(0xDC00 + ((cp - 0x10000) & 0x3FF));
      } else {
        u(cp);
      }
    } else {
      AppendUtf8(cp, out);
    }
  }
  out->push_back('"');
}

Status JsonValue(const Value& v, const JsonOptions& o, int level, std::string* out) {
  const bool pretty = o.indent >= 0 || !o.indent_text.empty();
  const std::string unit = o.indent_text.empty() ? std::string(o.indent > 0 ? o.indent : 0, ' ') : o.indent_text;
  const std::string item_sep = o.has_separators ? o.item_sep : (pretty ? "," : ", ");
  const std::string key_sep = o.has_separators ? o.key_sep : ": ";
  auto newline = [&](int lvl) {
    out->push_back('\n');
    for (int k = 0; k < lvl; ++k) *out += unit;
  };
  switch (v.kind()) {
    case Value::Kind::kNone: *out += "null"; return Status::Ok();
    case Value::Kind::kBool: *out += v.bool_value() ? "true" : "false"; return Status::Ok();
    case Value::Kind::kInt: *out += std::to_string(v.int_value()); return Status::Ok();
    case Value::Kind::kFloat: {
      const double d = v.number();
      if (std::isnan(d)) *out += "NaN";
      else if (std::isinf(d)) *out += d > 0 ? "Infinity" : "-Infinity";
      else *out += FloatRepr(d);
      return Status::Ok();
    }
    case Value::Kind::kString: JsonString(v.str(), o.ensure_ascii, out); return Status::Ok();
    case Value::Kind::kList: {
      const List& items = v.list();
      if (items.empty()) {
        *out += "[]";
        return Status::Ok();
      }
      out->push_back('[');
      for (size_t k = 0; k < items.size(); ++k) {
        if (k) *out += item_sep;
        if (pretty) newline(level + 1);
        LI_RETURN_IF_ERROR(JsonValue(items[k], o, level + 1, out));
      }
      if (pretty) newline(level);
      out->push_back(']');
      return Status::Ok();
    }
    case Value::Kind::kDict: {
      std::vector<const std::pair<std::string, Value>*> items;
      for (const auto& kv : v.dict().items) items.push_back(&kv);
      if (items.empty()) {
        *out += "{}";
        return Status::Ok();
      }
      if (o.sort_keys) {
        std::stable_sort(items.begin(), items.end(), [](auto* a, auto* b) { return a->first < b->first; });
      }
      out->push_back('{');
      for (size_t k = 0; k < items.size(); ++k) {
        if (k) *out += item_sep;
        if (pretty) newline(level + 1);
        JsonString(items[k]->first, o.ensure_ascii, out);
        *out += key_sep;
        LI_RETURN_IF_ERROR(JsonValue(items[k]->second, o, level + 1, out));
      }
      if (pretty) newline(level);
      out->push_back('}');
      return Status::Ok();
    }
    default:
      return Status::Invalid(std::string("Object of type ") + v.TypeName() + " is not JSON serializable");
  }
}

}  // namespace

Result<std::string> ToJson(const Value& v, const JsonOptions& opts) {
  std::string out;
  LI_RETURN_IF_ERROR(JsonValue(v, opts, 0, &out));
  return out;
}

// --- comparisons ---

bool Equal(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.is_integral() && b.is_integral()) return a.int_value() == b.int_value();
    return a.number() == b.number();
  }
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Value::Kind::kUndefined:
    case Value::Kind::kNone: return true;
    case Value::Kind::kString: return a.str() == b.str();
    case Value::Kind::kList: {
      if (a.is_tuple() != b.is_tuple() || a.list().size() != b.list().size()) return false;
      for (size_t k = 0; k < a.list().size(); ++k) {
        if (!Equal(a.list()[k], b.list()[k])) return false;
      }
      return true;
    }
    case Value::Kind::kDict: {
      const Dict& x = a.dict();
      const Dict& y = b.dict();
      if (x.items.size() != y.items.size()) return false;
      for (const auto& [k, v] : x.items) {
        const Value* w = y.Find(k);
        if (w == nullptr || !Equal(v, *w)) return false;
      }
      return true;
    }
    default: return a.identity() == b.identity();
  }
}

Result<bool> Less(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.is_integral() && b.is_integral()) return a.int_value() < b.int_value();
    return a.number() < b.number();
  }
  // UTF-8 byte order is code point order, which is how Python orders str.
  if (a.is_string() && b.is_string()) return a.str() < b.str();
  if (a.is_list() && b.is_list() && a.is_tuple() == b.is_tuple()) {
    const List& x = a.list();
    const List& y = b.list();
    for (size_t k = 0; k < x.size() && k < y.size(); ++k) {
      if (Equal(x[k], y[k])) continue;
      return Less(x[k], y[k]);
    }
    return x.size() < y.size();
  }
  return Status::Invalid(std::string("'<' not supported between instances of '") + a.TypeName() + "' and '" +
                         b.TypeName() + "'");
}

}  // namespace lithium::tokenizer::jinja
