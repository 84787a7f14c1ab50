// Expressions: jinja2's grammar and precedence (see jinja_parser.cc).
#include <string>
#include <utility>
#include <vector>

#include "src/tokenizer/jinja_parser.h"

namespace lithium::tokenizer::jinja {


ExprPtr Parser::ParseTuple(bool with_condexpr, const char* extra_end, bool explicit_parens) {
  const Loc loc = Cur().loc;
  std::vector<ExprPtr> items;
  bool is_tuple = false;
  while (true) {
    if (!items.empty() && !ExpectOp(",")) return nullptr;
    const TokKind k = Cur().kind;
    if (k == TokKind::kVarEnd || k == TokKind::kBlockEnd || IsOp(")") || (extra_end && IsName(extra_end))) break;
    ExprPtr e = ParseExpression(with_condexpr);
    if (Failed()) return nullptr;
    items.push_back(std::move(e));
    if (!IsOp(",")) break;
    is_tuple = true;
  }
  if (!is_tuple) {
    if (!items.empty()) return std::move(items[0]);
    if (!explicit_parens) return Fail(Cur().loc, "expected an expression, got " + Describe(Cur()));
  }
  ExprPtr t = Make(ExprKind::kTuple, loc);
  t->args = std::move(items);
  return t;
}

ExprPtr Parser::ParseExpression(bool with_condexpr) {
  DepthGuard guard(this);
  if (Failed()) return nullptr;
  return with_condexpr ? ParseCondExpr() : ParseOr();
}

ExprPtr Parser::ParseCondExpr() {
  ExprPtr expr = ParseOr();
  while (!Failed() && IsName("if")) {
    const Loc loc = Cur().loc;
    Next();
    ExprPtr cond = ParseOr();
    ExprPtr other;
    if (!Failed() && IsName("else")) {
      Next();
      other = ParseCondExpr();
    }
    if (Failed()) return nullptr;
    ExprPtr c = Make(ExprKind::kCond, loc);
    c->args.push_back(std::move(expr));
    c->args.push_back(std::move(cond));
    c->args.push_back(std::move(other));
    expr = std::move(c);
  }
  return Failed() ? nullptr : std::move(expr);
}

ExprPtr Parser::ParseOr() {
  ExprPtr left = ParseAnd();
  while (!Failed() && IsName("or")) {
    ExprPtr e = Make(ExprKind::kOr, Cur().loc);
    Next();
    e->args.push_back(std::move(left));
    e->args.push_back(ParseAnd());
    left = std::move(e);
  }
  return Failed() ? nullptr : std::move(left);
}

ExprPtr Parser::ParseAnd() {
  ExprPtr left = ParseNot();
  while (!Failed() && IsName("and")) {
    ExprPtr e = Make(ExprKind::kAnd, Cur().loc);
    Next();
    e->args.push_back(std::move(left));
    e->args.push_back(ParseNot());
    left = std::move(e);
  }
  return Failed() ? nullptr : std::move(left);
}

ExprPtr Parser::ParseNot() {
  if (IsName("not")) {
    DepthGuard guard(this);
    ExprPtr e = Make(ExprKind::kNot, Cur().loc);
    Next();
    e->args.push_back(ParseNot());
    return Failed() ? nullptr : std::move(e);
  }
  return ParseCompare();
}

ExprPtr Parser::ParseCompare() {
  const Loc loc = Cur().loc;
  ExprPtr first = ParseMath1();
  if (Failed()) return nullptr;
  ExprPtr cmp;
  while (true) {
    std::string op;
    if (Cur().kind == TokKind::kOp &&
        (Cur().text == "==" || Cur().text == "!=" || Cur().text == "<" || Cur().text == "<=" ||
         Cur().text == ">" || Cur().text == ">=")) {
      op = Cur().text;
      Next();
    } else if (IsName("in")) {
      op = "in";
      Next();
    } else if (IsName("not") && Peek().kind == TokKind::kName && Peek().text == "in") {
      op = "notin";
      Next();
      Next();
    } else {
      break;
    }
    if (!cmp) {
      cmp = Make(ExprKind::kCompare, loc);
      cmp->args.push_back(std::move(first));
    }
    cmp->ops.push_back(op);
    cmp->args.push_back(ParseMath1());
    if (Failed()) return nullptr;
  }
  return cmp ? std::move(cmp) : std::move(first);
}

ExprPtr Parser::ParseMath1() {
  ExprPtr left = ParseConcat();
  while (!Failed() && (IsOp("+") || IsOp("-"))) {
    ExprPtr e = Make(ExprKind::kBinary, Cur().loc);
    e->name = Cur().text;
    Next();
    e->args.push_back(std::move(left));
    e->args.push_back(ParseConcat());
    left = std::move(e);
  }
  return Failed() ? nullptr : std::move(left);
}

ExprPtr Parser::ParseConcat() {
  ExprPtr first = ParseMath2();
  if (Failed() || !IsOp("~")) return Failed() ? nullptr : std::move(first);
  ExprPtr e = Make(ExprKind::kConcat, Cur().loc);
  e->args.push_back(std::move(first));
  while (!Failed() && IsOp("~")) {
    Next();
    e->args.push_back(ParseMath2());
  }
  return Failed() ? nullptr : std::move(e);
}

ExprPtr Parser::ParseMath2() {
  ExprPtr left = ParsePow();
  while (!Failed() && (IsOp("*") || IsOp("/") || IsOp("//") || IsOp("%"))) {
    ExprPtr e = Make(ExprKind::kBinary, Cur().loc);
    e->name = Cur().text;
    Next();
    e->args.push_back(std::move(left));
    e->args.push_back(ParsePow());
    left = std::move(e);
  }
  return Failed() ? nullptr : std::move(left);
}

ExprPtr Parser::ParsePow() {
  ExprPtr left = ParseUnary(true);
  while (!Failed() && IsOp("**")) {
    ExprPtr e = Make(ExprKind::kBinary, Cur().loc);
    e->name = "**";
    Next();
    e->args.push_back(std::move(left));
    e->args.push_back(ParseUnary(true));
    left = std::move(e);
  }
  return Failed() ? nullptr : std::move(left);
}

ExprPtr Parser::ParseUnary(bool with_filter) {
  DepthGuard guard(this);
  if (Failed()) return nullptr;
  ExprPtr node;
  if (IsOp("-") || IsOp("+")) {
    node = Make(IsOp("-") ? ExprKind::kNeg : ExprKind::kPos, Cur().loc);
    Next();
    node->args.push_back(ParseUnary(false));
  } else {
    node = ParsePrimary();
  }
  if (Failed()) return nullptr;
  node = ParsePostfix(std::move(node));
  if (with_filter && !Failed()) node = ParseFilterExpr(std::move(node));
  return Failed() ? nullptr : std::move(node);
}

ExprPtr Parser::ParsePrimary() {
  const Token& t = Cur();
  const Loc loc = t.loc;
  if (t.kind == TokKind::kName) {
    ExprPtr e;
    if (t.text == "true" || t.text == "True" || t.text == "false" || t.text == "False") {
      e = Make(ExprKind::kLiteral, loc);
      e->literal = Value::Bool(t.text == "true" || t.text == "True");
    } else if (t.text == "none" || t.text == "None") {
      e = Make(ExprKind::kLiteral, loc);
      e->literal = Value::None();
    } else {
      e = Make(ExprKind::kName, loc);
      e->name = t.text;
    }
    Next();
    return e;
  }
  if (t.kind == TokKind::kString) {
    // Adjacent string literals concatenate, as in Python.
    std::string s;
    while (Cur().kind == TokKind::kString) {
      s += Cur().text;
      Next();
    }
    ExprPtr e = Make(ExprKind::kLiteral, loc);
    e->literal = Value::String(std::move(s));
    return e;
  }
  if (t.kind == TokKind::kInt || t.kind == TokKind::kFloat) {
    ExprPtr e = Make(ExprKind::kLiteral, loc);
    e->literal = t.kind == TokKind::kInt ? Value::Int(t.i) : Value::Float(t.f);
    Next();
    return e;
  }
  if (IsOp("(")) {
    Next();
    ExprPtr e = ParseTuple(true, nullptr, true);
    if (Failed() || !ExpectOp(")")) return nullptr;
    return e;
  }
  if (IsOp("[")) {
    ExprPtr e = Make(ExprKind::kList, loc);
    Next();
    while (!IsOp("]")) {
      if (!e->args.empty() && !ExpectOp(",")) return nullptr;
      if (IsOp("]")) break;
      e->args.push_back(ParseExpression());
      if (Failed()) return nullptr;
    }
    Next();
    return e;
  }
  if (IsOp("{")) {
    ExprPtr e = Make(ExprKind::kDict, loc);
    Next();
    while (!IsOp("}")) {
      if (!e->args.empty() && !ExpectOp(",")) return nullptr;
      if (IsOp("}")) break;
      e->args.push_back(ParseExpression());
      if (Failed() || !ExpectOp(":")) return nullptr;
      e->args.push_back(ParseExpression());
      if (Failed()) return nullptr;
    }
    Next();
    return e;
  }
  return Fail(loc, "unexpected " + Describe(t) + " in expression");
}

ExprPtr Parser::ParsePostfix(ExprPtr node) {
  while (!Failed()) {
    if (IsOp(".") || IsOp("[")) {
      node = ParseSubscript(std::move(node));
    } else if (IsOp("(")) {
      // Errors in a call point at what is called, not at its '('.
      ExprPtr call = Make(ExprKind::kCall, node->loc);
      call->args.push_back(std::move(node));
      if (!ParseCallArgs(call.get())) return nullptr;
      node = std::move(call);
    } else {
      break;
    }
  }
  return Failed() ? nullptr : std::move(node);
}

ExprPtr Parser::ParseFilterExpr(ExprPtr node) {
  while (!Failed()) {
    if (IsOp("|")) {
      node = ParseFilter(std::move(node), false);
    } else if (IsName("is")) {
      node = ParseTest(std::move(node));
    } else if (IsOp("(")) {
      // Errors in a call point at what is called, not at its '('.
      ExprPtr call = Make(ExprKind::kCall, node->loc);
      call->args.push_back(std::move(node));
      if (!ParseCallArgs(call.get())) return nullptr;
      node = std::move(call);
    } else {
      break;
    }
  }
  return Failed() ? nullptr : std::move(node);
}

ExprPtr Parser::ParseSubscript(ExprPtr node) {
  const Loc loc = Cur().loc;
  if (IsOp(".")) {
    Next();
    if (Cur().kind == TokKind::kName) {
      ExprPtr e = Make(ExprKind::kGetAttr, loc);
      e->name = Cur().text;
      e->args.push_back(std::move(node));
      Next();
      return e;
    }
    if (Cur().kind == TokKind::kInt) {
      ExprPtr e = Make(ExprKind::kGetItem, loc);
      e->args.push_back(std::move(node));
      ExprPtr idx = Make(ExprKind::kLiteral, Cur().loc);
      idx->literal = Value::Int(Cur().i);
      e->args.push_back(std::move(idx));
      Next();
      return e;
    }
    return Fail(Cur().loc, "expected an attribute name after '.', got " + Describe(Cur()));
  }
  Next();  // [
  std::vector<ExprPtr> subs;
  while (!IsOp("]")) {
    if (!subs.empty() && !ExpectOp(",")) return nullptr;
    subs.push_back(ParseSubscribed());
    if (Failed()) return nullptr;
  }
  Next();
  if (subs.empty()) return Fail(loc, "expected an index or slice inside '[]'");
  if (subs.size() == 1 && subs[0]->kind == ExprKind::kSlice) {
    subs[0]->args[0] = std::move(node);
    return std::move(subs[0]);
  }
  ExprPtr e = Make(ExprKind::kGetItem, loc);
  e->args.push_back(std::move(node));
  if (subs.size() == 1) {
    e->args.push_back(std::move(subs[0]));
  } else {
    for (const auto& s : subs) {
      if (s->kind == ExprKind::kSlice) return Fail(s->loc, "unsupported: slices inside a tuple index");
    }
    ExprPtr t = Make(ExprKind::kTuple, loc);
    t->args = std::move(subs);
    e->args.push_back(std::move(t));
  }
  return e;
}

// One item inside [...]: an expression or a slice start:stop:step. A slice
// comes back as a kSlice whose args[0] (the object) is still empty.
ExprPtr Parser::ParseSubscribed() {
  const Loc loc = Cur().loc;
  ExprPtr start;
  if (!IsOp(":")) {
    start = ParseExpression();
    if (Failed()) return nullptr;
    if (!IsOp(":")) return start;
  }
  Next();  // first ':'
  ExprPtr slice = Make(ExprKind::kSlice, loc);
  slice->args.resize(4);
  slice->args[1] = std::move(start);
  if (!IsOp(":") && !IsOp("]") && !IsOp(",")) {
    slice->args[2] = ParseExpression();
    if (Failed()) return nullptr;
  }
  if (IsOp(":")) {
    Next();
    if (!IsOp("]") && !IsOp(",")) {
      slice->args[3] = ParseExpression();
      if (Failed()) return nullptr;
    }
  }
  return slice;
}

ExprPtr Parser::ParseFilter(ExprPtr node, bool start_inline) {
  while (!Failed() && (IsOp("|") || start_inline)) {
    if (!start_inline) Next();
    start_inline = false;
    const Loc loc = Cur().loc;
    std::string name;
    if (!ExpectName(&name)) return nullptr;
    while (IsOp(".")) {
      Next();
      std::string part;
      if (!ExpectName(&part)) return nullptr;
      name += "." + part;
    }
    ExprPtr f = Make(ExprKind::kFilter, loc);
    f->name = name;
    f->args.push_back(std::move(node));
    if (IsOp("(") && !ParseCallArgs(f.get())) return nullptr;
    node = std::move(f);
  }
  return Failed() ? nullptr : std::move(node);
}

ExprPtr Parser::ParseTest(ExprPtr node) {
  const Loc loc = Cur().loc;
  Next();  // is
  ExprPtr t = Make(ExprKind::kTest, loc);
  if (IsName("not")) {
    Next();
    t->negated = true;
  }
  const Loc name_loc = Cur().loc;
  if (!ExpectName(&t->name)) return nullptr;
  while (IsOp(".")) {
    Next();
    std::string part;
    if (!ExpectName(&part)) return nullptr;
    t->name += "." + part;
  }
  t->loc = name_loc;  // errors of the test point at its name
  t->args.push_back(std::move(node));
  const TokKind k = Cur().kind;
  if (IsOp("(")) {
    if (!ParseCallArgs(t.get())) return nullptr;
  } else if ((k == TokKind::kName || k == TokKind::kString || k == TokKind::kInt || k == TokKind::kFloat ||
              IsOp("[") || IsOp("{")) &&
             !IsName("else") && !IsName("or") && !IsName("and")) {
    // One argument without parentheses: "x is divisibleby 3".
    if (IsName("is")) return Fail(Cur().loc, "tests cannot be chained with 'is'");
    ExprPtr arg = ParsePrimary();
    if (Failed()) return nullptr;
    arg = ParsePostfix(std::move(arg));
    if (Failed()) return nullptr;
    t->args.push_back(std::move(arg));
  }
  return t;
}

bool Parser::ParseCallArgs(Expr* call) {
  Next();  // (
  bool require_comma = false;
  while (!IsOp(")")) {
    if (require_comma) {
      if (!ExpectOp(",")) return false;
      if (IsOp(")")) break;
    }
    if (IsOp("*") || IsOp("**")) {
      Fail(Cur().loc, "unsupported: '" + Cur().text + "' argument unpacking");
      return false;
    }
    if (Cur().kind == TokKind::kName && Peek().kind == TokKind::kOp && Peek().text == "=") {
      std::string key = Cur().text;
      Next();
      Next();
      ExprPtr v = ParseExpression();
      if (Failed()) return false;
      call->kwargs.emplace_back(std::move(key), std::move(v));
    } else {
      if (!call->kwargs.empty()) {
        Fail(Cur().loc, "positional argument follows keyword argument");
        return false;
      }
      call->args.push_back(ParseExpression());
      if (Failed()) return false;
    }
    require_comma = true;
  }
  Next();  // )
  return true;
}

}  // namespace lithium::tokenizer::jinja
