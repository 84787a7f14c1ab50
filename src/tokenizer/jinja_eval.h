// The tree-walking evaluator and the builtins it calls. Internal to
// src/tokenizer; chat_template.h is the public API.
//
// Errors: builtins return plain messages ("'int' object is not iterable");
// the evaluator prefixes the line and column of the expression where they
// surface (ErrorAt), once.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "src/base/status.h"
#include "src/tokenizer/jinja_ast.h"
#include "src/tokenizer/jinja_value.h"

namespace lithium::tokenizer::jinja {

struct Date {
  int year = 1970, month = 1, day = 1, hour = 0, minute = 0, second = 0;
};

struct EvalOptions {
  std::optional<Date> now;  // strftime_now() is defined only when set
  size_t max_output_bytes = size_t{64} << 20;
  int64_t max_steps = 20'000'000;  // expression and statement evaluations
  int max_call_depth = 64;         // nested macro calls
};

// Variables visible at one point: a for-loop iteration, a macro call, a
// with block, or the template's top level. Lookups walk outwards.
class Scope {
 public:
  explicit Scope(std::shared_ptr<Scope> parent) : parent_(std::move(parent)) {}
  const Value* Lookup(std::string_view name) const;
  void Set(const std::string& name, Value v) { vars_.Set(name, std::move(v)); }

 private:
  std::shared_ptr<Scope> parent_;
  Dict vars_;
};

class Evaluator {
 public:
  explicit Evaluator(const EvalOptions& options) : options_(options) {}

  Status Render(const Program& program, const Dict& context, std::string* out);

  // What builtins need from the evaluator. Errors are plain messages.
  Result<Value> Call(const Value& fn, CallArgs& args);
  // jinja2's sandboxed getattr (obj.name) and getitem (obj[key]): a missing
  // attribute or key is Undefined, not an error; only Undefined itself
  // cannot be looked into.
  Result<Value> GetAttr(const Value& obj, const std::string& name);
  Result<Value> GetItem(const Value& obj, const Value& key);
  // The items a for loop or list() sees: list items, dict keys, string code
  // points, nothing for Undefined.
  Result<List> Iterate(const Value& v);
  // Every string or list the template builds is bounded by the output limit.
  Status CheckSize(size_t n) const;
  const EvalOptions& options() const { return options_; }

 private:
  enum class Flow { kNormal, kBreak, kContinue };

  Status Exec(const Body& body, const std::shared_ptr<Scope>& scope, std::string* out);
  Status ExecStmt(const Stmt& s, const std::shared_ptr<Scope>& scope, std::string* out);
  Status ExecFor(const Stmt& s, const std::shared_ptr<Scope>& scope, std::string* out);
  Status Assign(const Stmt& s, const Value& v, Scope* scope);
  Status BindTargets(const std::vector<std::string>& targets, bool unpack, const Value& v, Scope* scope);
  Value DefineMacro(const Stmt& s, const std::shared_ptr<Scope>& scope);
  Result<Value> Eval(const Expr& e, const std::shared_ptr<Scope>& scope);
  Result<Value> EvalInner(const Expr& e, const std::shared_ptr<Scope>& scope);
  Status EvalArgs(const Expr& e, size_t first, const std::shared_ptr<Scope>& scope, CallArgs* out);
  // Applies a filter chain from a filter block or set block, whose innermost
  // operand is `input`.
  Result<Value> ApplyFilterChain(const Expr& f, Value input, const std::shared_ptr<Scope>& scope);
  Result<Value> Binary(const std::string& op, const Value& a, const Value& b);
  Result<bool> CompareOp(const std::string& op, const Value& a, const Value& b);
  Status Step();

  EvalOptions options_;
  std::shared_ptr<Scope> root_;
  Flow flow_ = Flow::kNormal;
  int64_t steps_ = 0;
  int call_depth_ = 0;
};

// Python's "item in container".
Result<bool> Contains(const Value& container, const Value& item);

// Attaches a location to a plain error; a located error passes unchanged.
Status Locate(const Status& s, Loc loc);

// --- builtins (jinja_builtins.cc) ---

Result<Value> ApplyFilter(Evaluator& ev, const std::string& name, const Value& v, CallArgs& args);
Result<bool> ApplyTest(Evaluator& ev, const std::string& name, const Value& v, CallArgs& args);
// A method of a str, list or dict ("abc".upper) as a bound function. Returns
// false when the object has no such attribute; methods that would mutate
// (list.append, dict.pop) come back as Undefined that errors when called,
// as in jinja2's ImmutableSandboxedEnvironment.
bool FindMethod(const Value& obj, const std::string& name, Value* out);
// range, dict, namespace, raise_exception and, with a date, strftime_now.
bool FindGlobal(const EvalOptions& options, const std::string& name, Value* out);
// The loop variable of one for-loop iteration.
Value MakeLoopObject(const List& items, size_t index);
// Python's strftime for the fixed date (C locale).
std::string FormatDate(const Date& d, const std::string& format);

// Python str methods on UTF-8 text (jinja_methods.cc). Case mapping covers
// ASCII, Latin-1, Latin Extended-A, Greek and Cyrillic; other scripts are
// left as they are.
std::string PyUpper(std::string_view s);
std::string PyLower(std::string_view s);
// chars: None or Undefined strips whitespace, else the code points given.
std::string PyStrip(std::string_view s, const Value& chars, bool left, bool right);
// str.split / str.rsplit; sep None splits on runs of whitespace.
Result<List> PySplit(std::string_view s, const Value& sep, int64_t maxsplit, bool from_right);
std::vector<std::string> PySplitLines(std::string_view s, bool keepends);
std::string PyReplace(std::string_view s, std::string_view old, std::string_view repl, int64_t count);

// str % args, as the % operator and the format filter do it: %s %r %d %i %f
// with an optional precision, and %%. lenient: Python's quirk that a single
// list or dict argument need not be consumed.
Result<Value> PercentFormat(const std::string& fmt, const CallArgs& args, bool lenient);

// Binds call arguments to parameter names, Python style: positionals in
// order, then keywords. Unset parameters stay nullopt.
Result<std::vector<std::optional<Value>>> BindArgs(const CallArgs& args, const std::string& fname,
                                                   std::initializer_list<const char*> names);

}  // namespace lithium::tokenizer::jinja
