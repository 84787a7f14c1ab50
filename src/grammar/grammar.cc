#include "src/grammar/grammar.h"

#include <algorithm>

namespace lithium::grammar {
namespace {

constexpr uint32_t kMaxCp = 0x10FFFF;

// Splits [lo, hi] (one encoding length, no surrogates) until each piece is
// a product of byte ranges, the classic construction of RE2 and Rust's
// regex-syntax: a piece whose low continuation bits do not span the full
// 0x80..0xBF range is cut at the boundary.
void SplitUtf8(Grammar& g, uint32_t lo, uint32_t hi, std::vector<ExprId>* alts) {
  uint8_t a[4], b[4];
  int n = EncodeUtf8(lo, a);
  for (int i = 1; i < n; ++i) {
    uint32_t m = (1u << (6 * i)) - 1;
    if ((lo & ~m) != (hi & ~m)) {
      if ((lo & m) != 0) {
        SplitUtf8(g, lo, lo | m, alts);
        SplitUtf8(g, (lo | m) + 1, hi, alts);
        return;
      }
      if ((hi & m) != m) {
        SplitUtf8(g, lo, (hi & ~m) - 1, alts);
        SplitUtf8(g, hi & ~m, hi, alts);
        return;
      }
    }
  }
  EncodeUtf8(hi, b);
  std::vector<ExprId> seq;
  for (int i = 0; i < n; ++i) seq.push_back(g.Bytes({{a[i], b[i]}}));
  alts->push_back(g.Seq(std::move(seq)));
}

Expr MakeExpr(ExprKind kind) {
  Expr e;
  e.kind = kind;
  return e;
}

void AppendRangeString(std::string* out, uint8_t lo, uint8_t hi) {
  auto one = [&](uint8_t c) {
    if (c >= 0x21 && c <= 0x7E && c != ']' && c != '\\' && c != '-' && c != '^') {
      out->push_back(char(c));
    } else {
      static const char* hex = "0123456789ABCDEF";
      *out += "\\x";
      out->push_back(hex[c >> 4]);
      out->push_back(hex[c & 15]);
    }
  };
  one(lo);
  if (hi != lo) {
    out->push_back('-');
    one(hi);
  }
}

}  // namespace

std::vector<CpRange> NormalizeRanges(std::vector<CpRange> ranges) {
  std::vector<CpRange> out;
  for (auto& r : ranges) {
    if (r.lo > kMaxCp || r.lo > r.hi) continue;
    r.hi = std::min(r.hi, kMaxCp);
  }
  std::sort(ranges.begin(), ranges.end(), [](CpRange x, CpRange y) { return x.lo < y.lo; });
  for (const CpRange& r : ranges) {
    if (r.lo > kMaxCp || r.lo > r.hi) continue;
    if (!out.empty() && r.lo <= out.back().hi + 1) {
      out.back().hi = std::max(out.back().hi, r.hi);
    } else {
      out.push_back(r);
    }
  }
  return out;
}

std::vector<CpRange> ComplementRanges(const std::vector<CpRange>& ranges) {
  std::vector<CpRange> out;
  uint32_t next = 0;
  for (const CpRange& r : ranges) {
    if (r.lo > next) out.push_back({next, r.lo - 1});
    next = r.hi + 1;
  }
  if (next <= kMaxCp) out.push_back({next, kMaxCp});
  return out;
}

Grammar::Grammar() {
  exprs_.push_back(MakeExpr(ExprKind::kNothing));
  exprs_.push_back(MakeExpr(ExprKind::kEmpty));
}

ExprId Grammar::Add(Expr e) {
  exprs_.push_back(std::move(e));
  return ExprId(exprs_.size() - 1);
}

ExprId Grammar::Bytes(std::vector<ByteRange> ranges) {
  std::sort(ranges.begin(), ranges.end(), [](ByteRange a, ByteRange b) { return a.lo < b.lo; });
  std::vector<ByteRange> merged;
  for (ByteRange r : ranges) {
    if (r.lo > r.hi) continue;
    if (!merged.empty() && int(r.lo) <= int(merged.back().hi) + 1) {
      merged.back().hi = std::max(merged.back().hi, r.hi);
    } else {
      merged.push_back(r);
    }
  }
  if (merged.empty()) return Nothing();
  Expr e = MakeExpr(ExprKind::kBytes);
  e.bytes = std::move(merged);
  return Add(std::move(e));
}

ExprId Grammar::Literal(std::string_view bytes) {
  if (bytes.empty()) return Empty();
  std::vector<ExprId> seq;
  for (char c : bytes) seq.push_back(Byte(uint8_t(c)));
  return Seq(std::move(seq));
}

ExprId Grammar::Seq(std::vector<ExprId> kids) {
  std::vector<ExprId> flat;
  for (ExprId k : kids) {
    if (k == Nothing()) return Nothing();
    if (k == Empty()) continue;
    if (exprs_[size_t(k)].kind == ExprKind::kSeq) {
      const std::vector<ExprId> inner = exprs_[size_t(k)].kids;
      flat.insert(flat.end(), inner.begin(), inner.end());
    } else {
      flat.push_back(k);
    }
  }
  if (flat.empty()) return Empty();
  if (flat.size() == 1) return flat[0];
  Expr e = MakeExpr(ExprKind::kSeq);
  e.kids = std::move(flat);
  return Add(std::move(e));
}

ExprId Grammar::Alt(std::vector<ExprId> kids) {
  std::vector<ExprId> flat;
  for (ExprId k : kids) {
    if (k == Nothing()) continue;
    if (exprs_[size_t(k)].kind == ExprKind::kAlt) {
      const std::vector<ExprId> inner = exprs_[size_t(k)].kids;
      flat.insert(flat.end(), inner.begin(), inner.end());
    } else if (std::find(flat.begin(), flat.end(), k) == flat.end()) {
      flat.push_back(k);
    }
  }
  if (flat.empty()) return Nothing();
  if (flat.size() == 1) return flat[0];
  Expr e = MakeExpr(ExprKind::kAlt);
  e.kids = std::move(flat);
  return Add(std::move(e));
}

ExprId Grammar::Repeat(ExprId k, int32_t min, int32_t max) {
  if (max != -1 && max < min) return Nothing();
  if (max == 0) return Empty();
  if (k == Empty()) return Empty();
  if (k == Nothing()) return min == 0 ? Empty() : Nothing();
  if (min == 1 && max == 1) return k;
  Expr e = MakeExpr(ExprKind::kRepeat);
  e.min = min;
  e.max = max;
  e.kids = {k};
  return Add(std::move(e));
}

ExprId Grammar::Ref(RuleId r) {
  Expr e = MakeExpr(ExprKind::kRef);
  e.rule = r;
  return Add(std::move(e));
}

ExprId Grammar::CodePoints(std::vector<CpRange> ranges) {
  ranges = NormalizeRanges(std::move(ranges));
  // Remove the surrogates, then cut at the encoding-length boundaries.
  std::vector<CpRange> pieces;
  for (CpRange r : ranges) {
    const uint32_t cuts[][2] = {{0, 0x7F}, {0x80, 0x7FF}, {0x800, 0xD7FF}, {0xE000, 0xFFFF}, {0x10000, kMaxCp}};
    for (auto& c : cuts) {
      uint32_t lo = std::max(r.lo, c[0]), hi = std::min(r.hi, c[1]);
      if (lo <= hi) pieces.push_back({lo, hi});
    }
  }
  std::vector<ExprId> alts;
  std::vector<ByteRange> ascii;
  for (CpRange p : pieces) {
    if (p.hi < 0x80) {
      ascii.push_back({uint8_t(p.lo), uint8_t(p.hi)});
    } else {
      SplitUtf8(*this, p.lo, p.hi, &alts);
    }
  }
  if (!ascii.empty()) alts.insert(alts.begin(), Bytes(std::move(ascii)));
  return Alt(std::move(alts));
}

ExprId Grammar::And(std::vector<ExprId> kids) {
  std::vector<ExprId> flat;
  for (ExprId k : kids) {
    if (k == Nothing()) return Nothing();
    if (std::find(flat.begin(), flat.end(), k) == flat.end()) flat.push_back(k);
  }
  if (flat.empty()) return Nothing();
  if (flat.size() == 1) return flat[0];
  Expr e = MakeExpr(ExprKind::kAnd);
  e.kids = std::move(flat);
  return Add(std::move(e));
}

RuleId Grammar::AddRule(std::string name) {
  rules_.push_back(Rule{std::move(name), -1});
  return RuleId(rules_.size() - 1);
}

RuleId Grammar::FindRule(std::string_view name) const {
  for (size_t i = 0; i < rules_.size(); ++i) {
    if (rules_[i].name == name) return RuleId(i);
  }
  return -1;
}

std::string Grammar::ExprToString(ExprId id) const {
  const Expr& e = exprs_[size_t(id)];
  switch (e.kind) {
    case ExprKind::kNothing: return "[]";
    case ExprKind::kEmpty: return "\"\"";
    case ExprKind::kBytes: {
      std::string s = "[";
      for (ByteRange r : e.bytes) AppendRangeString(&s, r.lo, r.hi);
      return s + "]";
    }
    case ExprKind::kSeq: {
      std::string s = "(";
      for (size_t i = 0; i < e.kids.size(); ++i) s += (i ? " " : "") + ExprToString(e.kids[i]);
      return s + ")";
    }
    case ExprKind::kAlt: {
      std::string s = "(";
      for (size_t i = 0; i < e.kids.size(); ++i) s += (i ? " | " : "") + ExprToString(e.kids[i]);
      return s + ")";
    }
    case ExprKind::kRepeat:
      return ExprToString(e.kids[0]) + "{" + std::to_string(e.min) + "," +
             (e.max < 0 ? std::string() : std::to_string(e.max)) + "}";
    case ExprKind::kRef: return rules_[size_t(e.rule)].name;
    case ExprKind::kAnd: {
      std::string s = "(";
      for (size_t i = 0; i < e.kids.size(); ++i) s += (i ? " & " : "") + ExprToString(e.kids[i]);
      return s + ")";
    }
  }
  return "?";
}

std::string Grammar::ToString() const {
  std::string s;
  for (const Rule& r : rules_) {
    s += r.name + " ::= " + (r.body < 0 ? std::string("<undefined>") : ExprToString(r.body)) + "\n";
  }
  return s;
}

}  // namespace lithium::grammar
