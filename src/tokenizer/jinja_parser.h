// The recursive-descent parser's class, shared by jinja_parser.cc
// (statements) and jinja_parser_expr.cc (expressions). Internal to
// src/tokenizer.
#pragma once

#include <initializer_list>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "src/tokenizer/jinja_ast.h"

namespace lithium::tokenizer::jinja {

// Deeper nesting than this is not a chat template; the limit keeps the
// recursive descent from exhausting the stack on hostile input.
inline constexpr int kMaxDepth = 200;

inline ExprPtr Make(ExprKind kind, Loc loc) {
  auto e = std::make_unique<Expr>();
  e->kind = kind;
  e->loc = loc;
  return e;
}

class Parser {
 public:
  explicit Parser(std::vector<Token> toks) : toks_(std::move(toks)) {}

  Result<std::unique_ptr<Program>> Run() {
    auto program = std::make_unique<Program>();
    Subparse(&program->body, {}, "", Loc{});
    if (!err_.ok()) return err_;
    return program;
  }

 private:
  // RAII nesting counter.
  struct DepthGuard {
    explicit DepthGuard(Parser* p) : p(p) {
      if (++p->depth_ > kMaxDepth) p->Fail(p->Cur().loc, "template nests too deeply");
    }
    ~DepthGuard() { --p->depth_; }
    Parser* p;
  };

  const Token& Cur() const { return toks_[pos_]; }
  const Token& Peek() const { return toks_[pos_ + 1 < toks_.size() ? pos_ + 1 : pos_]; }
  void Next() {
    if (pos_ + 1 < toks_.size()) ++pos_;
  }
  bool IsOp(const char* op) const { return Cur().kind == TokKind::kOp && Cur().text == op; }
  bool IsName(const char* name) const { return Cur().kind == TokKind::kName && Cur().text == name; }
  bool Failed() const { return !err_.ok(); }
  std::nullptr_t Fail(Loc loc, const std::string& message) {
    if (err_.ok()) err_ = ErrorAt(loc, message);
    return nullptr;
  }
  static std::string Describe(const Token& t) {
    switch (t.kind) {
      case TokKind::kText: return "template text";
      case TokKind::kVarBegin: return "'{{'";
      case TokKind::kVarEnd: return "end of print statement '}}'";
      case TokKind::kBlockBegin: return "'{%'";
      case TokKind::kBlockEnd: return "end of statement block '%}'";
      case TokKind::kName: return "'" + t.text + "'";
      case TokKind::kString: return "string literal";
      case TokKind::kInt:
      case TokKind::kFloat: return "number '" + t.text + "'";
      case TokKind::kOp: return "'" + t.text + "'";
      case TokKind::kEof: return "end of template";
    }
    return "token";
  }
  bool ExpectOp(const char* op) {
    if (IsOp(op)) {
      Next();
      return true;
    }
    Fail(Cur().loc, std::string("expected '") + op + "', got " + Describe(Cur()));
    return false;
  }
  bool ExpectBlockEnd() {
    if (Cur().kind == TokKind::kBlockEnd) {
      Next();
      return true;
    }
    Fail(Cur().loc, "expected end of statement block '%}', got " + Describe(Cur()));
    return false;
  }
  bool ExpectName(std::string* out) {
    if (Cur().kind == TokKind::kName) {
      *out = Cur().text;
      Next();
      return true;
    }
    Fail(Cur().loc, "expected a name, got " + Describe(Cur()));
    return false;
  }

  // Statements up to (not including) "{% <one of end_names>": on return,
  // Cur() is that name. Reaching the end of the template is an error when
  // end names are expected.
  void Subparse(Body* body, std::initializer_list<const char*> end_names, const std::string& opener, Loc open_loc);
  // Ends the header of a block statement ("%}", after an optional ':') and
  // parses its body up to one of end_names; consumes the end name if drop.
  void ParseBody(Body* body, std::initializer_list<const char*> end_names, bool drop, const std::string& opener,
                 Loc open_loc);
  std::unique_ptr<Stmt> ParseStatement();
  std::unique_ptr<Stmt> ParseIf(Loc loc);
  std::unique_ptr<Stmt> ParseFor(Loc loc);
  std::unique_ptr<Stmt> ParseSet(Loc loc);
  std::unique_ptr<Stmt> ParseMacro(Loc loc);
  std::unique_ptr<Stmt> ParseWith(Loc loc);
  // Assignment targets: a name, or names separated by commas, optionally in
  // parentheses. with_ns allows "ns.attr".
  bool ParseTargets(Stmt* s, bool with_ns, const char* end_name);

  ExprPtr ParseTuple(bool with_condexpr, const char* extra_end, bool explicit_parens);
  ExprPtr ParseExpression(bool with_condexpr = true);
  ExprPtr ParseCondExpr();
  ExprPtr ParseOr();
  ExprPtr ParseAnd();
  ExprPtr ParseNot();
  ExprPtr ParseCompare();
  ExprPtr ParseMath1();
  ExprPtr ParseConcat();
  ExprPtr ParseMath2();
  ExprPtr ParsePow();
  ExprPtr ParseUnary(bool with_filter);
  ExprPtr ParsePrimary();
  ExprPtr ParsePostfix(ExprPtr node);
  ExprPtr ParseFilterExpr(ExprPtr node);
  ExprPtr ParseSubscript(ExprPtr node);
  ExprPtr ParseSubscribed();
  ExprPtr ParseFilter(ExprPtr node, bool start_inline);
  ExprPtr ParseTest(ExprPtr node);
  bool ParseCallArgs(Expr* call);

  std::vector<Token> toks_;
  size_t pos_ = 0;
  Status err_;
  int depth_ = 0;
  int loop_depth_ = 0;
};

}  // namespace lithium::tokenizer::jinja
