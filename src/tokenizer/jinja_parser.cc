// Builds the syntax tree. The grammar and operator precedence are jinja2's
// (parser.py), because a template means what jinja2 makes of it: "-x|abs"
// is abs(-x), "a + b|trim" trims only b, "not x is y" is not (x is y).
//
// Precedence, loosest first: "x if c else y", or, and, not, comparisons and
// "in", + -, ~, * / // %, **, unary - +, then postfix .attr [i] (args),
// then |filter and "is test".
//
// Every parse function returns null after the first error, which is kept in
// err_ with its line and column.
#include <string>
#include <utility>

#include "src/tokenizer/jinja_parser.h"

namespace lithium::tokenizer::jinja {

void Parser::Subparse(Body* body, std::initializer_list<const char*> end_names, const std::string& opener,
                      Loc open_loc) {
  DepthGuard guard(this);
  while (!Failed()) {
    const Token& t = Cur();
    switch (t.kind) {
      case TokKind::kText: {
        auto s = std::make_unique<Stmt>();
        s->kind = StmtKind::kText;
        s->loc = t.loc;
        s->text = t.text;
        body->push_back(std::move(s));
        Next();
        break;
      }
      case TokKind::kVarBegin: {
        auto s = std::make_unique<Stmt>();
        s->kind = StmtKind::kOutput;
        s->loc = t.loc;
        Next();
        s->expr = ParseTuple(true, nullptr, false);
        if (Failed()) return;
        if (Cur().kind != TokKind::kVarEnd) {
          Fail(Cur().loc, "expected end of print statement '}}', got " + Describe(Cur()));
          return;
        }
        Next();
        body->push_back(std::move(s));
        break;
      }
      case TokKind::kBlockBegin: {
        Next();
        for (const char* end : end_names) {
          if (IsName(end)) return;
        }
        auto s = ParseStatement();
        if (Failed()) return;
        if (!ExpectBlockEnd()) return;
        if (s) body->push_back(std::move(s));
        break;
      }
      case TokKind::kEof: {
        if (end_names.size() == 0) return;
        std::string want;
        for (const char* end : end_names) want += (want.empty() ? "'" : " or '") + std::string(end) + "'";
        Fail(t.loc, "unexpected end of template: expected " + want + " to close the '" + opener + "' at line " +
                        std::to_string(open_loc.line) + ", column " + std::to_string(open_loc.col));
        return;
      }
      default:
        Fail(t.loc, "unexpected " + Describe(t));
        return;
    }
  }
}

void Parser::ParseBody(Body* body, std::initializer_list<const char*> end_names, bool drop,
                       const std::string& opener, Loc open_loc) {
  if (IsOp(":")) Next();
  if (!ExpectBlockEnd()) return;
  Subparse(body, end_names, opener, open_loc);
  if (!Failed() && drop) Next();
}

std::unique_ptr<Stmt> Parser::ParseStatement() {
  const Token& t = Cur();
  if (t.kind != TokKind::kName) return Fail(t.loc, "expected a tag name after '{%', got " + Describe(t));
  const Loc loc = t.loc;
  const std::string name = t.text;
  Next();
  if (name == "if") return ParseIf(loc);
  if (name == "for") return ParseFor(loc);
  if (name == "set") return ParseSet(loc);
  if (name == "macro") return ParseMacro(loc);
  if (name == "with") return ParseWith(loc);
  if (name == "break" || name == "continue") {
    if (loop_depth_ == 0) return Fail(loc, "'" + name + "' outside a for loop");
    auto s = std::make_unique<Stmt>();
    s->kind = name == "break" ? StmtKind::kBreak : StmtKind::kContinue;
    s->loc = loc;
    return s;
  }
  if (name == "filter") {
    auto s = std::make_unique<Stmt>();
    s->kind = StmtKind::kFilterBlock;
    s->loc = loc;
    s->filter = ParseFilter(nullptr, true);
    if (Failed()) return nullptr;
    ParseBody(&s->body, {"endfilter"}, true, "filter", loc);
    return s;
  }
  if (name == "generation") {
    auto s = std::make_unique<Stmt>();
    s->kind = StmtKind::kGeneration;
    s->loc = loc;
    ParseBody(&s->body, {"endgeneration"}, true, "generation", loc);
    return s;
  }
  static const char* kUnsupported[] = {"include", "import", "from", "extends", "block", "call",
                                       "autoescape", "do", "print", "trans", "pluralize", "raw"};
  for (const char* u : kUnsupported) {
    if (name == u) return Fail(loc, "unsupported tag '" + name + "'");
  }
  if (name.rfind("end", 0) == 0 || name == "else" || name == "elif") {
    return Fail(loc, "unexpected '" + name + "' (no open block expects it here)");
  }
  return Fail(loc, "unknown tag '" + name + "'");
}

std::unique_ptr<Stmt> Parser::ParseIf(Loc loc) {
  auto s = std::make_unique<Stmt>();
  s->kind = StmtKind::kIf;
  s->loc = loc;
  while (true) {
    ExprPtr cond = ParseTuple(false, nullptr, false);
    if (Failed()) return nullptr;
    Body body;
    ParseBody(&body, {"elif", "else", "endif"}, false, "if", loc);
    if (Failed()) return nullptr;
    s->branches.emplace_back(std::move(cond), std::move(body));
    const std::string end = Cur().text;
    Next();
    if (end == "elif") continue;
    if (end == "else") ParseBody(&s->else_body, {"endif"}, true, "if", loc);
    break;
  }
  if (Failed()) return nullptr;
  return s;
}

bool Parser::ParseTargets(Stmt* s, bool with_ns, const char* end_name) {
  if (with_ns && Cur().kind == TokKind::kName && Peek().kind == TokKind::kOp && Peek().text == ".") {
    s->targets.push_back(Cur().text);
    Next();
    Next();
    return ExpectName(&s->attr);
  }
  const bool parens = IsOp("(");
  if (parens) {
    Next();
    s->unpack = true;
  }
  while (true) {
    std::string name;
    if (Cur().kind != TokKind::kName || (end_name && Cur().text == end_name)) {
      Fail(Cur().loc, "expected a variable name to assign to, got " + Describe(Cur()));
      return false;
    }
    ExpectName(&name);
    s->targets.push_back(name);
    if (!IsOp(",")) break;
    s->unpack = true;
    Next();
    if (parens && IsOp(")")) break;
  }
  if (parens && !ExpectOp(")")) return false;
  return true;
}

std::unique_ptr<Stmt> Parser::ParseFor(Loc loc) {
  auto s = std::make_unique<Stmt>();
  s->kind = StmtKind::kFor;
  s->loc = loc;
  if (!ParseTargets(s.get(), false, "in")) return nullptr;
  if (!IsName("in")) return Fail(Cur().loc, "expected 'in', got " + Describe(Cur()));
  Next();
  s->expr = ParseTuple(false, "recursive", false);
  if (Failed()) return nullptr;
  if (IsName("if")) {
    Next();
    s->cond = ParseExpression();
    if (Failed()) return nullptr;
  }
  if (IsName("recursive")) return Fail(Cur().loc, "unsupported: recursive for loops");
  ++loop_depth_;
  ParseBody(&s->body, {"endfor", "else"}, false, "for", loc);
  --loop_depth_;
  if (Failed()) return nullptr;
  const std::string end = Cur().text;
  Next();
  if (end == "else") ParseBody(&s->else_body, {"endfor"}, true, "for", loc);
  if (Failed()) return nullptr;
  return s;
}

std::unique_ptr<Stmt> Parser::ParseSet(Loc loc) {
  auto s = std::make_unique<Stmt>();
  s->loc = loc;
  if (!ParseTargets(s.get(), true, nullptr)) return nullptr;
  if (IsOp("=")) {
    Next();
    s->kind = StmtKind::kSet;
    s->expr = ParseTuple(true, nullptr, false);
    if (Failed()) return nullptr;
    return s;
  }
  s->kind = StmtKind::kSetBlock;
  if (s->unpack) return Fail(loc, "a set block assigns to one name");
  if (IsOp("|")) {
    s->filter = ParseFilter(nullptr, false);
    if (Failed()) return nullptr;
  }
  // A macro's loop depth does not reach into set blocks differently: break
  // inside a set block inside a loop is still inside the loop.
  ParseBody(&s->body, {"endset"}, true, "set", loc);
  if (Failed()) return nullptr;
  return s;
}

std::unique_ptr<Stmt> Parser::ParseMacro(Loc loc) {
  auto s = std::make_unique<Stmt>();
  s->kind = StmtKind::kMacro;
  s->loc = loc;
  std::string name;
  if (!ExpectName(&name)) return nullptr;
  s->targets.push_back(name);
  if (!ExpectOp("(")) return nullptr;
  bool seen_default = false;
  while (!IsOp(")")) {
    if (!s->params.empty() && !ExpectOp(",")) return nullptr;
    std::string param;
    if (!ExpectName(&param)) return nullptr;
    ExprPtr def;
    if (IsOp("=")) {
      Next();
      def = ParseExpression();
      if (Failed()) return nullptr;
      seen_default = true;
    } else if (seen_default) {
      return Fail(Cur().loc, "non-default argument follows default argument");
    }
    s->params.emplace_back(param, std::move(def));
  }
  Next();
  // break and continue inside a macro body cannot reach an outer loop.
  const int saved = loop_depth_;
  loop_depth_ = 0;
  ParseBody(&s->body, {"endmacro"}, true, "macro", loc);
  loop_depth_ = saved;
  if (Failed()) return nullptr;
  return s;
}

std::unique_ptr<Stmt> Parser::ParseWith(Loc loc) {
  auto s = std::make_unique<Stmt>();
  s->kind = StmtKind::kWith;
  s->loc = loc;
  while (Cur().kind != TokKind::kBlockEnd) {
    if (!s->params.empty() && !ExpectOp(",")) return nullptr;
    std::string name;
    if (!ExpectName(&name)) return nullptr;
    if (!ExpectOp("=")) return nullptr;
    ExprPtr value = ParseExpression();
    if (Failed()) return nullptr;
    s->params.emplace_back(name, std::move(value));
  }
  ParseBody(&s->body, {"endwith"}, true, "with", loc);
  if (Failed()) return nullptr;
  return s;
}

Result<std::unique_ptr<Program>> Parse(std::string_view source) {
  LI_ASSIGN_OR_RETURN(auto tokens, Lex(source));
  Parser parser(std::move(tokens));
  LI_ASSIGN_OR_RETURN(auto program, parser.Run());
  LI_RETURN_IF_ERROR(CheckNames(*program));
  return program;
}

}  // namespace lithium::tokenizer::jinja
