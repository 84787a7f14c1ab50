// The grammar IR every input (JSON Schema, GBNF, regex) compiles to: named
// rules whose bodies are regular expressions over bytes and references to
// other rules. Working on bytes, not characters, is what lets one token
// carry half a UTF-8 character, or a closing quote plus a comma: the matcher
// never needs to know where characters or grammar symbols begin.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "src/base/status.h"
#include "src/base/utf8.h"

namespace lithium::grammar {

using ExprId = int32_t;
using RuleId = int32_t;

enum class ExprKind : uint8_t {
  kNothing,  // matches no string (the empty language)
  kEmpty,    // matches the empty string
  kBytes,    // one byte from a set
  kSeq,      // concatenation of kids
  kAlt,      // union of kids
  kRepeat,   // kids[0] repeated min..max times (max -1: unbounded)
  kRef,      // a call of another rule
  kAnd,      // intersection of kids (regular, no rule calls inside)
};

struct ByteRange {
  uint8_t lo, hi;  // inclusive
};

// A code point range, inclusive; used by character classes.
struct CpRange {
  uint32_t lo, hi;
};

struct Expr {
  ExprKind kind = ExprKind::kNothing;
  int32_t min = 0, max = 0;      // kRepeat
  RuleId rule = -1;              // kRef
  std::vector<ByteRange> bytes;  // kBytes: sorted, disjoint, non-adjacent
  std::vector<ExprId> kids;      // kSeq, kAlt, kRepeat
};

struct Rule {
  std::string name;
  ExprId body = -1;  // -1 until defined
};

// Builds expressions in a pool; ids stay valid as the pool grows.
class Grammar {
 public:
  Grammar();

  ExprId Nothing() const { return 0; }
  ExprId Empty() const { return 1; }
  ExprId Bytes(std::vector<ByteRange> ranges);
  ExprId Byte(uint8_t b) { return Bytes({{b, b}}); }
  ExprId Literal(std::string_view bytes);
  ExprId Seq(std::vector<ExprId> kids);
  ExprId Alt(std::vector<ExprId> kids);
  ExprId Repeat(ExprId e, int32_t min, int32_t max);
  ExprId Star(ExprId e) { return Repeat(e, 0, -1); }
  ExprId Plus(ExprId e) { return Repeat(e, 1, -1); }
  ExprId Opt(ExprId e) { return Repeat(e, 0, 1); }
  ExprId Ref(RuleId r);
  // Strings every kid matches. The kids must not call rules (Compile
  // rejects it): intersection is computed on their automata.
  ExprId And(std::vector<ExprId> kids);
  // The UTF-8 encodings of the code points in `ranges` (any order, may
  // overlap). Surrogates (U+D800..U+DFFF) are never encoded: UTF-8 cannot
  // carry them.
  ExprId CodePoints(std::vector<CpRange> ranges);

  // A new rule with no body yet (for forward references and recursion).
  RuleId AddRule(std::string name);
  void SetBody(RuleId r, ExprId body) { rules_[size_t(r)].body = body; }
  // -1 when absent.
  RuleId FindRule(std::string_view name) const;

  void set_root(RuleId r) { root_ = r; }
  RuleId root() const { return root_; }
  const std::vector<Rule>& rules() const { return rules_; }
  const Expr& expr(ExprId e) const { return exprs_[size_t(e)]; }
  size_t num_exprs() const { return exprs_.size(); }

  // Readable form for debugging and error messages (GBNF-like).
  std::string ToString() const;
  std::string ExprToString(ExprId e) const;

 private:
  ExprId Add(Expr e);
  std::vector<Expr> exprs_;
  std::vector<Rule> rules_;
  RuleId root_ = -1;
};

// Normalises code point ranges: sorted, merged, clipped to U+0000..U+10FFFF.
std::vector<CpRange> NormalizeRanges(std::vector<CpRange> ranges);
// The complement within U+0000..U+10FFFF of normalised ranges.
std::vector<CpRange> ComplementRanges(const std::vector<CpRange>& ranges);
// Appends the UTF-8 encoding of a code point.
using ::lithium::AppendUtf8;

}  // namespace lithium::grammar
