// Walks the syntax tree and writes the output. Scoping follows jinja2: a for
// loop gives every iteration a fresh scope (a variable set in one iteration
// is gone in the next, and nothing leaks out of the loop), if blocks have no
// scope of their own, and namespace() objects are the one way to carry state
// out of a loop. Macros see the scope they were defined in.
#include "src/tokenizer/jinja_eval.h"

#include <cmath>
#include <string>
#include <utility>

namespace lithium::tokenizer::jinja {

const Value* Scope::Lookup(std::string_view name) const {
  for (const Scope* s = this; s != nullptr; s = s->parent_.get()) {
    if (const Value* v = s->vars_.Find(name)) return v;
  }
  return nullptr;
}

Status Locate(const Status& s, Loc loc) {
  if (s.ok() || s.message().rfind("chat template: ", 0) == 0) return s;
  return ErrorAt(loc, s.message());
}

namespace {

// The message of an error caused by using an Undefined value.
Status UndefinedError(const Value& v) {
  return Status::Invalid(v.str().empty() ? "undefined value" : v.str());
}

// Python's slice.indices(): clamps start and stop for a sequence of length n.
struct SliceIndices {
  int64_t start, stop, step, count;
};

SliceIndices AdjustSlice(const Value& start, const Value& stop, int64_t step, int64_t n) {
  auto adjust = [&](const Value& v, bool is_start) {
    if (v.is_none() || v.is_undefined()) {
      if (step < 0) return is_start ? n - 1 : int64_t{-1};
      return is_start ? int64_t{0} : n;
    }
    int64_t x = v.int_value();
    if (x < 0) {
      x += n;
      if (x < 0) x = step < 0 ? -1 : 0;
    } else if (x >= n) {
      x = step < 0 ? n - 1 : n;
    }
    return x;
  };
  SliceIndices s{adjust(start, true), adjust(stop, false), step, 0};
  if (step < 0) {
    s.count = s.stop < s.start ? (s.start - s.stop - 1) / (-step) + 1 : 0;
  } else {
    s.count = s.start < s.stop ? (s.stop - s.start - 1) / step + 1 : 0;
  }
  return s;
}

// An absent bound is a default-constructed (Undefined) Value here; a bound
// that evaluates to Undefined is an error, as in Python.
bool IsSliceBound(const Value& v) { return v.is_none() || v.is_integral() || (v.is_undefined() && v.str().empty()); }

Status OperandError(const std::string& op, const Value& a, const Value& b) {
  return Status::Invalid("unsupported operand type(s) for " + op + ": '" + a.TypeName() + "' and '" +
                         b.TypeName() + "'");
}

Result<Value> Repeat(const Value& seq, int64_t times, const Evaluator& ev) {
  if (times < 0) times = 0;
  if (seq.is_string()) {
    const size_t total = seq.str().size() * static_cast<size_t>(times);
    if (times > 0 && total / static_cast<size_t>(times) != seq.str().size()) return Status::Invalid("repeated string too large");
    LI_RETURN_IF_ERROR(ev.CheckSize(total));
    std::string out;
    out.reserve(total);
    for (int64_t k = 0; k < times; ++k) out += seq.str();
    return Value::String(std::move(out));
  }
  const size_t total = seq.list().size() * static_cast<size_t>(times);
  LI_RETURN_IF_ERROR(ev.CheckSize(total * sizeof(Value)));
  List out;
  out.reserve(total);
  for (int64_t k = 0; k < times; ++k) out.insert(out.end(), seq.list().begin(), seq.list().end());
  return Value::MakeList(std::move(out), seq.is_tuple());
}

}  // namespace

Status Evaluator::CheckSize(size_t n) const {
  if (n > options_.max_output_bytes) {
    return Status::OutOfRange("template output exceeds the limit of " + std::to_string(options_.max_output_bytes) +
                              " bytes");
  }
  return Status::Ok();
}

Status Evaluator::Step() {
  if (++steps_ > options_.max_steps) {
    return Status::OutOfRange("template evaluation exceeded its budget of " + std::to_string(options_.max_steps) +
                              " steps");
  }
  return Status::Ok();
}

Status Evaluator::Render(const Program& program, const Dict& context, std::string* out) {
  root_ = std::make_shared<Scope>(nullptr);
  for (const auto& [k, v] : context.items) root_->Set(k, v);
  steps_ = 0;
  call_depth_ = 0;
  flow_ = Flow::kNormal;
  Status st = Exec(program.body, root_, out);
  root_.reset();
  return st;
}

Status Evaluator::Exec(const Body& body, const std::shared_ptr<Scope>& scope, std::string* out) {
  for (const auto& s : body) {
    LI_RETURN_IF_ERROR(ExecStmt(*s, scope, out));
    if (flow_ != Flow::kNormal) break;
  }
  return Status::Ok();
}

Status Evaluator::ExecStmt(const Stmt& s, const std::shared_ptr<Scope>& scope, std::string* out) {
  LI_RETURN_IF_ERROR(Locate(Step(), s.loc));
  switch (s.kind) {
    case StmtKind::kText:
      out->append(s.text);
      return Locate(CheckSize(out->size()), s.loc);
    case StmtKind::kOutput: {
      LI_ASSIGN_OR_RETURN(Value v, Eval(*s.expr, scope));
      out->append(ToStr(v));
      return Locate(CheckSize(out->size()), s.loc);
    }
    case StmtKind::kIf:
      for (const auto& [cond, body] : s.branches) {
        LI_ASSIGN_OR_RETURN(Value c, Eval(*cond, scope));
        if (c.Truthy()) return Exec(body, scope, out);
      }
      return Exec(s.else_body, scope, out);
    case StmtKind::kFor: return ExecFor(s, scope, out);
    case StmtKind::kSet: {
      LI_ASSIGN_OR_RETURN(Value v, Eval(*s.expr, scope));
      return Locate(Assign(s, v, scope.get()), s.loc);
    }
    case StmtKind::kSetBlock:
    case StmtKind::kFilterBlock: {
      std::string buf;
      auto inner = std::make_shared<Scope>(scope);
      LI_RETURN_IF_ERROR(Exec(s.body, inner, &buf));
      Value v = Value::String(std::move(buf));
      if (s.filter) {
        LI_ASSIGN_OR_RETURN(v, ApplyFilterChain(*s.filter, std::move(v), scope));
      }
      if (s.kind == StmtKind::kSetBlock) return Locate(Assign(s, v, scope.get()), s.loc);
      out->append(ToStr(v));
      return Locate(CheckSize(out->size()), s.loc);
    }
    case StmtKind::kMacro:
      scope->Set(s.targets[0], DefineMacro(s, scope));
      return Status::Ok();
    case StmtKind::kBreak:
      flow_ = Flow::kBreak;
      return Status::Ok();
    case StmtKind::kContinue:
      flow_ = Flow::kContinue;
      return Status::Ok();
    case StmtKind::kWith: {
      auto inner = std::make_shared<Scope>(scope);
      for (const auto& [name, expr] : s.params) {
        LI_ASSIGN_OR_RETURN(Value v, Eval(*expr, scope));
        inner->Set(name, std::move(v));
      }
      return Exec(s.body, inner, out);
    }
    case StmtKind::kGeneration: return Exec(s.body, scope, out);
  }
  return Status::Ok();
}

Status Evaluator::ExecFor(const Stmt& s, const std::shared_ptr<Scope>& scope, std::string* out) {
  LI_ASSIGN_OR_RETURN(Value seq, Eval(*s.expr, scope));
  auto listed = Iterate(seq);
  if (!listed.ok()) return Locate(listed.status(), s.expr->loc);
  List items = std::move(listed).value();
  if (s.cond) {
    // "for x in xs if cond": filtered before the loop starts, so loop.length
    // and loop.last count only the items that pass.
    List kept;
    for (auto& item : items) {
      auto probe = std::make_shared<Scope>(scope);
      LI_RETURN_IF_ERROR(Locate(BindTargets(s.targets, s.unpack, item, probe.get()), s.loc));
      LI_ASSIGN_OR_RETURN(Value c, Eval(*s.cond, probe));
      if (c.Truthy()) kept.push_back(std::move(item));
    }
    items = std::move(kept);
  }
  // jinja2 runs the else block unless some iteration reached the end of the
  // body: not only for an empty loop, but also when every iteration ended in
  // break or continue (its "iterated" flag is set at the end of the body).
  bool completed = false;
  for (size_t k = 0; k < items.size(); ++k) {
    LI_RETURN_IF_ERROR(Locate(Step(), s.loc));
    auto iteration = std::make_shared<Scope>(scope);
    LI_RETURN_IF_ERROR(Locate(BindTargets(s.targets, s.unpack, items[k], iteration.get()), s.loc));
    iteration->Set("loop", MakeLoopObject(items, k));
    LI_RETURN_IF_ERROR(Exec(s.body, iteration, out));
    if (flow_ == Flow::kNormal) completed = true;
    if (flow_ == Flow::kBreak) {
      flow_ = Flow::kNormal;
      break;
    }
    flow_ = Flow::kNormal;
  }
  if (!completed) return Exec(s.else_body, std::make_shared<Scope>(scope), out);
  return Status::Ok();
}

Status Evaluator::BindTargets(const std::vector<std::string>& targets, bool unpack, const Value& v, Scope* scope) {
  if (!unpack) {
    scope->Set(targets[0], v);
    return Status::Ok();
  }
  if (!v.is_list() && !v.is_string() && !v.is_dict()) {
    return Status::Invalid(std::string("cannot unpack non-iterable ") + v.TypeName() + " object");
  }
  LI_ASSIGN_OR_RETURN(List items, Iterate(v));
  if (items.size() < targets.size()) {
    return Status::Invalid("not enough values to unpack (expected " + std::to_string(targets.size()) + ", got " +
                           std::to_string(items.size()) + ")");
  }
  if (items.size() > targets.size()) {
    return Status::Invalid("too many values to unpack (expected " + std::to_string(targets.size()) + ")");
  }
  for (size_t k = 0; k < targets.size(); ++k) scope->Set(targets[k], items[k]);
  return Status::Ok();
}

Status Evaluator::Assign(const Stmt& s, const Value& v, Scope* scope) {
  if (s.attr.empty()) return BindTargets(s.targets, s.unpack, v, scope);
  const Value* target = scope->Lookup(s.targets[0]);
  if (target == nullptr || !target->is_namespace()) {
    return Status::Invalid("cannot assign attribute '" + s.attr + "' on '" + s.targets[0] +
                           "': it is not a namespace() object");
  }
  target->ns().Set(s.attr, v);
  return Status::Ok();
}

Value Evaluator::DefineMacro(const Stmt& def, const std::shared_ptr<Scope>& scope) {
  std::weak_ptr<Scope> closure = scope;
  const Stmt* d = &def;
  return Value::MakeFunction(def.targets[0], [d, closure](Evaluator& ev, CallArgs& args) -> Result<Value> {
    if (ev.call_depth_ >= ev.options_.max_call_depth) {
      return Status::OutOfRange("macro calls nest deeper than " + std::to_string(ev.options_.max_call_depth));
    }
    std::shared_ptr<Scope> parent = closure.lock();
    if (!parent) parent = ev.root_;
    auto scope = std::make_shared<Scope>(parent);
    const auto& params = d->params;
    std::vector<bool> given(params.size(), false);
    List varargs;
    for (size_t k = 0; k < args.args.size(); ++k) {
      if (k < params.size()) {
        scope->Set(params[k].first, args.args[k]);
        given[k] = true;
      } else {
        varargs.push_back(args.args[k]);
      }
    }
    Dict extra;
    for (auto& [key, value] : args.kwargs) {
      size_t k = 0;
      while (k < params.size() && params[k].first != key) ++k;
      if (k == params.size()) {
        extra.Set(key, value);
        continue;
      }
      if (given[k]) return Status::Invalid("macro '" + d->targets[0] + "' got multiple values for argument '" + key + "'");
      scope->Set(key, value);
      given[k] = true;
    }
    for (size_t k = 0; k < params.size(); ++k) {
      if (given[k]) continue;
      if (params[k].second) {
        LI_ASSIGN_OR_RETURN(Value v, ev.Eval(*params[k].second, scope));
        scope->Set(params[k].first, std::move(v));
      } else {
        scope->Set(params[k].first, Value::Undefined("parameter '" + params[k].first + "' was not provided"));
      }
    }
    scope->Set("varargs", Value::MakeList(std::move(varargs), true));
    scope->Set("kwargs", Value::MakeDict(std::move(extra)));
    std::string buf;
    ++ev.call_depth_;
    Status st = ev.Exec(d->body, scope, &buf);
    --ev.call_depth_;
    ev.flow_ = Flow::kNormal;
    LI_RETURN_IF_ERROR(st);
    return Value::String(std::move(buf));
  });
}

Result<Value> Evaluator::Call(const Value& fn, CallArgs& args) {
  if (fn.is_function()) return fn.function().call(*this, args);
  if (fn.is_undefined()) return UndefinedError(fn);
  return Status::Invalid(std::string("'") + fn.TypeName() + "' object is not callable");
}

Result<Value> Evaluator::GetAttr(const Value& obj, const std::string& name) {
  Value method;
  switch (obj.kind()) {
    case Value::Kind::kUndefined: return UndefinedError(obj);
    case Value::Kind::kNamespace:
      if (const Value* v = obj.ns().Find(name)) return *v;
      break;
    case Value::Kind::kDict:
      // Python's getattr finds dict methods before keys: message.items is
      // the method even when the message has an "items" key.
      if (FindMethod(obj, name, &method)) return method;
      if (const Value* v = obj.dict().Find(name)) return *v;
      break;
    default:
      if (FindMethod(obj, name, &method)) return method;
      break;
  }
  const std::string type = obj.is_none() ? "None" : std::string(obj.TypeName()) + " object";
  return Value::Undefined("'" + type + "' has no attribute '" + name + "'");
}

Result<Value> Evaluator::GetItem(const Value& obj, const Value& key) {
  if (obj.is_undefined()) return UndefinedError(obj);
  Value method;
  if (key.is_integral() && (obj.is_list() || obj.is_string())) {
    int64_t i = key.int_value();
    if (obj.is_list()) {
      const int64_t n = static_cast<int64_t>(obj.list().size());
      if (i < 0) i += n;
      if (i >= 0 && i < n) return obj.list()[static_cast<size_t>(i)];
    } else {
      std::vector<std::string> cps = SplitCodePoints(obj.str());
      const int64_t n = static_cast<int64_t>(cps.size());
      if (i < 0) i += n;
      if (i >= 0 && i < n) return Value::String(cps[static_cast<size_t>(i)]);
    }
    return Value::Undefined(std::string("'") + obj.TypeName() + " object' has no element " +
                            std::to_string(key.int_value()));
  }
  if (key.is_string()) {
    if (obj.is_dict()) {
      if (const Value* v = obj.dict().Find(key.str())) return *v;
    } else if (obj.is_namespace()) {
      if (const Value* v = obj.ns().Find(key.str())) return *v;
    }
    // jinja2 falls back to getattr for string keys: d['items'] is d.items.
    if (FindMethod(obj, key.str(), &method)) return method;
    return Value::Undefined(std::string("'") + obj.TypeName() + " object' has no attribute '" + key.str() + "'");
  }
  return Value::Undefined(std::string("'") + obj.TypeName() + " object' has no element " + ToStr(key));
}

Result<List> Evaluator::Iterate(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kUndefined: return List{};
    case Value::Kind::kList: return v.list();
    case Value::Kind::kDict: {
      List keys;
      for (const auto& kv : v.dict().items) keys.push_back(Value::String(kv.first));
      return keys;
    }
    case Value::Kind::kString: {
      List chars;
      for (auto& c : SplitCodePoints(v.str())) chars.push_back(Value::String(std::move(c)));
      return chars;
    }
    default: return Status::Invalid(std::string("'") + v.TypeName() + "' object is not iterable");
  }
}

Status Evaluator::EvalArgs(const Expr& e, size_t first, const std::shared_ptr<Scope>& scope, CallArgs* out) {
  for (size_t k = first; k < e.args.size(); ++k) {
    LI_ASSIGN_OR_RETURN(Value v, Eval(*e.args[k], scope));
    out->args.push_back(std::move(v));
  }
  for (const auto& [key, expr] : e.kwargs) {
    LI_ASSIGN_OR_RETURN(Value v, Eval(*expr, scope));
    out->kwargs.emplace_back(key, std::move(v));
  }
  return Status::Ok();
}

Result<Value> Evaluator::ApplyFilterChain(const Expr& f, Value input, const std::shared_ptr<Scope>& scope) {
  if (f.args[0]) {
    LI_ASSIGN_OR_RETURN(input, ApplyFilterChain(*f.args[0], std::move(input), scope));
  }
  CallArgs args;
  LI_RETURN_IF_ERROR(EvalArgs(f, 1, scope, &args));
  auto r = ApplyFilter(*this, f.name, input, args);
  if (!r.ok()) return Locate(r.status(), f.loc);
  return r;
}

Result<Value> Evaluator::Eval(const Expr& e, const std::shared_ptr<Scope>& scope) {
  LI_RETURN_IF_ERROR(Locate(Step(), e.loc));
  auto r = EvalInner(e, scope);
  if (!r.ok()) return Locate(r.status(), e.loc);
  return r;
}

Result<Value> Evaluator::EvalInner(const Expr& e, const std::shared_ptr<Scope>& scope) {
  switch (e.kind) {
    case ExprKind::kLiteral: return e.literal;
    case ExprKind::kName: {
      if (const Value* v = scope->Lookup(e.name)) return *v;
      Value g;
      if (FindGlobal(options_, e.name, &g)) return g;
      return Value::Undefined("'" + e.name + "' is undefined");
    }
    case ExprKind::kList:
    case ExprKind::kTuple: {
      List items;
      for (const auto& a : e.args) {
        LI_ASSIGN_OR_RETURN(Value v, Eval(*a, scope));
        items.push_back(std::move(v));
      }
      return Value::MakeList(std::move(items), e.kind == ExprKind::kTuple);
    }
    case ExprKind::kDict: {
      Dict d;
      for (size_t k = 0; k + 1 < e.args.size(); k += 2) {
        LI_ASSIGN_OR_RETURN(Value key, Eval(*e.args[k], scope));
        if (!key.is_string()) {
          return ErrorAt(e.args[k]->loc, std::string("unsupported: dict keys must be strings, not '") +
                                             key.TypeName() + "'");
        }
        LI_ASSIGN_OR_RETURN(Value v, Eval(*e.args[k + 1], scope));
        d.Set(key.str(), std::move(v));
      }
      return Value::MakeDict(std::move(d));
    }
    case ExprKind::kGetAttr: {
      LI_ASSIGN_OR_RETURN(Value obj, Eval(*e.args[0], scope));
      return GetAttr(obj, e.name);
    }
    case ExprKind::kGetItem: {
      LI_ASSIGN_OR_RETURN(Value obj, Eval(*e.args[0], scope));
      LI_ASSIGN_OR_RETURN(Value key, Eval(*e.args[1], scope));
      return GetItem(obj, key);
    }
    case ExprKind::kSlice: {
      LI_ASSIGN_OR_RETURN(Value obj, Eval(*e.args[0], scope));
      Value bounds[3];
      for (int k = 0; k < 3; ++k) {
        if (!e.args[static_cast<size_t>(k) + 1]) continue;
        LI_ASSIGN_OR_RETURN(bounds[k], Eval(*e.args[static_cast<size_t>(k) + 1], scope));
      }
      // jinja2 compiles a slice to Python's own subscript, not to its
      // forgiving getitem, so slicing anything but a list or str fails.
      if (obj.is_undefined()) return UndefinedError(obj);
      if (obj.is_dict()) return Status::Invalid("unhashable type: 'slice'");
      if (!obj.is_list() && !obj.is_string()) {
        return Status::Invalid(std::string("'") + obj.TypeName() + "' object is not subscriptable");
      }
      for (const Value& b : bounds) {
        if (!IsSliceBound(b)) {
          return Status::Invalid("slice indices must be integers or None or have an __index__ method");
        }
      }
      const int64_t step = bounds[2].is_integral() ? bounds[2].int_value() : 1;
      if (step == 0) return Status::Invalid("slice step cannot be zero");
      if (obj.is_list()) {
        const List& items = obj.list();
        const SliceIndices s = AdjustSlice(bounds[0], bounds[1], step, static_cast<int64_t>(items.size()));
        List out;
        for (int64_t k = 0, i = s.start; k < s.count; ++k, i += step) out.push_back(items[static_cast<size_t>(i)]);
        return Value::MakeList(std::move(out), obj.is_tuple());
      }
      const std::vector<std::string> cps = SplitCodePoints(obj.str());
      const SliceIndices s = AdjustSlice(bounds[0], bounds[1], step, static_cast<int64_t>(cps.size()));
      std::string out;
      for (int64_t k = 0, i = s.start; k < s.count; ++k, i += step) out += cps[static_cast<size_t>(i)];
      return Value::String(std::move(out));
    }
    case ExprKind::kCall: {
      LI_ASSIGN_OR_RETURN(Value fn, Eval(*e.args[0], scope));
      CallArgs args;
      LI_RETURN_IF_ERROR(EvalArgs(e, 1, scope, &args));
      return Call(fn, args);
    }
    case ExprKind::kFilter: {
      LI_ASSIGN_OR_RETURN(Value v, Eval(*e.args[0], scope));
      CallArgs args;
      LI_RETURN_IF_ERROR(EvalArgs(e, 1, scope, &args));
      return ApplyFilter(*this, e.name, v, args);
    }
    case ExprKind::kTest: {
      LI_ASSIGN_OR_RETURN(Value v, Eval(*e.args[0], scope));
      CallArgs args;
      LI_RETURN_IF_ERROR(EvalArgs(e, 1, scope, &args));
      LI_ASSIGN_OR_RETURN(bool r, ApplyTest(*this, e.name, v, args));
      return Value::Bool(r != e.negated);
    }
    case ExprKind::kNot: {
      LI_ASSIGN_OR_RETURN(Value v, Eval(*e.args[0], scope));
      return Value::Bool(!v.Truthy());
    }
    case ExprKind::kNeg:
    case ExprKind::kPos: {
      LI_ASSIGN_OR_RETURN(Value v, Eval(*e.args[0], scope));
      if (v.is_undefined()) return UndefinedError(v);
      const bool neg = e.kind == ExprKind::kNeg;
      if (v.is_integral()) {
        if (neg && v.int_value() == INT64_MIN) return Status::OutOfRange("integer overflow");
        return Value::Int(neg ? -v.int_value() : v.int_value());
      }
      if (v.is_float()) return Value::Float(neg ? -v.number() : v.number());
      return Status::Invalid(std::string("bad operand type for unary ") + (neg ? "-" : "+") + ": '" + v.TypeName() +
                             "'");
    }
    case ExprKind::kBinary: {
      LI_ASSIGN_OR_RETURN(Value a, Eval(*e.args[0], scope));
      LI_ASSIGN_OR_RETURN(Value b, Eval(*e.args[1], scope));
      return Binary(e.name, a, b);
    }
    case ExprKind::kConcat: {
      std::string s;
      for (const auto& a : e.args) {
        LI_ASSIGN_OR_RETURN(Value v, Eval(*a, scope));
        s += ToStr(v);
        LI_RETURN_IF_ERROR(CheckSize(s.size()));
      }
      return Value::String(std::move(s));
    }
    case ExprKind::kAnd:
    case ExprKind::kOr: {
      // Python's and/or return an operand, not a bool: '' or 'x' is 'x'.
      LI_ASSIGN_OR_RETURN(Value a, Eval(*e.args[0], scope));
      if (a.Truthy() == (e.kind == ExprKind::kOr)) return a;
      return Eval(*e.args[1], scope);
    }
    case ExprKind::kCompare: {
      LI_ASSIGN_OR_RETURN(Value left, Eval(*e.args[0], scope));
      for (size_t k = 0; k < e.ops.size(); ++k) {
        LI_ASSIGN_OR_RETURN(Value right, Eval(*e.args[k + 1], scope));
        LI_ASSIGN_OR_RETURN(bool r, CompareOp(e.ops[k], left, right));
        if (!r) return Value::Bool(false);
        left = std::move(right);
      }
      return Value::Bool(true);
    }
    case ExprKind::kCond: {
      LI_ASSIGN_OR_RETURN(Value c, Eval(*e.args[1], scope));
      if (c.Truthy()) return Eval(*e.args[0], scope);
      if (e.args[2]) return Eval(*e.args[2], scope);
      return Value::Undefined("the condition of an inline if was false and it has no else");
    }
  }
  return Status::Internal("unknown expression kind");
}

Result<bool> Contains(const Value& container, const Value& item) {
  switch (container.kind()) {
    case Value::Kind::kUndefined: return false;
    case Value::Kind::kString:
      if (!item.is_string()) {
        return Status::Invalid(std::string("'in <string>' requires string as left operand, not ") + item.TypeName());
      }
      return container.str().find(item.str()) != std::string::npos;
    case Value::Kind::kList:
      for (const auto& x : container.list()) {
        if (Equal(x, item)) return true;
      }
      return false;
    case Value::Kind::kDict:
      if ((item.is_list() && !item.is_tuple()) || item.is_dict()) {
        return Status::Invalid(std::string("unhashable type: '") + item.TypeName() + "'");
      }
      return item.is_string() && container.dict().Find(item.str()) != nullptr;
    default:
      return Status::Invalid(std::string("argument of type '") + container.TypeName() + "' is not iterable");
  }
}

Result<bool> Evaluator::CompareOp(const std::string& op, const Value& a, const Value& b) {
  if (op == "==") return Equal(a, b);
  if (op == "!=") return !Equal(a, b);
  if (op == "in" || op == "notin") {
    LI_ASSIGN_OR_RETURN(bool found, Contains(b, a));
    return op == "in" ? found : !found;
  }
  if (a.is_undefined()) return UndefinedError(a);
  if (b.is_undefined()) return UndefinedError(b);
  if (op == "<") return Less(a, b);
  if (op == ">") return Less(b, a);
  // a <= b is not (b < a) for the total orders we support.
  if (op == "<=") {
    LI_ASSIGN_OR_RETURN(bool gt, Less(b, a));
    if (a.is_float() || b.is_float()) return a.number() <= b.number();
    return !gt;
  }
  LI_ASSIGN_OR_RETURN(bool lt, Less(a, b));
  if (a.is_float() || b.is_float()) return a.number() >= b.number();
  return !lt;
}

Result<Value> Evaluator::Binary(const std::string& op, const Value& a, const Value& b) {
  if (a.is_undefined()) return UndefinedError(a);
  if (b.is_undefined()) return UndefinedError(b);
  const char c = op[0];
  if (a.is_number() && b.is_number()) {
    const bool ints = a.is_integral() && b.is_integral();
    const int64_t x = ints ? a.int_value() : 0, y = ints ? b.int_value() : 0;
    const double fx = a.number(), fy = b.number();
    int64_t r = 0;
    if (op == "+") {
      if (!ints) return Value::Float(fx + fy);
      if (__builtin_add_overflow(x, y, &r)) return Status::OutOfRange("integer overflow");
      return Value::Int(r);
    }
    if (op == "-") {
      if (!ints) return Value::Float(fx - fy);
      if (__builtin_sub_overflow(x, y, &r)) return Status::OutOfRange("integer overflow");
      return Value::Int(r);
    }
    if (op == "*") {
      if (!ints) return Value::Float(fx * fy);
      if (__builtin_mul_overflow(x, y, &r)) return Status::OutOfRange("integer overflow");
      return Value::Int(r);
    }
    if (op == "/") {
      if (fy == 0) return Status::Invalid("division by zero");
      return Value::Float(fx / fy);
    }
    if (op == "//" || op == "%") {
      if (ints ? y == 0 : fy == 0) return Status::Invalid(op == "//" ? "integer division or modulo by zero" : "modulo by zero");
      if (ints) {
        if (x == INT64_MIN && y == -1) return Status::OutOfRange("integer overflow");
        // Python rounds the quotient down and gives the remainder the sign
        // of the divisor.
        int64_t q = x / y, m = x % y;
        if (m != 0 && ((m < 0) != (y < 0))) {
          --q;
          m += y;
        }
        return Value::Int(op == "//" ? q : m);
      }
      // CPython's float_divmod, so that -7.5 // 2 and -7.5 % 2 match.
      double mod = std::fmod(fx, fy);
      double div = (fx - mod) / fy;
      if (mod != 0) {
        if ((fy < 0) != (mod < 0)) {
          mod += fy;
          div -= 1.0;
        }
      } else {
        mod = std::copysign(0.0, fy);
      }
      double floordiv;
      if (div != 0) {
        floordiv = std::floor(div);
        if (div - floordiv > 0.5) floordiv += 1.0;
      } else {
        floordiv = std::copysign(0.0, fx / fy);
      }
      return Value::Float(op == "%" ? mod : floordiv);
    }
    if (op == "**") {
      if (ints && y >= 0) {
        int64_t acc = 1, base = x, e = y;
        while (e > 0) {
          if (e & 1) {
            if (__builtin_mul_overflow(acc, base, &acc)) return Status::OutOfRange("integer overflow");
          }
          e >>= 1;
          if (e > 0 && __builtin_mul_overflow(base, base, &base)) return Status::OutOfRange("integer overflow");
        }
        return Value::Int(acc);
      }
      if (fx == 0 && fy < 0) return Status::Invalid("0.0 cannot be raised to a negative power");
      return Value::Float(std::pow(fx, fy));
    }
  }
  if (c == '+') {
    if (a.is_string() && b.is_string()) {
      LI_RETURN_IF_ERROR(CheckSize(a.str().size() + b.str().size()));
      return Value::String(a.str() + b.str());
    }
    if (a.is_list() && b.is_list() && a.is_tuple() == b.is_tuple()) {
      List out = a.list();
      out.insert(out.end(), b.list().begin(), b.list().end());
      return Value::MakeList(std::move(out), a.is_tuple());
    }
  }
  if (op == "*") {
    if ((a.is_string() || a.is_list()) && b.is_integral()) return Repeat(a, b.int_value(), *this);
    if ((b.is_string() || b.is_list()) && a.is_integral()) return Repeat(b, a.int_value(), *this);
  }
  if (op == "%" && a.is_string()) {
    // printf-style formatting: a tuple gives the arguments, anything else is
    // the one argument.
    CallArgs args;
    if (b.is_tuple()) args.args = b.list();
    else args.args.push_back(b);
    return PercentFormat(a.str(), args, !b.is_tuple() && (b.is_list() || b.is_dict()));
  }
  return OperandError(op, a, b);
}

}  // namespace lithium::tokenizer::jinja
