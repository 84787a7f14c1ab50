// The type checker. Every error a rule could raise on every output is caught
// here if it is a mistake in the rule itself (a string compared with a
// number, a field the schema does not have, an unknown function), so a
// policy that loads can only fail on data, never on its own text.
#include <utility>

#include "src/verify/cel_ast.h"

namespace lithium::verify::cel {
namespace {

using K = Type::Kind;

class Checker {
 public:
  Checker(const CheckEnv& env, Error* err) : env_(env), err_(err) {}

  bool CheckRule(Expr* e) {
    if (!Visit(e)) return false;
    if (e->type->kind != K::kBool) {
      return Fail(e->pos, "a rule must be a boolean expression; this one is " + e->type->Name());
    }
    return true;
  }

 private:
  bool Fail(uint32_t pos, std::string message) {
    err_->pos = pos;
    err_->message = std::move(message);
    return false;
  }

  static TypeRef T(K kind) { return MakeType(kind); }

  // The field path an expression names, for messages ("output.items").
  static std::string Describe(const Expr* e) {
    if (e->kind == Expr::Kind::kIdent) return e->text;
    if (e->kind == Expr::Kind::kSelect) return AppendField(Describe(e->args[0].get()), e->text);
    if (e->kind == Expr::Kind::kIndex) return Describe(e->args[0].get()) + "[...]";
    return "the value";
  }

  // Untyped values (schemas allowing several kinds) may only be tested.
  bool NotAny(const Expr* e) {
    if (e->type->kind == K::kAny) {
      return Fail(e->pos, Describe(e) + " has no single type in the schema; only has() and == null apply to it");
    }
    return true;
  }

  static bool Comparable(const Type& a, const Type& b) {
    if (a.is_numeric() && b.is_numeric()) return true;
    if (a.kind == K::kNull || b.kind == K::kNull) return true;
    return a.kind == b.kind && (a.kind == K::kString || a.kind == K::kBool);
  }

  bool Visit(Expr* e) {
    switch (e->kind) {
      case Expr::Kind::kBool: e->type = T(K::kBool); return true;
      case Expr::Kind::kInt:
      case Expr::Kind::kNumber: {
        auto d = ParseDecimal(e->text);
        if (!d.ok()) return Fail(e->pos, d.status().message());
        e->type = T(e->kind == Expr::Kind::kInt ? K::kInt : K::kNumber);
        return true;
      }
      case Expr::Kind::kString: e->type = T(K::kString); return true;
      case Expr::Kind::kNull: e->type = T(K::kNull); return true;
      case Expr::Kind::kIdent: return VisitIdent(e);
      case Expr::Kind::kSelect: return VisitSelect(e);
      case Expr::Kind::kIndex: return VisitIndex(e);
      case Expr::Kind::kCall: return VisitCall(e);
      case Expr::Kind::kList: return VisitList(e);
      case Expr::Kind::kUnary: return VisitUnary(e);
      case Expr::Kind::kBinary: return VisitBinary(e);
      case Expr::Kind::kTernary: return VisitTernary(e);
    }
    return Fail(e->pos, "unknown expression");
  }

  bool VisitIdent(Expr* e) {
    for (auto it = scopes_.rbegin(); it != scopes_.rend(); ++it) {
      if (it->first == e->text) {
        e->type = it->second;
        return true;
      }
    }
    if (e->text == "input" || e->text == "output") {
      e->type = e->text == "input" ? env_.input : env_.output;
      if (!e->type) {
        return Fail(e->pos, "the rule reads " + e->text + " but the policy has no " +
                                (e->text == "input" ? "input_schema" : "schema"));
      }
      return true;
    }
    return Fail(e->pos, "unknown identifier '" + e->text + "' (a rule sees input, output and macro variables)");
  }

  bool SelectField(Expr* e, const Expr* target, const std::string& name, uint32_t pos) {
    const Type& t = *target->type;
    if (t.kind == K::kObject) {
      const Field* f = t.FindField(name);
      if (f == nullptr) return Fail(pos, Describe(target) + " has no field '" + name + "' in the schema");
      e->type = f->type;
      return true;
    }
    if (t.kind == K::kAny) return Fail(pos, Describe(target) + " has no object type in the schema, so it has no field '" + name + "'");
    if (t.kind == K::kList) {
      return Fail(pos, Describe(target) + " is a list; use all(), exists() or map() to reach '" + name + "' in its items");
    }
    return Fail(pos, "cannot select '" + name + "' from " + t.Name());
  }

  bool VisitSelect(Expr* e) {
    if (!Visit(e->args[0].get())) return false;
    return SelectField(e, e->args[0].get(), e->text, e->pos);
  }

  bool VisitIndex(Expr* e) {
    Expr* target = e->args[0].get();
    Expr* key = e->args[1].get();
    if (!Visit(target) || !Visit(key)) return false;
    if (target->type->kind == K::kList) {
      if (key->type->kind != K::kInt) return Fail(key->pos, "a list index must be an int, not " + key->type->Name());
      e->type = target->type->elem;
      return true;
    }
    if (target->type->kind == K::kObject) {
      if (key->kind != Expr::Kind::kString) return Fail(key->pos, "an object can only be indexed with a string literal");
      return SelectField(e, target, key->text, key->pos);
    }
    return Fail(e->pos, "cannot index " + target->type->Name());
  }

  bool VisitList(Expr* e) {
    TypeRef elem;
    for (auto& a : e->args) {
      if (!Visit(a.get()) || !NotAny(a.get())) return false;
      if (!a->type->is_scalar() || a->type->kind == K::kNull) {
        return Fail(a->pos, "list literals hold bools, numbers and strings, not " + a->type->Name());
      }
      if (!elem) {
        elem = a->type;
      } else if (elem->is_numeric() && a->type->is_numeric()) {
        if (a->type->kind == K::kNumber) elem = T(K::kNumber);
      } else if (elem->kind != a->type->kind) {
        return Fail(a->pos, "list literal mixes " + elem->Name() + " and " + a->type->Name());
      }
    }
    e->type = ListOf(elem ? T(elem->kind) : T(K::kAny));
    return true;
  }

  bool VisitUnary(Expr* e) {
    Expr* a = e->args[0].get();
    if (!Visit(a) || !NotAny(a)) return false;
    if (e->text == "!") {
      if (a->type->kind != K::kBool) return Fail(e->pos, "'!' needs a bool, not " + a->type->Name());
      e->type = T(K::kBool);
      return true;
    }
    if (!a->type->is_numeric()) return Fail(e->pos, "'-' needs a number, not " + a->type->Name());
    e->type = T(a->type->kind);
    return true;
  }

  bool VisitBinary(Expr* e) {
    Expr* a = e->args[0].get();
    Expr* b = e->args[1].get();
    if (!Visit(a) || !Visit(b)) return false;
    const std::string& op = e->text;
    const Type& ta = *a->type;
    const Type& tb = *b->type;
    if (op == "==" || op == "!=") {
      // Untyped values can be compared with null and nothing else.
      if ((ta.kind == K::kAny && tb.kind != K::kNull) || (tb.kind == K::kAny && ta.kind != K::kNull)) {
        return NotAny(ta.kind == K::kAny ? a : b);
      }
      if (ta.kind != K::kNull && tb.kind != K::kNull && (!ta.is_scalar() || !tb.is_scalar())) {
        return Fail(e->pos, "cannot compare " + ta.Name() + " with " + tb.Name() + " (only scalars compare)");
      }
      if (!Comparable(ta, tb)) return Fail(e->pos, "cannot compare " + ta.Name() + " with " + tb.Name());
      e->type = T(K::kBool);
      return true;
    }
    if (!NotAny(a) || !NotAny(b)) return false;
    if (op == "&&" || op == "||") {
      if (ta.kind != K::kBool) return Fail(a->pos, "'" + op + "' needs bools, not " + ta.Name());
      if (tb.kind != K::kBool) return Fail(b->pos, "'" + op + "' needs bools, not " + tb.Name());
      e->type = T(K::kBool);
      return true;
    }
    if (op == "<" || op == "<=" || op == ">" || op == ">=") {
      const bool ok = (ta.is_numeric() && tb.is_numeric()) || (ta.kind == K::kString && tb.kind == K::kString);
      if (!ok) return Fail(e->pos, "cannot order " + ta.Name() + " and " + tb.Name() + " with '" + op + "'");
      e->type = T(K::kBool);
      return true;
    }
    if (op == "in") {
      if (tb.kind != K::kList) {
        return Fail(e->pos, "'in' needs a list on its right, not " + tb.Name() +
                                (tb.kind == K::kObject ? " (test fields with has())" : ""));
      }
      if (!ta.is_scalar()) return Fail(a->pos, "'in' tests scalars, not " + ta.Name());
      if (tb.elem->kind != K::kAny && !Comparable(ta, *tb.elem)) {
        return Fail(e->pos, "cannot look for " + ta.Name() + " in " + tb.Name());
      }
      e->type = T(K::kBool);
      return true;
    }
    if (op == "+" && ta.kind == K::kString && tb.kind == K::kString) {
      e->type = T(K::kString);
      return true;
    }
    if (op == "+" && ta.kind == K::kList && tb.kind == K::kList) {
      const Type& ea = *ta.elem;
      const Type& eb = *tb.elem;
      if (ea.kind == K::kAny) { e->type = b->type; return true; }
      if (eb.kind == K::kAny) { e->type = a->type; return true; }
      if (ea.is_numeric() && eb.is_numeric()) {
        e->type = ListOf(T(ea.kind == K::kInt && eb.kind == K::kInt ? K::kInt : K::kNumber));
        return true;
      }
      if (ea.kind != eb.kind || !ea.is_scalar()) return Fail(e->pos, "cannot join " + ta.Name() + " and " + tb.Name());
      e->type = a->type;
      return true;
    }
    if (!ta.is_numeric() || !tb.is_numeric()) {
      return Fail(e->pos, "'" + op + "' needs numbers, not " + ta.Name() + " and " + tb.Name());
    }
    if (op == "%" && (ta.kind != K::kInt || tb.kind != K::kInt)) return Fail(e->pos, "'%' needs ints");
    e->type = T(ta.kind == K::kInt && tb.kind == K::kInt ? K::kInt : K::kNumber);
    return true;
  }

  bool VisitTernary(Expr* e) {
    Expr* c = e->args[0].get();
    Expr* a = e->args[1].get();
    Expr* b = e->args[2].get();
    if (!Visit(c) || !Visit(a) || !Visit(b) || !NotAny(c) || !NotAny(a) || !NotAny(b)) return false;
    if (c->type->kind != K::kBool) return Fail(c->pos, "the condition of '?:' must be a bool, not " + c->type->Name());
    const Type& ta = *a->type;
    const Type& tb = *b->type;
    if (!ta.is_scalar() || !tb.is_scalar()) {
      return Fail(e->pos, "the branches of '?:' must be scalars, not " + ta.Name() + " and " + tb.Name());
    }
    if (ta.is_numeric() && tb.is_numeric()) {
      e->type = T(ta.kind == K::kInt && tb.kind == K::kInt ? K::kInt : K::kNumber);
    } else if (ta.kind == K::kNull || tb.kind == K::kNull) {
      auto t = std::make_shared<Type>();
      t->kind = ta.kind == K::kNull ? tb.kind : ta.kind;
      t->nullable = true;
      e->type = t;
    } else if (ta.kind == tb.kind) {
      e->type = T(ta.kind);
    } else {
      return Fail(e->pos, "the branches of '?:' have different types: " + ta.Name() + " and " + tb.Name());
    }
    return true;
  }

  bool ArgCount(Expr* e, size_t want) {
    const size_t have = e->args.size() - (e->has_target ? 1 : 0);
    if (have == want) return true;
    return Fail(e->pos, e->text + "() takes " + std::to_string(want) + " argument" + (want == 1 ? "" : "s") + ", not " +
                            std::to_string(have));
  }

  bool VisitCall(Expr* e) {
    const std::string& f = e->text;
    static const char* const kMacros[] = {"all", "exists", "exists_one", "filter", "map"};
    for (const char* m : kMacros) {
      if (f == m) {
        if (!e->has_target) return Fail(e->pos, f + "() is a list method: write list." + f + "(x, ...)");
        return VisitMacro(e);
      }
    }
    if (f == "has") {
      if (e->has_target || !ArgCount(e, 1)) return e->has_target ? Fail(e->pos, "has() is not a method") : false;
      Expr* a = e->args[0].get();
      const bool field = a->kind == Expr::Kind::kSelect || (a->kind == Expr::Kind::kIndex && a->args[1]->kind == Expr::Kind::kString);
      if (!field) return Fail(a->pos, "has() takes a field selection such as has(output.discount)");
      if (!Visit(a)) return false;
      if (a->args[0]->type->kind != K::kObject) return Fail(a->pos, "has() tests fields of objects");
      e->type = T(K::kBool);
      return true;
    }
    // The remaining functions evaluate all their arguments.
    for (auto& a : e->args) {
      if (!Visit(a.get())) return false;
    }
    const Expr* self = e->has_target ? e->args[0].get() : (e->args.empty() ? nullptr : e->args[0].get());
    if (f == "size") {
      if (!ArgCount(e, e->has_target ? 0 : 1) || !NotAny(self)) return false;
      if (self->type->kind != K::kString && self->type->kind != K::kList) {
        return Fail(self->pos, "size() applies to strings and lists, not " + self->type->Name());
      }
      e->type = T(K::kInt);
      return true;
    }
    if (f == "sum") {
      if (!ArgCount(e, e->has_target ? 0 : 1) || !NotAny(self)) return false;
      if (self->type->kind != K::kList || !self->type->elem->is_numeric()) {
        return Fail(self->pos, "sum() adds a list of numbers, not " + self->type->Name() +
                                   (self->type->kind == K::kList && self->type->elem->kind == K::kObject
                                        ? " (pick the field first: list.map(x, x.amount).sum())" : ""));
      }
      e->type = T(self->type->elem->kind);
      return true;
    }
    if (f == "decimal") {
      if (e->has_target || !ArgCount(e, 1) || !NotAny(self)) return e->has_target ? Fail(e->pos, "decimal() is not a method") : false;
      if (self->type->kind != K::kString) return Fail(self->pos, "decimal() converts a string, not " + self->type->Name());
      e->type = T(K::kNumber);
      return true;
    }
    if (f == "startsWith" || f == "endsWith" || f == "contains") {
      if (!e->has_target) return Fail(e->pos, f + "() is a string method: write s." + f + "(t)");
      if (!ArgCount(e, 1) || !NotAny(e->args[0].get()) || !NotAny(e->args[1].get())) return false;
      if (e->args[0]->type->kind != K::kString || e->args[1]->type->kind != K::kString) {
        return Fail(e->pos, f + "() needs strings, not " + e->args[0]->type->Name() + " and " + e->args[1]->type->Name());
      }
      e->type = T(K::kBool);
      return true;
    }
    return Fail(e->pos, "unknown function '" + f + "'");
  }

  bool VisitMacro(Expr* e) {
    const std::string& f = e->text;
    if (!ArgCount(e, 2)) return false;
    Expr* list = e->args[0].get();
    Expr* var = e->args[1].get();
    Expr* body = e->args[2].get();
    if (!Visit(list) || !NotAny(list)) return false;
    if (list->type->kind != K::kList) return Fail(e->pos, f + "() iterates a list, not " + list->type->Name());
    if (var->kind != Expr::Kind::kIdent) return Fail(var->pos, f + "() needs a variable name as its first argument");
    if (var->text == "input" || var->text == "output") return Fail(var->pos, "'" + var->text + "' cannot be a macro variable");
    var->type = list->type->elem;
    scopes_.emplace_back(var->text, list->type->elem);
    const bool ok = Visit(body);
    scopes_.pop_back();
    if (!ok) return false;
    if (f == "map") {
      if (!NotAny(body)) return false;
      if (body->type->kind == K::kNull) return Fail(body->pos, "map() cannot produce null");
      e->type = ListOf(body->type);
      return true;
    }
    if (body->type->kind != K::kBool) return Fail(body->pos, f + "() needs a boolean condition, not " + body->type->Name());
    e->type = f == "filter" ? list->type : T(K::kBool);
    return true;
  }

  const CheckEnv& env_;
  Error* err_;
  std::vector<std::pair<std::string, TypeRef>> scopes_;
};

}  // namespace

bool Check(Expr* root, const CheckEnv& env, Error* err) { return Checker(env, err).CheckRule(root); }

}  // namespace lithium::verify::cel
