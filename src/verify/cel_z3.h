// Compiles checked CEL rules to Z3 terms, in one of two modes:
//
//  - concrete: `input` and `output` are JSON documents; every leaf becomes a
//    Z3 constant, so a rule's term is ground and Z3's simplifier decides it.
//    Numbers are exact rationals read from their decimal text; strings are
//    Z3 strings; lists are unrolled over their actual items.
//  - symbolic: `input` and `output` are unknown documents of the schemas'
//    types; every leaf becomes a Z3 variable constrained by the schema
//    (bounds, enums, lengths). Strings are interned ids (Ints) and size(),
//    <, startsWith() etc. uninterpreted functions, exact on every pair of
//    string literals (AddStringAxioms): Z3's sequence theory costs tens of
//    milliseconds per query, this costs microseconds, and stays sound. Lists get a length variable and max_slots
//    element slots; the slots are the list's first items, and whatever a
//    longer list holds past them acts as one abstract extra item (fresh,
//    unconstrained variables), so every real document maps to a model. The
//    encoding over-approximates: "unsat" is a proof, "sat" may be spurious.
//
// Every compiled expression is a pair (v, d): its value, and whether it is
// defined, i.e. evaluates without a CEL error (missing field, division by
// zero, index out of range, null where a value is needed). && and || absorb
// errors as CEL does (false && error == false), and a rule holds iff d && v.
//
// This header includes z3++.h and is private to src/verify.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <z3++.h>

#include "nlohmann/json.hpp"
#include "src/verify/cel_ast.h"
#include "src/verify/json_doc.h"

namespace lithium::verify::cel {

struct ListData;

struct Val {
  explicit Val(z3::context& c) : v(c.bool_val(true)), d(c.bool_val(true)), nul(c.bool_val(false)) {}
  TypeRef type;
  z3::expr v;    // scalars: the value (Bool, Int, Real or String sort)
  z3::expr d;    // defined: no CEL error
  z3::expr nul;  // the value is JSON null
  const JsonValue* json = nullptr;   // concrete mode: the document value, for aggregates
  std::string path;                  // where the value lives (output.items[2]); "" when computed
  std::shared_ptr<const ListData> list;  // computed lists; null for lists read from a document
};

// Helpers shared by cel_z3.cc, cel_lists.cc and cel_strings.cc.

inline std::string ElementPath(const std::string& list_path, size_t k) {
  return list_path.empty() ? "" : list_path + "[" + std::to_string(k) + "]";
}
inline bool IsFalse(const z3::expr& e) { return e.is_false(); }
inline bool IsTrue(const z3::expr& e) { return e.is_true(); }

// Boolean connectives that fold literals on the spot. In concrete mode most
// definedness terms are literals, and folding them here saves building (and
// then simplifying) thousands of Z3 terms per verification.
inline z3::expr And(const z3::expr& a, const z3::expr& b) {
  if (a.is_false() || b.is_true()) return a;
  if (b.is_false() || a.is_true()) return b;
  return a && b;
}
inline z3::expr Or(const z3::expr& a, const z3::expr& b) {
  if (a.is_true() || b.is_false()) return a;
  if (b.is_true() || a.is_false()) return b;
  return a || b;
}
inline z3::expr Not(const z3::expr& a) {
  if (a.is_true()) return a.ctx().bool_val(false);
  if (a.is_false()) return a.ctx().bool_val(true);
  return !a;
}

// Defined and not null: usable as an operand.
inline z3::expr Ok(const Val& x) { return And(x.d, Not(x.nul)); }

struct Slot {
  z3::expr guard;  // the element exists
  Val val;
};

struct ListData {
  explicit ListData(z3::context& c) : overflow(c.bool_val(false)) {}
  std::vector<Slot> slots;
  z3::expr overflow;  // symbolic mode: the list has elements past the slots
};

// Thrown in symbolic mode by constructs the encoding does not cover (an
// object picked from a list by an unknown index); the rule is then left out
// of the load-time analysis. Never thrown in concrete mode.
struct SymbolicUnsupported {
  std::string what;
};

// Variables and schema constraints shared by every rule of a symbolic
// analysis, so `output.amount` is one variable with its bounds added once.
struct SymbolTable {
  explicit SymbolTable(z3::context& c) : constraints(c) {}
  void Add(const std::string& owner, const z3::expr& e) {
    constraints.push_back(e);
    owners.push_back(owner);
  }
  z3::expr_vector constraints;
  std::vector<std::string> owners;  // the variable each constraint is about
  std::set<std::string> created;
  int max_slots = 4;
  int fresh = 0;
  // Interned strings: literals and enum values, by id.
  std::map<std::string, int64_t> string_ids;
  std::vector<std::string> strings;
  std::set<int> string_fns;  // the StrFn values used
};

// String operations, as Z3's sequence functions (concrete mode) or as
// uninterpreted functions over interned ids (symbolic mode).
enum class StrFn { kLen, kLt, kPrefix, kSuffix, kContains, kConcat };

// Adds, for every used StrFn, its value on every pair of interned strings,
// computed here on the same characters Z3 would see. Call after compiling
// every rule of an analysis.
void AddStringAxioms(z3::context& ctx, SymbolTable* symbols);

// The characters of a string as Z3 sees them (code points, with the few
// above U+2FFFF spelled as three characters).
std::vector<uint32_t> EncodeString(const std::string& utf8);

// A field a rule read while it was decided, for the report.
struct Read {
  std::string field;        // output.items[0].amount
  nlohmann::json value;     // the value read (scalars), absent when missing
  bool missing = false;
  int64_t size = -1;        // size() of a list: the item count
};

class Compiler {
 public:
  // Concrete mode. `input` may be null (no input given: reading it is an error).
  Compiler(z3::context& ctx, const JsonValue* input, const JsonValue* output);
  // Symbolic mode.
  Compiler(z3::context& ctx, TypeRef input_type, TypeRef output_type, SymbolTable* symbols);

  Val Compile(const Expr& e);

  const std::vector<Read>& reads() const { return reads_; }
  const std::vector<std::string>& errors() const { return errors_; }
  // Symbolic mode: the variables the compiled rule touched, so a check can
  // leave out the schema constraints of everything else.
  const std::set<std::string>& touched() const { return touched_; }
  // Caps the reads kept per rule; a rule over a long list reads every item.
  static constexpr size_t kMaxReads = 32;

 private:
  bool concrete() const { return symbols_ == nullptr; }
  z3::expr True() { return ctx_.bool_val(true); }
  z3::expr False() { return ctx_.bool_val(false); }
  z3::expr Fresh(const z3::sort& s);
  z3::expr FreshBool() { return Fresh(ctx_.bool_sort()); }
  z3::expr FreshCount();
  z3::expr StringVal(const std::string& utf8);
  // f(a) or f(a, *b); kPrefix: a is a prefix of b; kContains: a contains b.
  z3::expr Str(StrFn f, const z3::expr& a, const z3::expr* b = nullptr);
  z3::expr DefaultOf(Type::Kind kind);
  z3::expr Coerce(const Val& x, Type::Kind kind);
  void NoteRead(const std::string& path, const JsonValue* json, int64_t size = -1);
  void NoteError(std::string message);

  Val Root(const std::string& name, const TypeRef& type);
  Val FromJson(const TypeRef& type, const JsonValue* json, const std::string& path, z3::expr d);
  Val FromSymbol(const TypeRef& type, const std::string& path, z3::expr d);
  void AddScalarConstraints(const std::string& path, const Type& t, const z3::expr& v, const z3::expr& nul);
  Val Field(const Val& parent, const std::string& name, const TypeRef& type);
  std::shared_ptr<const ListData> Elements(const Val& list);
  Val Index(const Val& list, const Val& index, const TypeRef& type);

  Val Literal(const Expr& e);
  Val Unary(const Expr& e);
  Val Binary(const Expr& e);
  Val Arith(const std::string& op, const Val& a, const Val& b, const TypeRef& type);
  Val Compare(const std::string& op, const Val& a, const Val& b);
  Val Equal(const Val& a, const Val& b);
  Val In(const Val& x, const Val& list);
  Val Ternary(const Expr& e);
  Val Call(const Expr& e);
  Val Has(const Expr& e);
  Val Size(const Val& x);
  Val Sum(const Val& list, const TypeRef& type);
  Val Macro(const Expr& e);
  Val ListLiteral(const Expr& e);
  Val Concat(const Val& a, const Val& b, const TypeRef& type);

  // CEL's error-absorbing && and || on (v, d) pairs.
  void AndInto(z3::expr* v, z3::expr* d, const z3::expr& v2, const z3::expr& d2);
  void OrInto(z3::expr* v, z3::expr* d, const z3::expr& v2, const z3::expr& d2);

  z3::context& ctx_;
  const JsonValue* input_ = nullptr;
  const JsonValue* output_ = nullptr;
  TypeRef input_type_, output_type_;
  SymbolTable* symbols_ = nullptr;
  std::vector<std::pair<std::string, Val>> scopes_;
  std::map<std::string, std::shared_ptr<const ListData>> list_cache_;
  std::vector<Read> reads_;
  std::set<std::string> read_fields_;
  std::vector<std::string> errors_;
  std::set<std::string> touched_;
};

// Decides a concrete rule: simplifies d and v to literals. Returns 1 (holds),
// 0 (fails) or -1 (an evaluation error: d is false).
int Decide(z3::context& ctx, const Val& rule);

}  // namespace lithium::verify::cel
