#include "src/grammar/regex.h"

#include <string>

namespace lithium::grammar {
namespace {

const std::vector<CpRange>& Digits() {
  static const auto* r = new std::vector<CpRange>{{'0', '9'}};
  return *r;
}
const std::vector<CpRange>& Word() {
  static const auto* r = new std::vector<CpRange>{{'0', '9'}, {'A', 'Z'}, {'_', '_'}, {'a', 'z'}};
  return *r;
}
// ECMA-262 WhiteSpace and LineTerminator.
const std::vector<CpRange>& Space() {
  static const auto* r = new std::vector<CpRange>{{0x09, 0x0D},     {0x20, 0x20},     {0xA0, 0xA0},
                                                  {0x1680, 0x1680}, {0x2000, 0x200A}, {0x2028, 0x2029},
                                                  {0x202F, 0x202F}, {0x205F, 0x205F}, {0x3000, 0x3000},
                                                  {0xFEFF, 0xFEFF}};
  return *r;
}

int Hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

class RegexParser {
 public:
  RegexParser(std::string_view p, Grammar* g, const RegexOptions& o) : s_(p), g_(g), o_(o) {}

  Result<ExprId> Parse() {
    // Top level: alternatives, each with its own anchors.
    std::vector<ExprId> alts;
    for (;;) {
      bool start_anchor = false, end_anchor = false;
      if (Peek('^')) {
        ++pos_;
        start_anchor = true;
      }
      auto body = Alternative(&end_anchor);
      if (!body.ok()) return body;
      ExprId any = g_->Star(Chars({{0, 0x10FFFF}}));
      std::vector<ExprId> seq;
      if (o_.search && !start_anchor) seq.push_back(any);
      seq.push_back(*body);
      if (o_.search && !end_anchor) seq.push_back(any);
      alts.push_back(g_->Seq(std::move(seq)));
      if (pos_ >= s_.size()) break;
      if (s_[pos_] == '|') {
        ++pos_;
        continue;
      }
      return Error("unbalanced ')'");
    }
    return g_->Alt(std::move(alts));
  }

 private:
  Status Error(const std::string& what) const {
    return Status::Invalid("regex '" + std::string(s_) + "' at offset " + std::to_string(pos_) + ": " + what);
  }
  Status Unsupported(const std::string& what) const {
    return Status::Unsupported("regex '" + std::string(s_) + "': " + what + " is not supported");
  }
  bool Peek(char c) const { return pos_ < s_.size() && s_[pos_] == c; }
  ExprId Chars(std::vector<CpRange> r) { return EmitChars(g_, NormalizeRanges(std::move(r)), o_.json_string); }

  // A sequence of terms. At the top level (end_anchor non-null) a final '$'
  // is allowed and reported.
  Result<ExprId> Alternative(bool* end_anchor) {
    std::vector<ExprId> seq;
    while (pos_ < s_.size() && s_[pos_] != '|' && s_[pos_] != ')') {
      if (s_[pos_] == '$') {
        ++pos_;
        bool at_end = pos_ >= s_.size() || s_[pos_] == '|';
        if (!end_anchor || !at_end) return Unsupported("'$' other than at the end of the pattern");
        *end_anchor = true;
        break;
      }
      if (s_[pos_] == '^') return Unsupported("'^' other than at the start of the pattern");
      auto atom = Atom();
      if (!atom.ok()) return atom;
      auto q = Quantifier(*atom);
      if (!q.ok()) return q;
      seq.push_back(*q);
    }
    return g_->Seq(std::move(seq));
  }

  Result<ExprId> Quantifier(ExprId atom) {
    if (pos_ >= s_.size()) return atom;
    char c = s_[pos_];
    int64_t lo = 0, hi = -1;
    if (c == '*') {
      ++pos_;
    } else if (c == '+') {
      lo = 1;
      ++pos_;
    } else if (c == '?') {
      hi = 1;
      ++pos_;
    } else if (c == '{') {
      // {n}, {n,}, {n,m}; anything else is a literal '{' (Annex B).
      size_t p = pos_ + 1;
      auto num = [&](int64_t* v) {
        size_t st = p;
        *v = 0;
        while (p < s_.size() && s_[p] >= '0' && s_[p] <= '9') {
          *v = std::min<int64_t>(*v * 10 + (s_[p] - '0'), 1'000'000);
          ++p;
        }
        return p > st;
      };
      if (!num(&lo)) return atom;
      if (p < s_.size() && s_[p] == ',') {
        ++p;
        if (!num(&hi)) hi = -1;
      } else {
        hi = lo;
      }
      if (p >= s_.size() || s_[p] != '}') return atom;
      pos_ = p + 1;
      if (hi >= 0 && hi < lo) return Error("quantifier {n,m} with m < n");
      if (lo > 10000 || hi > 10000) return Unsupported("a repetition count above 10000");
    } else {
      return atom;
    }
    if (Peek('?')) ++pos_;  // lazy: same language
    if (pos_ < s_.size() && (s_[pos_] == '*' || s_[pos_] == '+' || s_[pos_] == '?' ||
                             (s_[pos_] == '{' && pos_ + 1 < s_.size() && s_[pos_ + 1] >= '0' && s_[pos_ + 1] <= '9'))) {
      return Error("nothing to repeat");
    }
    return g_->Repeat(atom, int32_t(lo), int32_t(hi));
  }

  Result<ExprId> Atom() {
    char c = s_[pos_];
    if (c == '(') {
      ++pos_;
      if (Peek('?')) {
        if (pos_ + 1 < s_.size() && s_[pos_ + 1] == ':') {
          pos_ += 2;
        } else if (pos_ + 2 < s_.size() && s_[pos_ + 1] == '<' && s_[pos_ + 2] != '=' && s_[pos_ + 2] != '!') {
          size_t close = s_.find('>', pos_);
          if (close == std::string_view::npos) return Error("unterminated group name");
          pos_ = close + 1;
        } else {
          return Unsupported("lookahead and lookbehind");
        }
      }
      std::vector<ExprId> alts;
      for (;;) {
        auto a = Alternative(nullptr);
        if (!a.ok()) return a;
        alts.push_back(*a);
        if (Peek('|')) {
          ++pos_;
          continue;
        }
        break;
      }
      if (!Peek(')')) return Error("missing ')'");
      ++pos_;
      return g_->Alt(std::move(alts));
    }
    if (c == '[') return Class();
    if (c == '.') {
      ++pos_;
      return Chars(ComplementRanges(NormalizeRanges({{'\n', '\n'}, {'\r', '\r'}, {0x2028, 0x2029}})));
    }
    if (c == '*' || c == '+' || c == '?') return Error("nothing to repeat");
    if (c == ')') return Error("unbalanced ')'");
    if (c == '\\') {
      std::vector<CpRange> set;
      auto st = Escape(false, &set);
      if (!st.ok()) return st;
      return Chars(std::move(set));
    }
    auto cp = Utf8Char();
    if (!cp.ok()) return cp.status();
    return Chars({{*cp, *cp}});
  }

  Result<uint32_t> Utf8Char() {
    uint8_t c = uint8_t(s_[pos_]);
    int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (len == 0 || pos_ + size_t(len) > s_.size()) return Error("invalid UTF-8");
    uint32_t cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
    for (int i = 1; i < len; ++i) cp = (cp << 6) | (uint8_t(s_[pos_ + size_t(i)]) & 0x3F);
    pos_ += size_t(len);
    return cp;
  }

  Result<uint32_t> HexDigits(int n) {
    uint32_t v = 0;
    for (int i = 0; i < n; ++i) {
      int h = pos_ < s_.size() ? Hex(s_[pos_]) : -1;
      if (h < 0) return Error("expected hex digits");
      v = v * 16 + uint32_t(h);
      ++pos_;
    }
    return v;
  }

  // After a backslash: appends the characters the escape denotes to `set`.
  Status Escape(bool in_class, std::vector<CpRange>* set) {
    ++pos_;  // '\'
    if (pos_ >= s_.size()) return Error("pattern ends with '\\'");
    char e = s_[pos_++];
    auto one = [&](uint32_t cp) {
      set->push_back({cp, cp});
      return Status::Ok();
    };
    auto add = [&](const std::vector<CpRange>& r, bool negate) {
      auto x = negate ? ComplementRanges(r) : r;
      set->insert(set->end(), x.begin(), x.end());
      return Status::Ok();
    };
    switch (e) {
      case 'd': return add(Digits(), false);
      case 'D': return add(Digits(), true);
      case 'w': return add(Word(), false);
      case 'W': return add(Word(), true);
      case 's': return add(Space(), false);
      case 'S': return add(Space(), true);
      case 't': return one('\t');
      case 'n': return one('\n');
      case 'v': return one('\v');
      case 'f': return one('\f');
      case 'r': return one('\r');
      case 'b':
        if (in_class) return one('\b');
        return Unsupported("word boundary \\b");
      case 'B': return Unsupported("\\B");
      case 'p': case 'P': return Unsupported("Unicode property escapes \\p{...}");
      case 'k': return Unsupported("named backreferences");
      case 'c': {
        if (pos_ < s_.size() && ((s_[pos_] >= 'a' && s_[pos_] <= 'z') || (s_[pos_] >= 'A' && s_[pos_] <= 'Z'))) {
          return one(uint32_t(s_[pos_++]) % 32);
        }
        return one('\\');  // Annex B: "\c" not followed by a letter is literal
      }
      case 'x': {
        auto v = HexDigits(2);
        if (!v.ok()) return v.status();
        return one(*v);
      }
      case 'u': {
        if (Peek('{')) {
          ++pos_;
          uint32_t v = 0;
          int n = 0;
          while (pos_ < s_.size() && Hex(s_[pos_]) >= 0 && n < 8) {
            v = v * 16 + uint32_t(Hex(s_[pos_++]));
            ++n;
          }
          if (!Peek('}') || n == 0 || v > 0x10FFFF) return Error("bad \\u{...} escape");
          ++pos_;
          return one(v);
        }
        auto v = HexDigits(4);
        if (!v.ok()) return v.status();
        uint32_t cp = *v;
        // A surrogate pair written as two escapes is one code point.
        if (cp >= 0xD800 && cp <= 0xDBFF && pos_ + 5 < s_.size() + 0 && s_.substr(pos_, 2) == "\\u") {
          size_t save = pos_;
          pos_ += 2;
          auto lo = HexDigits(4);
          if (lo.ok() && *lo >= 0xDC00 && *lo <= 0xDFFF) return one(0x10000 + ((cp - 0xD800) << 10) + (*lo - 0xDC00));
          pos_ = save;
        }
        if (cp >= 0xD800 && cp <= 0xDFFF) return Status::Ok();  // a lone surrogate matches nothing in UTF-8
        return one(cp);
      }
      case '0':
        if (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') return Unsupported("octal escapes");
        return one(0);
      default:
        if (e >= '1' && e <= '9') return Unsupported("backreferences");
        if ((e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z')) return Error(std::string("unknown escape \\") + e);
        --pos_;
        {
          auto cp = Utf8Char();
          if (!cp.ok()) return cp.status();
          return one(*cp);
        }
    }
  }

  Result<ExprId> Class() {
    ++pos_;  // '['
    bool negate = Peek('^');
    if (negate) ++pos_;
    std::vector<CpRange> set;
    bool first = true;
    for (;;) {
      if (pos_ >= s_.size()) return Error("unterminated character class");
      if (s_[pos_] == ']') {
        ++pos_;
        break;
      }
      (void)first;
      first = false;
      // One class atom, possibly the start of a range.
      auto atom = [&](std::vector<CpRange>* out, bool* single, uint32_t* cp) -> Status {
        if (s_[pos_] == '\\') {
          std::vector<CpRange> tmp;
          LI_RETURN_IF_ERROR(Escape(true, &tmp));
          *single = tmp.size() == 1 && tmp[0].lo == tmp[0].hi;
          if (*single) *cp = tmp[0].lo;
          out->insert(out->end(), tmp.begin(), tmp.end());
          return Status::Ok();
        }
        auto c = Utf8Char();
        if (!c.ok()) return c.status();
        *single = true;
        *cp = *c;
        out->push_back({*c, *c});
        return Status::Ok();
      };
      std::vector<CpRange> a;
      bool single = false;
      uint32_t lo = 0;
      LI_RETURN_IF_ERROR(atom(&a, &single, &lo));
      if (pos_ + 1 < s_.size() && s_[pos_] == '-' && s_[pos_ + 1] != ']') {
        ++pos_;
        std::vector<CpRange> b;
        bool single_b = false;
        uint32_t hi = 0;
        LI_RETURN_IF_ERROR(atom(&b, &single_b, &hi));
        if (!single || !single_b) {
          // Annex B: [\d-z] is \d, '-' and 'z'.
          set.insert(set.end(), a.begin(), a.end());
          set.push_back({'-', '-'});
          set.insert(set.end(), b.begin(), b.end());
          continue;
        }
        if (hi < lo) return Error("character class range out of order");
        set.push_back({lo, hi});
        continue;
      }
      set.insert(set.end(), a.begin(), a.end());
    }
    set = NormalizeRanges(std::move(set));
    if (negate) set = ComplementRanges(set);
    return Chars(std::move(set));
  }

  std::string_view s_;
  Grammar* g_;
  RegexOptions o_;
  size_t pos_ = 0;
};

}  // namespace

ExprId EmitChars(Grammar* g, const std::vector<CpRange>& ranges, bool json_string) {
  if (!json_string) return g->CodePoints(ranges);
  // Characters that appear as themselves, then the escaped ones.
  std::vector<CpRange> plain;
  std::vector<ExprId> alts;
  static const char* kHex = "0123456789abcdef";
  for (CpRange r : ranges) {
    for (uint32_t lo = r.lo; lo <= r.hi;) {
      if (lo < 0x20 || lo == '"' || lo == '\\') {
        std::string esc;
        switch (lo) {
          case '"': esc = "\\\""; break;
          case '\\': esc = "\\\\"; break;
          case '\b': esc = "\\b"; break;
          case '\f': esc = "\\f"; break;
          case '\n': esc = "\\n"; break;
          case '\r': esc = "\\r"; break;
          case '\t': esc = "\\t"; break;
          default: esc = std::string("\\u00") + kHex[lo >> 4] + kHex[lo & 15];
        }
        alts.push_back(g->Literal(esc));
        ++lo;
        continue;
      }
      // The longest run without a special character.
      uint32_t hi = r.hi;
      if (lo < '"' && hi >= '"') hi = '"' - 1;
      else if (lo < '\\' && hi >= '\\') hi = '\\' - 1;
      plain.push_back({lo, hi});
      if (hi == r.hi) break;
      lo = hi + 1;
    }
  }
  if (!plain.empty()) alts.insert(alts.begin(), g->CodePoints(plain));
  return g->Alt(std::move(alts));
}

Result<ExprId> CompileRegex(std::string_view pattern, Grammar* g, const RegexOptions& options) {
  return RegexParser(pattern, g, options).Parse();
}

Result<Grammar> RegexGrammar(std::string_view pattern) {
  Grammar g;
  RuleId root = g.AddRule("root");
  auto e = CompileRegex(pattern, &g, RegexOptions{});
  if (!e.ok()) return e.status();
  g.SetBody(root, *e);
  g.set_root(root);
  return g;
}

}  // namespace lithium::grammar
