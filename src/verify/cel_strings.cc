// Strings for the compiler: Z3 string literals in concrete mode, interned
// ids with uninterpreted functions in symbolic mode (cel_z3.h says why).
#include <algorithm>
#include <cstdio>

#include "src/verify/cel_z3.h"

namespace lithium::verify::cel {

// The characters of a string as Z3 sees them. Z3 4.8.12's alphabet ends at
// U+2FFFF, so the rare code points above are spelled as three characters (a
// U+2FFFF marker and ten bits each), which keeps equality exact and only
// miscounts size() for them. Invalid UTF-8 (never produced by the JSON
// parser) reads as U+FFFD.
std::vector<uint32_t> EncodeString(const std::string& s) {
  std::vector<uint32_t> out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    const unsigned char b = static_cast<unsigned char>(s[i]);
    uint32_t cp = 0xFFFD;
    size_t n = 1;
    if (b < 0x80) {
      cp = b;
    } else if ((b >> 5) == 0x6 && i + 1 < s.size()) {
      cp = ((b & 0x1Fu) << 6) | (static_cast<unsigned char>(s[i + 1]) & 0x3Fu);
      n = 2;
    } else if ((b >> 4) == 0xE && i + 2 < s.size()) {
      cp = ((b & 0x0Fu) << 12) | ((static_cast<unsigned char>(s[i + 1]) & 0x3Fu) << 6) |
           (static_cast<unsigned char>(s[i + 2]) & 0x3Fu);
      n = 3;
    } else if ((b >> 3) == 0x1E && i + 3 < s.size()) {
      cp = ((b & 0x07u) << 18) | ((static_cast<unsigned char>(s[i + 1]) & 0x3Fu) << 12) |
           ((static_cast<unsigned char>(s[i + 2]) & 0x3Fu) << 6) | (static_cast<unsigned char>(s[i + 3]) & 0x3Fu);
      n = 4;
    }
    i += n;
    if (cp >= 0x2FFFF) {
      const uint32_t rest = cp - 0x2FFFF;
      out.push_back(0x2FFFF);
      out.push_back(rest >> 10);
      out.push_back(rest & 0x3FF);
    } else {
      out.push_back(cp);
    }
  }
  return out;
}

// Concrete mode: a Z3 string literal. Z3 4.8.12 reads \u{...} escapes and
// nothing else, so everything but printable ASCII (and the backslash) is
// escaped. Symbolic mode: the string's interned id (see StrFn).
z3::expr Compiler::StringVal(const std::string& s) {
  if (!concrete()) {
    auto it = symbols_->string_ids.find(s);
    if (it == symbols_->string_ids.end()) {
      it = symbols_->string_ids.emplace(s, int64_t(symbols_->strings.size())).first;
      symbols_->strings.push_back(s);
    }
    return ctx_.int_val(it->second);
  }
  std::string out;
  out.reserve(s.size());
  for (uint32_t cp : EncodeString(s)) {
    if (cp >= 0x20 && cp < 0x7F && cp != '\\') {
      out.push_back(char(cp));
    } else {
      char buf[16];
      std::snprintf(buf, sizeof(buf), "\\u{%x}", unsigned(cp));
      out += buf;
    }
  }
  return ctx_.string_val(out);
}

namespace {

const char* const kStrFnNames[] = {"!str.len", "!str.lt", "!str.prefixof", "!str.suffixof", "!str.contains",
                                   "!str.concat"};

}  // namespace

z3::expr Compiler::Str(StrFn f, const z3::expr& a, const z3::expr* b) {
  if (concrete()) {
    switch (f) {
      case StrFn::kLen: return z3::expr(ctx_, Z3_mk_seq_length(ctx_, a));
      case StrFn::kLt: return z3::expr(ctx_, Z3_mk_str_lt(ctx_, a, *b));
      case StrFn::kPrefix: return z3::prefixof(a, *b);
      case StrFn::kSuffix: return z3::suffixof(a, *b);
      case StrFn::kContains: return a.contains(*b);
      case StrFn::kConcat: return z3::concat(a, *b);
    }
  }
  const char* name = kStrFnNames[int(f)];
  symbols_->string_fns.insert(int(f));
  touched_.insert(name);
  const z3::sort i = ctx_.int_sort();
  const z3::sort range = f == StrFn::kLen || f == StrFn::kConcat ? i : ctx_.bool_sort();
  if (f == StrFn::kLen) {
    const z3::expr len = ctx_.function(name, i, range)(a);
    symbols_->Add(name, len >= 0);
    return len;
  }
  return ctx_.function(name, i, i, range)(a, *b);
}

void AddStringAxioms(z3::context& ctx, SymbolTable* symbols) {
  const size_t n = symbols->strings.size();
  std::vector<std::vector<uint32_t>> chars;
  for (const std::string& s : symbols->strings) chars.push_back(EncodeString(s));
  const z3::sort i = ctx.int_sort();
  auto id = [&](size_t k) { return ctx.int_val(int64_t(k)); };
  for (int f : symbols->string_fns) {
    const char* name = kStrFnNames[f];
    if (StrFn(f) == StrFn::kLen) {
      const z3::func_decl len = ctx.function(name, i, i);
      for (size_t a = 0; a < n; ++a) symbols->Add(name, len(id(a)) == ctx.int_val(int64_t(chars[a].size())));
      continue;
    }
    const z3::func_decl fn = ctx.function(name, i, i, StrFn(f) == StrFn::kConcat ? i : ctx.bool_sort());
    for (size_t a = 0; a < n; ++a) {
      for (size_t b = 0; b < n; ++b) {
        const auto& x = chars[a];
        const auto& y = chars[b];
        switch (StrFn(f)) {
          case StrFn::kLt:
            symbols->Add(name, fn(id(a), id(b)) == ctx.bool_val(std::lexicographical_compare(x.begin(), x.end(), y.begin(), y.end())));
            break;
          case StrFn::kPrefix:  // a is a prefix of b
            symbols->Add(name, fn(id(a), id(b)) == ctx.bool_val(x.size() <= y.size() && std::equal(x.begin(), x.end(), y.begin())));
            break;
          case StrFn::kSuffix:
            symbols->Add(name, fn(id(a), id(b)) == ctx.bool_val(x.size() <= y.size() && std::equal(x.begin(), x.end(), y.end() - long(x.size()))));
            break;
          case StrFn::kContains:  // a contains b
            symbols->Add(name, fn(id(a), id(b)) == ctx.bool_val(std::search(x.begin(), x.end(), y.begin(), y.end()) != x.end()));
            break;
          case StrFn::kConcat: {
            auto it = symbols->string_ids.find(symbols->strings[a] + symbols->strings[b]);
            if (it != symbols->string_ids.end()) symbols->Add(name, fn(id(a), id(b)) == id(size_t(it->second)));
            break;
          }
          default: break;
        }
      }
    }
  }
}

}  // namespace lithium::verify::cel
