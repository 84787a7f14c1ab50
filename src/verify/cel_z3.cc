#include "src/verify/cel_z3.h"

namespace lithium::verify::cel {

using K = Type::Kind;

Compiler::Compiler(z3::context& ctx, const JsonValue* input, const JsonValue* output)
    : ctx_(ctx), input_(input), output_(output) {}

Compiler::Compiler(z3::context& ctx, TypeRef input_type, TypeRef output_type, SymbolTable* symbols)
    : ctx_(ctx), input_type_(std::move(input_type)), output_type_(std::move(output_type)), symbols_(symbols) {}

z3::expr Compiler::Fresh(const z3::sort& s) {
  // Document paths start with input or output, so a leading '!' cannot clash.
  const std::string name = "!fresh" + std::to_string(symbols_->fresh++);
  touched_.insert(name);
  return ctx_.constant(name.c_str(), s);
}

// A non-negative unknown count (items of a list past the slots that pass a
// filter, say).
z3::expr Compiler::FreshCount() {
  const z3::expr f = Fresh(ctx_.int_sort());
  symbols_->Add(f.decl().name().str(), f >= 0);
  return f;
}

z3::expr Compiler::DefaultOf(K kind) {
  switch (kind) {
    case K::kInt: return ctx_.int_val(0);
    case K::kNumber: return ctx_.real_val(0);
    case K::kString: return StringVal("");
    default: return False();
  }
}

// The value of x in the sort of `kind` (ints widen to rationals; a null
// literal becomes the sort's default, flagged by its nul).
z3::expr Compiler::Coerce(const Val& x, K kind) {
  if (x.type->kind == K::kNull) return DefaultOf(kind);
  if (kind == K::kNumber && x.v.is_int()) return z3::to_real(x.v);
  return x.v;
}

void Compiler::NoteRead(const std::string& path, const JsonValue* json, int64_t size) {
  if (!concrete() || path.empty() || reads_.size() >= kMaxReads) return;
  const std::string key = path + (size >= 0 ? "#size" : "");
  if (!read_fields_.insert(key).second) return;
  Read r;
  r.field = path;
  if (json == nullptr) {
    r.missing = true;
  } else if (size >= 0) {
    r.size = size;
  } else {
    r.value = ToNlohmann(*json);
  }
  reads_.push_back(std::move(r));
}

void Compiler::NoteError(std::string message) {
  if (concrete() && errors_.size() < 8) errors_.push_back(std::move(message));
}

// ---------------------------------------------------------------- leaves

Val Compiler::Root(const std::string& name, const TypeRef& type) {
  if (concrete()) {
    const JsonValue* doc = name == "input" ? input_ : output_;
    if (doc == nullptr) {
      Val out(ctx_);
      out.type = type;
      out.path = name;
      out.d = False();
      NoteError("no " + name + " was given");
      return out;
    }
    return FromJson(type, doc, name, True());
  }
  return FromSymbol(type, name, True());
}

Val Compiler::FromJson(const TypeRef& type, const JsonValue* json, const std::string& path, z3::expr d) {
  Val out(ctx_);
  out.type = type;
  out.path = path;
  out.d = d;
  out.json = json;
  if (type->is_scalar() || type->kind == K::kAny) NoteRead(path, json);
  if (json->kind == JsonValue::Kind::kNull) {
    out.nul = True();
    out.v = DefaultOf(type->kind);
    return out;
  }
  auto mismatch = [&](const char* want) {
    NoteError(path + " is " + json->KindName() + ", not " + want);
    out.d = False();
    out.v = DefaultOf(type->kind);
    out.json = nullptr;
    return out;
  };
  switch (type->kind) {
    case K::kBool:
      if (json->kind != JsonValue::Kind::kBool) return mismatch("a boolean");
      out.v = ctx_.bool_val(json->boolean);
      return out;
    case K::kInt:
    case K::kNumber: {
      const bool text_ok = json->kind == JsonValue::Kind::kNumber ||
                           (type->decimal_string && json->kind == JsonValue::Kind::kString);
      if (!text_ok) return mismatch(type->decimal_string ? "a decimal string" : "a number");
      auto dec = ParseDecimal(json->text, json->kind == JsonValue::Kind::kString);
      if (!dec.ok()) {
        NoteError(path + ": " + dec.status().message());
        out.d = False();
        out.v = DefaultOf(type->kind);
        return out;
      }
      if (type->kind == K::kInt) {
        if (!dec->is_integer()) return mismatch("an integer");
        out.v = ctx_.int_val(dec->Z3Numeral().c_str());
      } else {
        out.v = ctx_.real_val(dec->Z3Numeral().c_str());
      }
      return out;
    }
    case K::kString:
      if (json->kind != JsonValue::Kind::kString) return mismatch("a string");
      out.v = StringVal(json->text);
      return out;
    case K::kNull: return mismatch("null");
    case K::kList:
      if (json->kind != JsonValue::Kind::kArray) return mismatch("an array");
      return out;
    case K::kObject:
      if (json->kind != JsonValue::Kind::kObject) return mismatch("an object");
      return out;
    case K::kAny: return out;
  }
  return out;
}

void Compiler::AddScalarConstraints(const std::string& path, const Type& t, const z3::expr& v, const z3::expr& nul) {
  z3::expr_vector c(ctx_);
  if (t.is_numeric()) {
    auto num = [&](const Decimal& dec) {
      z3::expr n = ctx_.real_val(dec.Z3Numeral().c_str());
      return n;
    };
    const z3::expr x = v.is_int() ? z3::to_real(v) : v;
    if (t.has_minimum) c.push_back(t.exclusive_minimum ? x > num(t.minimum) : x >= num(t.minimum));
    if (t.has_maximum) c.push_back(t.exclusive_maximum ? x < num(t.maximum) : x <= num(t.maximum));
  }
  if (t.kind == K::kString) {
    const z3::expr len = Str(StrFn::kLen, v);
    if (t.min_length > 0) c.push_back(len >= ctx_.int_val(t.min_length));
    if (t.max_length >= 0) c.push_back(len <= ctx_.int_val(t.max_length));
  }
  if (!t.enum_values.empty()) {
    z3::expr_vector any(ctx_);
    for (const JsonValue& e : t.enum_values) {
      if (t.kind == K::kString && e.kind == JsonValue::Kind::kString) {
        any.push_back(v == StringVal(e.text));
      } else if (t.kind == K::kBool && e.kind == JsonValue::Kind::kBool) {
        any.push_back(v == ctx_.bool_val(e.boolean));
      } else if (t.is_numeric()) {
        auto dec = ParseDecimal(e.text, e.kind == JsonValue::Kind::kString);
        if (!dec.ok()) continue;
        if (v.is_int()) {
          if (dec->is_integer()) any.push_back(v == ctx_.int_val(dec->Z3Numeral().c_str()));
        } else {
          any.push_back(v == ctx_.real_val(dec->Z3Numeral().c_str()));
        }
      }
    }
    c.push_back(z3::mk_or(any));
  }
  if (!c.empty()) symbols_->Add(path, z3::implies(!nul, z3::mk_and(c)));
}

Val Compiler::FromSymbol(const TypeRef& type, const std::string& path, z3::expr d) {
  Val out(ctx_);
  out.type = type;
  out.path = path;
  out.d = d;
  const bool first = symbols_->created.insert(path).second;
  touched_.insert(path);
  if (type->nullable) out.nul = ctx_.bool_const((path + "!null").c_str());
  switch (type->kind) {
    case K::kBool: out.v = ctx_.bool_const(path.c_str()); break;
    case K::kInt: out.v = ctx_.int_const(path.c_str()); break;
    case K::kNumber: out.v = ctx_.real_const(path.c_str()); break;
    case K::kString: out.v = ctx_.int_const(path.c_str()); break;  // an interned id
    case K::kNull: out.nul = True(); break;
    default: break;  // aggregates are reached through their fields and items
  }
  if (first && type->is_scalar() && type->kind != K::kNull) AddScalarConstraints(path, *type, out.v, out.nul);
  return out;
}

Val Compiler::Field(const Val& parent, const std::string& name, const TypeRef& type) {
  const std::string path = parent.path.empty() ? "" : AppendField(parent.path, name);
  const z3::expr base = Ok(parent);
  if (concrete()) {
    const JsonValue* child = parent.json == nullptr ? nullptr : parent.json->Find(name);
    if (child == nullptr) {
      Val out(ctx_);
      out.type = type;
      out.path = path;
      out.d = False();
      out.v = DefaultOf(type->kind);
      if (parent.json != nullptr && parent.json->kind == JsonValue::Kind::kObject) {
        NoteRead(path, nullptr);
        NoteError(path + " is missing");
      } else if (parent.json != nullptr) {
        NoteError(parent.path + " is " + parent.json->KindName() + ", so it has no field '" + name + "'");
      }
      return out;
    }
    return FromJson(type, child, path, base);
  }
  const cel::Field* f = parent.type->FindField(name);
  const z3::expr present = f != nullptr && f->required ? True() : ctx_.bool_const((path + "!has").c_str());
  return FromSymbol(type, path, And(base, present));
}

// ---------------------------------------------------------------- operators

Val Compiler::Literal(const Expr& e) {
  Val out(ctx_);
  out.type = e.type;
  switch (e.kind) {
    case Expr::Kind::kBool: out.v = ctx_.bool_val(e.boolean); break;
    case Expr::Kind::kInt: out.v = ctx_.int_val(ParseDecimal(e.text)->Z3Numeral().c_str()); break;
    case Expr::Kind::kNumber: out.v = ctx_.real_val(ParseDecimal(e.text)->Z3Numeral().c_str()); break;
    case Expr::Kind::kString: out.v = StringVal(e.text); break;
    default: out.nul = True(); break;  // null
  }
  return out;
}

void Compiler::AndInto(z3::expr* v, z3::expr* d, const z3::expr& v2, const z3::expr& d2) {
  if (IsTrue(*d) && IsTrue(d2)) {
    *v = And(*v, v2);
    return;
  }
  const z3::expr nd = Or(Or(And(*d, d2), And(*d, Not(*v))), And(d2, Not(v2)));
  *v = And(Or(Not(*d), *v), Or(Not(d2), v2));
  *d = nd;
}

void Compiler::OrInto(z3::expr* v, z3::expr* d, const z3::expr& v2, const z3::expr& d2) {
  if (IsTrue(*d) && IsTrue(d2)) {
    *v = Or(*v, v2);
    return;
  }
  const z3::expr nd = Or(Or(And(*d, d2), And(*d, *v)), And(d2, v2));
  *v = Or(And(*d, *v), And(d2, v2));
  *d = nd;
}

Val Compiler::Unary(const Expr& e) {
  Val a = Compile(*e.args[0]);
  Val out(ctx_);
  out.type = e.type;
  out.d = Ok(a);
  out.v = e.text == "!" ? Not(a.v) : -a.v;
  return out;
}

Val Compiler::Arith(const std::string& op, const Val& a, const Val& b, const TypeRef& type) {
  Val out(ctx_);
  out.type = type;
  const K k = type->kind;
  const z3::expr x = Coerce(a, k);
  const z3::expr y = Coerce(b, k);
  out.d = And(Ok(a), Ok(b));
  if (op == "+") {
    out.v = k == K::kString ? Str(StrFn::kConcat, x, &y) : x + y;
  } else if (op == "-") {
    out.v = x - y;
  } else if (op == "*") {
    out.v = x * y;
  } else {
    // Division by zero is a CEL error. Z3's integer division is Euclidean;
    // CEL truncates toward zero, like C.
    const z3::expr zero = DefaultOf(k);
    z3::expr nonzero = y != zero;
    if (concrete()) {
      nonzero = nonzero.simplify();
      if (nonzero.is_false()) NoteError("division by zero");
    }
    out.d = And(out.d, nonzero);
    if (k == K::kInt) {
      const z3::expr q = z3::ite(x >= 0, x / y, -((-x) / y));
      out.v = op == "/" ? q : x - y * q;
    } else {
      out.v = x / y;
    }
  }
  return out;
}

Val Compiler::Compare(const std::string& op, const Val& a, const Val& b) {
  Val out(ctx_);
  out.type = MakeType(K::kBool);
  out.d = And(Ok(a), Ok(b));
  if (a.type->kind == K::kString) {
    const z3::expr& x = a.v;
    const z3::expr& y = b.v;
    if (op == "<") out.v = Str(StrFn::kLt, x, &y);
    if (op == "<=") out.v = Str(StrFn::kLt, x, &y) || x == y;
    if (op == ">") out.v = Str(StrFn::kLt, y, &x);
    if (op == ">=") out.v = Str(StrFn::kLt, y, &x) || x == y;
    return out;
  }
  const K k = a.type->kind == K::kInt && b.type->kind == K::kInt ? K::kInt : K::kNumber;
  const z3::expr x = Coerce(a, k);
  const z3::expr y = Coerce(b, k);
  if (op == "<") out.v = x < y;
  if (op == "<=") out.v = x <= y;
  if (op == ">") out.v = x > y;
  if (op == ">=") out.v = x >= y;
  return out;
}

// CEL equality: null equals only null; numbers compare across int and
// decimal; a missing operand is an error, not "unequal".
Val Compiler::Equal(const Val& a, const Val& b) {
  Val out(ctx_);
  out.type = MakeType(K::kBool);
  out.d = And(a.d, b.d);
  if (a.type->kind == K::kNull || b.type->kind == K::kNull) {
    out.v = a.type->kind == K::kNull ? b.nul : a.nul;
    if (a.type->kind == K::kNull && b.type->kind == K::kNull) out.v = True();
    return out;
  }
  const K k = a.type->is_numeric() && b.type->is_numeric()
                  ? (a.type->kind == K::kInt && b.type->kind == K::kInt ? K::kInt : K::kNumber)
                  : a.type->kind;
  const z3::expr same = Coerce(a, k) == Coerce(b, k);
  if (IsFalse(a.nul) && IsFalse(b.nul)) {
    out.v = same;
  } else {
    out.v = (a.nul && b.nul) || (!a.nul && !b.nul && same);
  }
  return out;
}

Val Compiler::Binary(const Expr& e) {
  const std::string& op = e.text;
  Val a = Compile(*e.args[0]);
  Val b = Compile(*e.args[1]);
  if (op == "&&" || op == "||") {
    Val out(ctx_);
    out.type = e.type;
    out.v = a.v;
    out.d = a.d;
    if (op == "&&") {
      AndInto(&out.v, &out.d, b.v, b.d);
    } else {
      OrInto(&out.v, &out.d, b.v, b.d);
    }
    return out;
  }
  if (op == "==" || op == "!=") {
    Val out = Equal(a, b);
    if (op == "!=") out.v = !out.v;
    return out;
  }
  if (op == "<" || op == "<=" || op == ">" || op == ">=") return Compare(op, a, b);
  if (op == "in") return In(a, b);
  if (op == "+" && e.type->kind == K::kList) return Concat(a, b, e.type);
  return Arith(op, a, b, e.type);
}

Val Compiler::Ternary(const Expr& e) {
  Val c = Compile(*e.args[0]);
  Val a = Compile(*e.args[1]);
  Val b = Compile(*e.args[2]);
  Val out(ctx_);
  out.type = e.type;
  const K k = e.type->kind;
  const z3::expr cond = c.v;
  out.v = z3::ite(cond, Coerce(a, k), Coerce(b, k));
  out.d = And(Ok(c), z3::ite(cond, a.d, b.d));
  out.nul = z3::ite(cond, a.nul, b.nul);
  return out;
}

Val Compiler::Has(const Expr& e) {
  const Expr& sel = *e.args[0];
  const Expr& target = *sel.args[0];
  const std::string name = sel.kind == Expr::Kind::kSelect ? sel.text : sel.args[1]->text;
  Val parent = Compile(target);
  Val out(ctx_);
  out.type = e.type;
  out.d = Ok(parent);
  const std::string path = parent.path.empty() ? "" : AppendField(parent.path, name);
  if (concrete()) {
    const JsonValue* child = parent.json == nullptr ? nullptr : parent.json->Find(name);
    if (parent.json == nullptr || parent.json->kind != JsonValue::Kind::kObject) {
      out.d = False();
      if (parent.json != nullptr && parent.json->kind != JsonValue::Kind::kNull) {
        NoteError(parent.path + " is " + parent.json->KindName() + ", not an object");
      }
    }
    if (child == nullptr || (child->kind != JsonValue::Kind::kObject && child->kind != JsonValue::Kind::kArray)) {
      NoteRead(path, child);
    }
    out.v = ctx_.bool_val(child != nullptr);
    return out;
  }
  const cel::Field* f = parent.type->FindField(name);
  out.v = f != nullptr && f->required ? True() : ctx_.bool_const((path + "!has").c_str());
  return out;
}

Val Compiler::Call(const Expr& e) {
  const std::string& f = e.text;
  if (f == "has") return Has(e);
  if (f == "all" || f == "exists" || f == "exists_one" || f == "filter" || f == "map") return Macro(e);
  Val a = Compile(*e.args[0]);
  if (f == "size") return Size(a);
  if (f == "sum") return Sum(a, e.type);
  Val out(ctx_);
  out.type = e.type;
  if (f == "decimal") {
    out.d = Ok(a);
    if (concrete()) {
      const z3::expr s = a.v.simplify();
      auto dec = s.is_string_value() ? ParseDecimal(s.get_string(), true) : Result<Decimal>(Status::Invalid("not a string"));
      if (!dec.ok()) {
        NoteError("decimal(): " + dec.status().message());
        out.d = False();
        out.v = ctx_.real_val(0);
      } else {
        out.v = ctx_.real_val(dec->Z3Numeral().c_str());
      }
    } else {
      // String-to-number parsing has no exact Z3 encoding here: abstract it.
      out.v = Fresh(ctx_.real_sort());
      out.d = out.d && FreshBool();
    }
    return out;
  }
  Val b = Compile(*e.args[1]);
  out.d = And(Ok(a), Ok(b));
  if (f == "startsWith") out.v = Str(StrFn::kPrefix, b.v, &a.v);
  if (f == "endsWith") out.v = Str(StrFn::kSuffix, b.v, &a.v);
  if (f == "contains") out.v = Str(StrFn::kContains, a.v, &b.v);
  return out;
}

Val Compiler::Compile(const Expr& e) {
  switch (e.kind) {
    case Expr::Kind::kBool:
    case Expr::Kind::kInt:
    case Expr::Kind::kNumber:
    case Expr::Kind::kString:
    case Expr::Kind::kNull: return Literal(e);
    case Expr::Kind::kIdent:
      for (auto it = scopes_.rbegin(); it != scopes_.rend(); ++it) {
        if (it->first == e.text) return it->second;
      }
      return Root(e.text, e.type);
    case Expr::Kind::kSelect: return Field(Compile(*e.args[0]), e.text, e.type);
    case Expr::Kind::kIndex: {
      Val target = Compile(*e.args[0]);
      if (target.type->kind == K::kObject) return Field(target, e.args[1]->text, e.type);
      return Index(target, Compile(*e.args[1]), e.type);
    }
    case Expr::Kind::kCall: return Call(e);
    case Expr::Kind::kList: return ListLiteral(e);
    case Expr::Kind::kUnary: return Unary(e);
    case Expr::Kind::kBinary: return Binary(e);
    case Expr::Kind::kTernary: return Ternary(e);
  }
  return Literal(e);
}

int Decide(z3::context& ctx, const Val& rule) {
  z3::expr d = rule.d.is_true() || rule.d.is_false() ? rule.d : rule.d.simplify();
  if (d.is_false()) return -1;
  z3::expr v = rule.v.simplify();
  if (d.is_true() && v.is_true()) return 1;
  if (d.is_true() && v.is_false()) return 0;
  // The simplifier leaves a few ground terms alone; a solver always decides
  // a ground formula.
  z3::solver s(ctx, z3::solver::simple());
  s.add(!d);
  if (s.check() == z3::sat) return -1;
  z3::solver s2(ctx, z3::solver::simple());
  s2.add(!v);
  return s2.check() == z3::sat ? 0 : 1;
}

}  // namespace lithium::verify::cel
