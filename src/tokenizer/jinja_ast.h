// Tokens and syntax tree of the Jinja subset that chat templates use. The
// lexer (jinja_lexer.cc) applies jinja2's whitespace rules as Hugging Face
// configures them (trim_blocks, lstrip_blocks, "-" and "+" markers); the
// parser (jinja_parser.cc) follows jinja2's grammar and precedence; the
// evaluator (jinja_eval.cc) walks the tree.
//
// Every token and node carries its line and column, so that errors, both
// syntax errors and constructs we do not support, point at the source.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "src/base/status.h"
#include "src/tokenizer/jinja_value.h"

namespace lithium::tokenizer::jinja {

struct Loc {
  int line = 1;
  int col = 1;
};

// "line 3, column 7: message", the form of every template error.
Status ErrorAt(Loc loc, const std::string& message);

enum class TokKind : uint8_t {
  kText,        // template data between tags, whitespace control applied
  kVarBegin,    // {{
  kVarEnd,      // }}
  kBlockBegin,  // {%
  kBlockEnd,    // %}
  kName,
  kString,      // text holds the unescaped value
  kInt,
  kFloat,
  kOp,          // text holds the operator: "+", "//", "(", ...
  kEof,
};

struct Token {
  TokKind kind = TokKind::kEof;
  std::string text;
  int64_t i = 0;
  double f = 0;
  Loc loc;
};

Result<std::vector<Token>> Lex(std::string_view source);

enum class ExprKind : uint8_t {
  kLiteral,  // literal
  kName,     // name
  kList,     // args: items
  kTuple,    // args: items
  kDict,     // args: key, value, key, value, ...
  kGetAttr,  // args[0].name
  kGetItem,  // args[0][args[1]]
  kSlice,    // args[0][args[1]:args[2]:args[3]], absent parts null
  kCall,     // args[0](args[1...], kwargs)
  kFilter,   // args[0] | name(args[1...], kwargs); args[0] null in filter blocks
  kTest,     // args[0] is [not] name(args[1...])
  kNot,      // not args[0]
  kNeg,      // -args[0]
  kPos,      // +args[0]
  kBinary,   // args[0] name args[1] for + - * / // % **
  kConcat,   // args[0] ~ args[1] ~ ...
  kAnd,      // args[0] and args[1]
  kOr,       // args[0] or args[1]
  kCompare,  // args[0] ops[0] args[1] ops[1] args[2] ...
  kCond,     // args[0] if args[1] else args[2] (args[2] may be null)
};

struct Expr {
  ExprKind kind = ExprKind::kLiteral;
  Loc loc;
  std::string name;
  Value literal;
  std::vector<std::unique_ptr<Expr>> args;
  std::vector<std::pair<std::string, std::unique_ptr<Expr>>> kwargs;
  std::vector<std::string> ops;  // kCompare: "==", "!=", "<", "<=", ">", ">=", "in", "notin"
  bool negated = false;          // kTest
};
using ExprPtr = std::unique_ptr<Expr>;

enum class StmtKind : uint8_t {
  kText,         // text
  kOutput,       // {{ expr }}
  kIf,           // branches (cond, body), else_body
  kFor,          // for targets in expr [if cond]: body, else_body
  kSet,          // set targets = expr; or set targets[0].attr = expr
  kSetBlock,     // set targets[0] [| filter]: body
  kMacro,        // macro targets[0](params): body
  kBreak,
  kContinue,
  kWith,         // with params: body
  kFilterBlock,  // filter filter: body
  kGeneration,   // Hugging Face's {% generation %}: renders its body
};

struct Stmt;
using Body = std::vector<std::unique_ptr<Stmt>>;

struct Stmt {
  StmtKind kind = StmtKind::kText;
  Loc loc;
  std::string text;
  ExprPtr expr;
  std::vector<std::string> targets;
  bool unpack = false;  // the targets were a tuple: "for k, v in" or "set a, b ="
  std::string attr;     // set ns.attr = ...
  ExprPtr cond;
  ExprPtr filter;       // kSetBlock, kFilterBlock: a kFilter chain whose innermost operand is null
  std::vector<std::pair<ExprPtr, Body>> branches;
  Body body, else_body;
  std::vector<std::pair<std::string, ExprPtr>> params;  // macro parameters (default or null), with targets
};

struct Program {
  Body body;
};

// The filters and tests the evaluator provides.
bool IsKnownFilter(std::string_view name);
bool IsKnownTest(std::string_view name);

// Rejects filters and tests we do not provide, with their line and column,
// before anything renders. As in jinja2, a name inside an if statement or a
// conditional expression is only an error when that code runs, so a
// template whose unsupported filter sits in a branch never taken still
// renders (jinja_check.cc).
Status CheckNames(const Program& program);

Result<std::unique_ptr<Program>> Parse(std::string_view source);

}  // namespace lithium::tokenizer::jinja
