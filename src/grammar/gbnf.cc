#include "src/grammar/gbnf.h"

#include <string>

namespace lithium::grammar {
namespace {

bool IsWordChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

class Parser {
 public:
  explicit Parser(std::string_view text) : s_(text) {}

  Result<Grammar> Parse() {
    SkipSpace();
    if (pos_ >= s_.size()) return Error("the grammar is empty");
    while (pos_ < s_.size()) {
      std::string name = Name();
      if (name.empty()) return Error("expected a rule name");
      SkipSpace();
      if (s_.substr(pos_, 3) != "::=") return Error("expected '::=' after '" + name + "'");
      pos_ += 3;
      RuleId r = RuleFor(name);
      if (defined_.size() <= size_t(r)) defined_.resize(size_t(r) + 1, false);
      if (defined_[size_t(r)]) return Error("rule '" + name + "' is defined twice");
      defined_[size_t(r)] = true;
      auto body = Alternates(0);
      if (!body.ok()) return body.status();
      g_.SetBody(r, *body);
      SkipSpace();
    }
    for (size_t r = 0; r < g_.rules().size(); ++r) {
      if (r >= defined_.size() || !defined_[r]) {
        return Status::Invalid("grammar: rule '" + g_.rules()[r].name + "' is used but never defined");
      }
    }
    RuleId root = g_.FindRule("root");
    if (root < 0) return Status::Invalid("grammar: there is no 'root' rule");
    g_.set_root(root);
    return std::move(g_);
  }

 private:
  Status Error(const std::string& what) const {
    int line = 1, col = 1;
    for (size_t i = 0; i < pos_ && i < s_.size(); ++i) {
      if (s_[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    return Status::Invalid("grammar line " + std::to_string(line) + ", column " + std::to_string(col) + ": " + what);
  }

  void SkipSpace() {
    while (pos_ < s_.size()) {
      char c = s_[pos_];
      if (c == '#') {
        while (pos_ < s_.size() && s_[pos_] != '\n') ++pos_;
      } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        ++pos_;
      } else {
        break;
      }
    }
  }

  std::string Name() {
    size_t start = pos_;
    while (pos_ < s_.size() && IsWordChar(s_[pos_])) ++pos_;
    return std::string(s_.substr(start, pos_ - start));
  }

  // Is the text at pos_ the start of the next rule ("name ::=")?
  bool AtRuleStart() const {
    size_t p = pos_;
    while (p < s_.size() && IsWordChar(s_[p])) ++p;
    if (p == pos_) return false;
    while (p < s_.size() && (s_[p] == ' ' || s_[p] == '\t' || s_[p] == '\n' || s_[p] == '\r')) ++p;
    return s_.substr(p, 3) == "::=";
  }

  RuleId RuleFor(const std::string& name) {
    RuleId r = g_.FindRule(name);
    return r >= 0 ? r : g_.AddRule(name);
  }

  Result<ExprId> Alternates(int depth) {
    std::vector<ExprId> alts;
    for (;;) {
      auto seq = Sequence(depth);
      if (!seq.ok()) return seq;
      alts.push_back(*seq);
      SkipSpace();
      if (pos_ < s_.size() && s_[pos_] == '|') {
        ++pos_;
        continue;
      }
      break;
    }
    return g_.Alt(std::move(alts));
  }

  Result<ExprId> Sequence(int depth) {
    std::vector<ExprId> items;
    for (;;) {
      SkipSpace();
      if (pos_ >= s_.size()) break;
      char c = s_[pos_];
      if (c == '|' || c == ')') break;
      if (AtRuleStart()) break;
      ExprId item;
      if (c == '"') {
        auto lit = LiteralString();
        if (!lit.ok()) return lit;
        item = *lit;
      } else if (c == '[') {
        auto cls = CharClass();
        if (!cls.ok()) return cls;
        item = *cls;
      } else if (c == '.') {
        ++pos_;
        item = g_.CodePoints({{0, 0x10FFFF}});
      } else if (c == '(') {
        ++pos_;
        if (depth > 200) return Error("parentheses nested too deeply");
        auto inner = Alternates(depth + 1);
        if (!inner.ok()) return inner;
        SkipSpace();
        if (pos_ >= s_.size() || s_[pos_] != ')') return Error("expected ')'");
        ++pos_;
        item = *inner;
      } else if (IsWordChar(c)) {
        item = g_.Ref(RuleFor(Name()));
      } else {
        return Error(std::string("unexpected character '") + c + "'");
      }
      // Postfix repetition operators (no space before them, as in llama.cpp,
      // but tolerated).
      for (;;) {
        size_t save = pos_;
        while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t')) ++pos_;
        if (pos_ >= s_.size()) break;
        char op = s_[pos_];
        if (op == '*') {
          item = g_.Star(item);
        } else if (op == '+') {
          item = g_.Plus(item);
        } else if (op == '?') {
          item = g_.Opt(item);
        } else if (op == '{') {
          auto rep = Braces(item);
          if (!rep.ok()) return rep;
          item = *rep;
          continue;
        } else {
          pos_ = save;
          break;
        }
        ++pos_;
      }
      items.push_back(item);
    }
    return g_.Seq(std::move(items));
  }

  Result<ExprId> Braces(ExprId item) {
    ++pos_;  // '{'
    auto number = [&](int64_t* out) {
      size_t start = pos_;
      int64_t v = 0;
      while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9' && v < 100000) v = v * 10 + (s_[pos_++] - '0');
      *out = v;
      return pos_ > start;
    };
    SkipSpace();
    int64_t lo = 0, hi = -1;
    if (!number(&lo)) return Error("expected a number after '{'");
    SkipSpace();
    if (pos_ < s_.size() && s_[pos_] == ',') {
      ++pos_;
      SkipSpace();
      if (!number(&hi)) hi = -1;
      SkipSpace();
    } else {
      hi = lo;
    }
    if (pos_ >= s_.size() || s_[pos_] != '}') return Error("expected '}'");
    ++pos_;
    if (lo > 10000 || hi > 10000) return Error("repetition counts above 10000 are not supported");
    if (hi >= 0 && hi < lo) return Error("repetition {m,n} with n < m");
    return g_.Repeat(item, int32_t(lo), int32_t(hi));
  }

  // One (possibly escaped) code point inside "..." or [...].
  Result<uint32_t> CodePoint() {
    if (pos_ >= s_.size()) return Error("unexpected end of grammar");
    uint8_t c = uint8_t(s_[pos_]);
    if (c == '\\') {
      ++pos_;
      if (pos_ >= s_.size()) return Error("unexpected end after '\\'");
      char e = s_[pos_++];
      auto hex = [&](int n) -> Result<uint32_t> {
        uint32_t v = 0;
        for (int i = 0; i < n; ++i) {
          int h = pos_ < s_.size() ? HexValue(s_[pos_]) : -1;
          if (h < 0) return Error("expected " + std::to_string(n) + " hex digits");
          v = v * 16 + uint32_t(h);
          ++pos_;
        }
        return v;
      };
      switch (e) {
        case 'n': return uint32_t('\n');
        case 'r': return uint32_t('\r');
        case 't': return uint32_t('\t');
        case 'x': return hex(2);
        case 'u': return hex(4);
        case 'U': return hex(8);
        case '\\': case '"': case '[': case ']': case '-': case '/': case '^': return uint32_t(uint8_t(e));
        default: return Error(std::string("unknown escape '\\") + e + "'");
      }
    }
    // A UTF-8 sequence.
    int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (len == 0 || pos_ + size_t(len) > s_.size()) return Error("invalid UTF-8 in the grammar");
    uint32_t cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
    for (int i = 1; i < len; ++i) {
      uint8_t cc = uint8_t(s_[pos_ + size_t(i)]);
      if ((cc >> 6) != 2) return Error("invalid UTF-8 in the grammar");
      cp = (cp << 6) | (cc & 0x3F);
    }
    pos_ += size_t(len);
    return cp;
  }

  Result<ExprId> LiteralString() {
    ++pos_;  // '"'
    std::string bytes;
    for (;;) {
      if (pos_ >= s_.size()) return Error("unterminated string literal");
      if (s_[pos_] == '"') {
        ++pos_;
        break;
      }
      auto cp = CodePoint();
      if (!cp.ok()) return cp.status();
      if (*cp > 0x10FFFF || (*cp >= 0xD800 && *cp <= 0xDFFF)) return Error("code point out of range");
      AppendUtf8(*cp, &bytes);
    }
    return g_.Literal(bytes);
  }

  Result<ExprId> CharClass() {
    ++pos_;  // '['
    bool negate = pos_ < s_.size() && s_[pos_] == '^';
    if (negate) ++pos_;
    std::vector<CpRange> ranges;
    for (;;) {
      if (pos_ >= s_.size()) return Error("unterminated character class");
      if (s_[pos_] == ']') {
        ++pos_;
        break;
      }
      auto lo = CodePoint();
      if (!lo.ok()) return lo.status();
      uint32_t hi = *lo;
      if (pos_ + 1 < s_.size() && s_[pos_] == '-' && s_[pos_ + 1] != ']') {
        ++pos_;
        auto h = CodePoint();
        if (!h.ok()) return h.status();
        hi = *h;
        if (hi < *lo) return Error("character range out of order");
      }
      ranges.push_back({*lo, hi});
    }
    ranges = NormalizeRanges(std::move(ranges));
    if (negate) ranges = ComplementRanges(ranges);
    return g_.CodePoints(std::move(ranges));
  }

  std::string_view s_;
  size_t pos_ = 0;
  Grammar g_;
  std::vector<bool> defined_;
};

}  // namespace

Result<Grammar> ParseGbnf(std::string_view text) { return Parser(text).Parse(); }

}  // namespace lithium::grammar
