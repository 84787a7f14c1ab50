// Lexer and recursive-descent parser for the CEL subset. The grammar follows
// the CEL language definition (github.com/google/cel-spec, langdef.md):
//
//   Expr    = Or ["?" Or ":" Expr]
//   Or      = And {"||" And}
//   And     = Rel {"&&" Rel}
//   Rel     = Add {("<"|"<="|">="|">"|"=="|"!="|"in") Add}
//   Add     = Mul {("+"|"-") Mul}
//   Mul     = Unary {("*"|"/"|"%") Unary}
//   Unary   = Member | "!" {"!"} Member | "-" {"-"} Member
//   Member  = Primary {"." IDENT ["(" [Args] ")"] | "[" Expr "]"}
//   Primary = IDENT ["(" [Args] ")"] | "(" Expr ")" | "[" [Args] [","] "]" | literal
//
// Map literals, bytes, unsigned and raw strings are not in the subset and
// are reported as such rather than as a confusing syntax error.
#include <cstring>

#include "src/base/utf8.h"
#include "src/verify/cel_ast.h"

namespace lithium::verify::cel {
namespace {

enum class Tok : uint8_t { kEnd, kIdent, kInt, kNumber, kString, kOp };

struct Token {
  Tok kind = Tok::kEnd;
  uint32_t pos = 0;
  std::string text;  // identifier, operator, number text or decoded string
};

// Nesting beyond this is refused: a policy is configuration, but a parser
// must not overflow its stack on any input.
constexpr int kMaxDepth = 200;

class Parser {
 public:
  Parser(const std::string& src, Error* err) : s_(src), err_(err) {}

  ExprPtr ParseAll() {
    if (!Next()) return nullptr;
    ExprPtr e = ParseExpr(0);
    if (!e) return nullptr;
    if (tok_.kind != Tok::kEnd) return Fail(tok_.pos, "unexpected '" + tok_.text + "' after the expression");
    return e;
  }

 private:
  ExprPtr Fail(uint32_t pos, std::string message) {
    if (!failed_) {
      failed_ = true;
      err_->pos = pos;
      err_->message = std::move(message);
    }
    return nullptr;
  }
  bool FailLex(uint32_t pos, std::string message) {
    Fail(pos, std::move(message));
    return false;
  }

  static bool IsIdentStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
  static bool IsDigit(char c) { return c >= '0' && c <= '9'; }

  // Reads the next token into tok_.
  bool Next() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
    // CEL comments run from // to the end of the line.
    if (s_.compare(i_, 2, "//") == 0) {
      while (i_ < s_.size() && s_[i_] != '\n') ++i_;
      return Next();
    }
    tok_ = Token{};
    tok_.pos = uint32_t(i_);
    if (i_ >= s_.size()) return true;
    const char c = s_[i_];
    if (IsIdentStart(c)) {
      size_t j = i_;
      while (j < s_.size() && (IsIdentStart(s_[j]) || IsDigit(s_[j]))) ++j;
      tok_.text = s_.substr(i_, j - i_);
      if (j < s_.size() && (s_[j] == '"' || s_[j] == '\'') && (tok_.text == "r" || tok_.text == "R" || tok_.text == "b" || tok_.text == "B")) {
        return FailLex(tok_.pos, "raw and bytes strings are not supported");
      }
      tok_.kind = Tok::kIdent;
      i_ = j;
      return true;
    }
    if (IsDigit(c) || (c == '.' && i_ + 1 < s_.size() && IsDigit(s_[i_ + 1]))) return LexNumber();
    if (c == '"' || c == '\'') return LexString();
    static const char* const kOps[] = {"&&", "||", "==", "!=", "<=", ">=", "<", ">", "!", "+", "-", "*", "/", "%",
                                       "?", ":", ".", ",", "(", ")", "[", "]", "{", "}"};
    for (const char* op : kOps) {
      const size_t n = std::strlen(op);
      if (s_.compare(i_, n, op) == 0) {
        tok_.kind = Tok::kOp;
        tok_.text = op;
        i_ += n;
        return true;
      }
    }
    if (c == '=' ) return FailLex(tok_.pos, "'=' is not an operator (use '==')");
    if (c == '&' || c == '|') return FailLex(tok_.pos, std::string("'") + c + "' is not an operator (use '" + c + c + "')");
    return FailLex(tok_.pos, std::string("unexpected character '") + c + "'");
  }

  bool LexNumber() {
    size_t j = i_;
    bool is_float = false;
    if (s_.compare(i_, 2, "0x") == 0 || s_.compare(i_, 2, "0X") == 0) {
      return FailLex(tok_.pos, "hexadecimal literals are not supported");
    }
    while (j < s_.size() && IsDigit(s_[j])) ++j;
    if (j < s_.size() && s_[j] == '.' && j + 1 < s_.size() && IsDigit(s_[j + 1])) {
      is_float = true;
      ++j;
      while (j < s_.size() && IsDigit(s_[j])) ++j;
    }
    if (j < s_.size() && (s_[j] == 'e' || s_[j] == 'E')) {
      size_t k = j + 1;
      if (k < s_.size() && (s_[k] == '+' || s_[k] == '-')) ++k;
      if (k < s_.size() && IsDigit(s_[k])) {
        is_float = true;
        j = k;
        while (j < s_.size() && IsDigit(s_[j])) ++j;
      }
    }
    if (j < s_.size() && (s_[j] == 'u' || s_[j] == 'U')) return FailLex(tok_.pos, "unsigned literals are not supported");
    if (j < s_.size() && (IsIdentStart(s_[j]) || IsDigit(s_[j]))) return FailLex(uint32_t(j), "malformed number");
    std::string text = s_.substr(i_, j - i_);
    if (text[0] == '.') text = "0" + text;  // CEL allows .5
    tok_.kind = is_float ? Tok::kNumber : Tok::kInt;
    tok_.text = text;
    i_ = j;
    return true;
  }

  bool LexString() {
    const char quote = s_[i_];
    if (s_.compare(i_, 3, std::string(3, quote)) == 0) return FailLex(tok_.pos, "triple-quoted strings are not supported");
    size_t j = i_ + 1;
    std::string out;
    while (true) {
      if (j >= s_.size() || s_[j] == '\n') return FailLex(tok_.pos, "unterminated string");
      const char c = s_[j];
      if (c == quote) break;
      if (c != '\\') {
        out.push_back(c);
        ++j;
        continue;
      }
      if (j + 1 >= s_.size()) return FailLex(uint32_t(j), "unterminated string");
      const char e = s_[j + 1];
      j += 2;
      switch (e) {
        case 'n': out.push_back('\n'); break;
        case 't': out.push_back('\t'); break;
        case 'r': out.push_back('\r'); break;
        case '\\': out.push_back('\\'); break;
        case '"': out.push_back('"'); break;
        case '\'': out.push_back('\''); break;
        case '`': out.push_back('`'); break;
        case '?': out.push_back('?'); break;
        case 'u':
        case 'U': {
          const size_t n = e == 'u' ? 4 : 8;
          uint32_t cp = 0;
          for (size_t k = 0; k < n; ++k) {
            if (j + k >= s_.size()) return FailLex(uint32_t(j - 2), "truncated \\u escape");
            const char h = s_[j + k];
            cp <<= 4;
            if (IsDigit(h)) cp |= uint32_t(h - '0');
            else if (h >= 'a' && h <= 'f') cp |= uint32_t(h - 'a' + 10);
            else if (h >= 'A' && h <= 'F') cp |= uint32_t(h - 'A' + 10);
            else return FailLex(uint32_t(j + k), "bad hex digit in escape");
          }
          if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return FailLex(uint32_t(j - 2), "escape is not a Unicode scalar value");
          AppendUtf8(cp, &out);
          j += n;
          break;
        }
        default: return FailLex(uint32_t(j - 2), std::string("unknown escape '\\") + e + "'");
      }
    }
    tok_.kind = Tok::kString;
    tok_.text = std::move(out);
    i_ = j + 1;
    return true;
  }

  bool IsOp(const char* op) const { return tok_.kind == Tok::kOp && tok_.text == op; }
  bool Expect(const char* op) {
    if (!IsOp(op)) {
      Fail(tok_.pos, tok_.kind == Tok::kEnd ? std::string("expected '") + op + "' before the end"
                                            : std::string("expected '") + op + "', found '" + tok_.text + "'");
      return false;
    }
    return Next();
  }

  static ExprPtr Node(Expr::Kind kind, uint32_t pos, std::string text = "") {
    auto e = std::make_unique<Expr>();
    e->kind = kind;
    e->pos = pos;
    e->text = std::move(text);
    return e;
  }

  ExprPtr ParseExpr(int depth) {
    if (depth > kMaxDepth) return Fail(tok_.pos, "expression nested too deeply");
    ExprPtr cond = ParseBinary(0, depth);
    if (!cond || !IsOp("?")) return cond;
    ExprPtr t = Node(Expr::Kind::kTernary, tok_.pos, "?:");
    if (!Next()) return nullptr;
    ExprPtr a = ParseBinary(0, depth);
    if (!a || !Expect(":")) return nullptr;
    ExprPtr b = ParseExpr(depth + 1);
    if (!b) return nullptr;
    t->args.push_back(std::move(cond));
    t->args.push_back(std::move(a));
    t->args.push_back(std::move(b));
    return t;
  }

  // Precedence levels, loosest first; all are left-associative.
  static int Level(const Token& t) {
    if (t.kind == Tok::kIdent && t.text == "in") return 2;
    if (t.kind != Tok::kOp) return -1;
    const std::string& o = t.text;
    if (o == "||") return 0;
    if (o == "&&") return 1;
    if (o == "==" || o == "!=" || o == "<" || o == "<=" || o == ">" || o == ">=") return 2;
    if (o == "+" || o == "-") return 3;
    if (o == "*" || o == "/" || o == "%") return 4;
    return -1;
  }

  ExprPtr ParseBinary(int level, int depth) {
    if (level > 4) return ParseUnary(depth);
    ExprPtr lhs = ParseBinary(level + 1, depth);
    while (lhs && Level(tok_) == level) {
      ExprPtr op = Node(Expr::Kind::kBinary, tok_.pos, tok_.text);
      if (!Next()) return nullptr;
      ExprPtr rhs = ParseBinary(level + 1, depth);
      if (!rhs) return nullptr;
      op->args.push_back(std::move(lhs));
      op->args.push_back(std::move(rhs));
      lhs = std::move(op);
    }
    return lhs;
  }

  ExprPtr ParseUnary(int depth) {
    if (IsOp("!") || IsOp("-")) {
      ExprPtr op = Node(Expr::Kind::kUnary, tok_.pos, tok_.text);
      if (!Next()) return nullptr;
      // Fold a minus into a number literal so -9223372036854775808 and -0.5
      // are literals, as in CEL.
      if (op->text == "-" && (tok_.kind == Tok::kInt || tok_.kind == Tok::kNumber)) {
        tok_.text = "-" + tok_.text;
        tok_.pos = op->pos;
        return ParseMember(depth);
      }
      ExprPtr operand = ParseUnary(depth + 1);
      if (!operand) return nullptr;
      op->args.push_back(std::move(operand));
      return op;
    }
    return ParseMember(depth);
  }

  bool ParseArgs(Expr* call, const char* close, int depth) {
    if (IsOp(close)) return Next();
    while (true) {
      ExprPtr a = ParseExpr(depth + 1);
      if (!a) return false;
      call->args.push_back(std::move(a));
      if (IsOp(",")) {
        if (!Next()) return false;
        if (IsOp(close) && close[0] == ']') return Next();  // trailing comma in a list
        continue;
      }
      return Expect(close);
    }
  }

  ExprPtr ParseMember(int depth) {
    ExprPtr e = ParsePrimary(depth);
    while (e) {
      if (IsOp(".")) {
        if (!Next()) return nullptr;
        if (tok_.kind != Tok::kIdent) return Fail(tok_.pos, "expected a field or method name after '.'");
        Token name = tok_;
        if (!Next()) return nullptr;
        if (IsOp("(")) {
          ExprPtr call = Node(Expr::Kind::kCall, name.pos, name.text);
          call->has_target = true;
          call->args.push_back(std::move(e));
          if (!Next() || !ParseArgs(call.get(), ")", depth)) return nullptr;
          e = std::move(call);
        } else {
          ExprPtr sel = Node(Expr::Kind::kSelect, name.pos, name.text);
          sel->args.push_back(std::move(e));
          e = std::move(sel);
        }
      } else if (IsOp("[")) {
        ExprPtr idx = Node(Expr::Kind::kIndex, tok_.pos, "[]");
        if (!Next()) return nullptr;
        ExprPtr key = ParseExpr(depth + 1);
        if (!key || !Expect("]")) return nullptr;
        idx->args.push_back(std::move(e));
        idx->args.push_back(std::move(key));
        e = std::move(idx);
      } else {
        break;
      }
    }
    return e;
  }

  ExprPtr ParsePrimary(int depth) {
    if (depth > kMaxDepth) return Fail(tok_.pos, "expression nested too deeply");
    const Token t = tok_;
    switch (t.kind) {
      case Tok::kEnd: return Fail(t.pos, "unexpected end of the expression");
      case Tok::kInt:
      case Tok::kNumber:
      case Tok::kString: {
        ExprPtr lit = Node(t.kind == Tok::kInt ? Expr::Kind::kInt : t.kind == Tok::kNumber ? Expr::Kind::kNumber : Expr::Kind::kString,
                           t.pos, t.text);
        if (!Next()) return nullptr;
        return lit;
      }
      case Tok::kIdent: {
        if (!Next()) return nullptr;
        if (t.text == "true" || t.text == "false") {
          ExprPtr lit = Node(Expr::Kind::kBool, t.pos, t.text);
          lit->boolean = t.text == "true";
          return lit;
        }
        if (t.text == "null") return Node(Expr::Kind::kNull, t.pos, t.text);
        if (t.text == "in") return Fail(t.pos, "unexpected 'in'");
        if (IsOp("(")) {
          ExprPtr call = Node(Expr::Kind::kCall, t.pos, t.text);
          if (!Next() || !ParseArgs(call.get(), ")", depth)) return nullptr;
          return call;
        }
        return Node(Expr::Kind::kIdent, t.pos, t.text);
      }
      case Tok::kOp:
        if (t.text == "(") {
          if (!Next()) return nullptr;
          ExprPtr e = ParseExpr(depth + 1);
          if (!e || !Expect(")")) return nullptr;
          return e;
        }
        if (t.text == "[") {
          ExprPtr list = Node(Expr::Kind::kList, t.pos, "[]");
          if (!Next() || !ParseArgs(list.get(), "]", depth)) return nullptr;
          return list;
        }
        if (t.text == "{") return Fail(t.pos, "map literals are not supported");
        if (t.text == ".") return Fail(t.pos, "qualified names (leading '.') are not supported");
        return Fail(t.pos, "unexpected '" + t.text + "'");
    }
    return Fail(t.pos, "unexpected token");
  }

  const std::string& s_;
  Error* err_;
  size_t i_ = 0;
  Token tok_;
  bool failed_ = false;
};

}  // namespace

ExprPtr Parse(const std::string& text, Error* err) {
  Parser p(text, err);
  ExprPtr e = p.ParseAll();
  return e;
}

}  // namespace lithium::verify::cel
