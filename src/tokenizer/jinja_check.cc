// The compile-time check of filter and test names. jinja2 (compiler.py,
// _filter_test_common) fails compilation on an unknown filter or test
// unless it sits in a "soft" frame: the test and branches of an if
// statement, or any part of a conditional expression. Scopes that a for
// loop, macro, set block, filter block or with block opens inside an if are
// not soft again. We apply the same rule, so a template compiles here
// exactly when it compiles there, and an unsupported name in a soft place is
// an error, with its line and column, when it is evaluated.
#include "src/tokenizer/jinja_ast.h"

namespace lithium::tokenizer::jinja {
namespace {

Status CheckExpr(const Expr* e, bool soft);

Status CheckBody(const Body& body, bool soft);

Status CheckExpr(const Expr* e, bool soft) {
  if (e == nullptr) return Status::Ok();
  if (e->kind == ExprKind::kCond) soft = true;
  if (!soft && e->kind == ExprKind::kFilter && !IsKnownFilter(e->name)) {
    return ErrorAt(e->loc, "unsupported filter '" + e->name + "'");
  }
  if (!soft && e->kind == ExprKind::kTest && !IsKnownTest(e->name)) {
    return ErrorAt(e->loc, "unsupported test '" + e->name + "'");
  }
  for (const auto& a : e->args) LI_RETURN_IF_ERROR(CheckExpr(a.get(), soft));
  for (const auto& kw : e->kwargs) LI_RETURN_IF_ERROR(CheckExpr(kw.second.get(), soft));
  return Status::Ok();
}

Status CheckStmt(const Stmt& s, bool soft) {
  switch (s.kind) {
    case StmtKind::kIf:
      for (const auto& [cond, body] : s.branches) {
        LI_RETURN_IF_ERROR(CheckExpr(cond.get(), true));
        LI_RETURN_IF_ERROR(CheckBody(body, true));
      }
      return CheckBody(s.else_body, true);
    case StmtKind::kFor:
      LI_RETURN_IF_ERROR(CheckExpr(s.expr.get(), soft));
      LI_RETURN_IF_ERROR(CheckExpr(s.cond.get(), false));
      LI_RETURN_IF_ERROR(CheckBody(s.body, false));
      return CheckBody(s.else_body, false);
    case StmtKind::kMacro:
      for (const auto& p : s.params) LI_RETURN_IF_ERROR(CheckExpr(p.second.get(), false));
      return CheckBody(s.body, false);
    case StmtKind::kWith:
      for (const auto& p : s.params) LI_RETURN_IF_ERROR(CheckExpr(p.second.get(), soft));
      return CheckBody(s.body, false);
    case StmtKind::kSetBlock:
    case StmtKind::kFilterBlock:
      LI_RETURN_IF_ERROR(CheckExpr(s.filter.get(), false));
      return CheckBody(s.body, false);
    case StmtKind::kGeneration: return CheckBody(s.body, false);
    default: return CheckExpr(s.expr.get(), soft);
  }
}

Status CheckBody(const Body& body, bool soft) {
  for (const auto& s : body) LI_RETURN_IF_ERROR(CheckStmt(*s, soft));
  return Status::Ok();
}

}  // namespace

Status CheckNames(const Program& program) { return CheckBody(program.body, false); }

}  // namespace lithium::tokenizer::jinja
