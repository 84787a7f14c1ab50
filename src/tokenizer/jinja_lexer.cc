// Splits a template into text and tag tokens. The whitespace rules are
// jinja2's lexer's, configured as Hugging Face's apply_chat_template does
// (trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=False), since
// most of a chat template's output bytes are decided here:
//  - "\r\n" and "\r" become "\n", and one trailing newline is dropped;
//  - "{%-", "{{-", "{#-" strip all whitespace before the tag, "-%}", "-}}",
//    "-#}" all whitespace after it;
//  - trim_blocks drops the first newline after "%}" and "#}" (not "}}");
//  - lstrip_blocks drops spaces and tabs between the start of a line and a
//    "{%" or "{#" (not "{{"), unless the tag starts with "{%+".
#include <string>
#include <string_view>
#include <vector>

#include "src/tokenizer/jinja_ast.h"

namespace lithium::tokenizer::jinja {

Status ErrorAt(Loc loc, const std::string& message) {
  return Status::Invalid("chat template: line " + std::to_string(loc.line) + ", column " +
                         std::to_string(loc.col) + ": " + message);
}

namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsNameStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsNameChar(char c) { return IsNameStart(c) || IsDigit(c); }
int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

class Lexer {
 public:
  explicit Lexer(std::string_view source) {
    // Newline normalisation, exactly as jinja2 does it before lexing.
    src_.reserve(source.size());
    for (size_t k = 0; k < source.size(); ++k) {
      if (source[k] == '\r') {
        src_.push_back('\n');
        if (k + 1 < source.size() && source[k + 1] == '\n') ++k;
      } else {
        src_.push_back(source[k]);
      }
    }
    if (!src_.empty() && src_.back() == '\n') src_.pop_back();
    line_starts_.push_back(0);
    for (size_t k = 0; k < src_.size(); ++k) {
      if (src_[k] == '\n') line_starts_.push_back(k + 1);
    }
  }

  Result<std::vector<Token>> Run();

 private:
  Loc LocAt(size_t pos) const {
    size_t lo = 0, hi = line_starts_.size();
    while (hi - lo > 1) {
      const size_t mid = (lo + hi) / 2;
      if (line_starts_[mid] <= pos) lo = mid; else hi = mid;
    }
    return Loc{static_cast<int>(lo + 1), static_cast<int>(pos - line_starts_[lo] + 1)};
  }
  bool At(size_t pos, std::string_view s) const { return src_.compare(pos, s.size(), s) == 0; }
  // Python's \s, code point aware. Returns the byte length of the
  // whitespace character at pos, or 0.
  size_t WhitespaceAt(size_t pos) const {
    size_t p = pos;
    const uint32_t cp = DecodeCodePoint(src_, &p);
    return IsPyWhitespace(cp) ? p - pos : 0;
  }
  size_t SkipWhitespace(size_t pos) const {
    while (pos < src_.size()) {
      const size_t n = WhitespaceAt(pos);
      if (n == 0) break;
      pos += n;
    }
    return pos;
  }
  void EmitText(std::string text, size_t pos) {
    if (text.empty()) return;
    Token t;
    t.kind = TokKind::kText;
    t.text = std::move(text);
    t.loc = LocAt(pos);
    out_.push_back(std::move(t));
  }
  void Emit(TokKind kind, std::string text, size_t pos) {
    Token t;
    t.kind = kind;
    t.text = std::move(text);
    t.loc = LocAt(pos);
    out_.push_back(std::move(t));
  }
  // Whitespace control for the text before a tag whose sign is '-', '+' or
  // 0; lstrip applies to blocks and comments only.
  std::string StripBefore(std::string text, char sign, bool lstrip) const;
  Status LexTag(size_t start, char type);
  Status LexNumber(size_t* pos);
  Status LexString(size_t* pos);
  // Scans (\d+_)*\d+ and returns its end, or npos.
  size_t ScanDigits(size_t pos) const;

  std::string src_;
  std::vector<size_t> line_starts_;
  std::vector<Token> out_;
  size_t pos_ = 0;
  bool line_starting_ = true;  // the previous match ended with a newline
};

std::string Lexer::StripBefore(std::string text, char sign, bool lstrip) const {
  if (sign == '-') {
    // Python's rstrip(): drop trailing whitespace code points.
    size_t keep = 0, p = 0;
    while (p < text.size()) {
      if (!IsPyWhitespace(DecodeCodePoint(text, &p))) keep = p;
    }
    text.resize(keep);
    return text;
  }
  if (sign == '+' || !lstrip) return text;
  const size_t nl = text.rfind('\n');
  const size_t l = nl == std::string::npos ? 0 : nl + 1;
  if ((l > 0 || line_starting_) && l < text.size()) {
    size_t p = l;
    bool all_space = true;
    while (p < text.size()) {
      if (!IsPyWhitespace(DecodeCodePoint(text, &p))) {
        all_space = false;
        break;
      }
    }
    if (all_space) text.resize(l);
  }
  return text;
}

Result<std::vector<Token>> Lexer::Run() {
  const size_t n = src_.size();
  while (pos_ < n) {
    size_t start = pos_;
    char type = 0;
    while (true) {
      start = src_.find('{', start);
      if (start == std::string::npos || start + 1 >= n) break;
      const char c = src_[start + 1];
      if (c == '{' || c == '%' || c == '#') {
        type = c;
        break;
      }
      ++start;
    }
    if (type == 0) {
      EmitText(src_.substr(pos_), pos_);
      break;
    }
    const size_t text_pos = pos_;
    std::string text = src_.substr(pos_, start - pos_);
    char sign = 0;
    if (start + 2 < n && (src_[start + 2] == '-' || src_[start + 2] == '+')) sign = src_[start + 2];
    const size_t after_open = start + 2 + (sign ? 1 : 0);

    // {% raw %} ... {% endraw %}: the content is text, untouched.
    if (type == '%') {
      size_t p = SkipWhitespace(after_open);
      if (At(p, "raw")) {
        p = SkipWhitespace(p + 3);
        size_t end = std::string::npos;
        if (At(p, "-%}")) end = SkipWhitespace(p + 3);
        else if (At(p, "%}")) end = p + 2;
        if (end != std::string::npos) {
          EmitText(StripBefore(std::move(text), sign, true), text_pos);
          line_starting_ = src_[end - 1] == '\n';
          // Find {%[-+]? endraw %} and apply the same rules to the content.
          size_t q = end;
          while (true) {
            q = src_.find("{%", q);
            if (q == std::string::npos) return ErrorAt(LocAt(start), "unterminated raw block: missing {% endraw %}");
            char s2 = (q + 2 < n && (src_[q + 2] == '-' || src_[q + 2] == '+')) ? src_[q + 2] : 0;
            size_t r = SkipWhitespace(q + 2 + (s2 ? 1 : 0));
            if (!At(r, "endraw")) {
              q += 2;
              continue;
            }
            r = SkipWhitespace(r + 6);
            size_t tag_end;
            if (At(r, "+%}")) tag_end = r + 3;
            else if (At(r, "-%}")) tag_end = SkipWhitespace(r + 3);
            else if (At(r, "%}")) tag_end = r + 2 + ((r + 2 < n && src_[r + 2] == '\n') ? 1 : 0);
            else return ErrorAt(LocAt(r), "expected '%}' after endraw");
            EmitText(StripBefore(src_.substr(end, q - end), s2, true), end);
            line_starting_ = src_[tag_end - 1] == '\n';
            pos_ = tag_end;
            break;
          }
          continue;
        }
      }
    }

    EmitText(StripBefore(std::move(text), sign, type != '{'), text_pos);
    if (type == '#') {
      size_t k = src_.find("#}", after_open);
      if (k == std::string::npos) return ErrorAt(LocAt(start), "unterminated comment: missing '#}'");
      size_t end;
      if (k > after_open && src_[k - 1] == '-') end = SkipWhitespace(k + 2);
      else if (k > after_open && src_[k - 1] == '+') end = k + 2;
      else end = k + 2 + ((k + 2 < n && src_[k + 2] == '\n') ? 1 : 0);
      line_starting_ = src_[end - 1] == '\n';
      pos_ = end;
      continue;
    }
    pos_ = after_open;
    LI_RETURN_IF_ERROR(LexTag(start, type));
  }
  Token eof;
  eof.kind = TokKind::kEof;
  eof.loc = LocAt(src_.size());
  out_.push_back(std::move(eof));
  return std::move(out_);
}

// Tokens of one {{ ... }} or {% ... %} tag, from pos_ (just past the opener)
// through the closer. As in jinja2, a closer only counts when brackets are
// balanced, so "{{ {'a': {}}}}" works.
Status Lexer::LexTag(size_t start, char type) {
  const size_t n = src_.size();
  Emit(type == '{' ? TokKind::kVarBegin : TokKind::kBlockBegin, type == '{' ? "{{" : "{%", start);
  std::vector<char> stack;
  while (true) {
    if (pos_ >= n) {
      return ErrorAt(LocAt(start), std::string("unterminated tag: missing '") + (type == '{' ? "}}" : "%}") + "'");
    }
    if (stack.empty()) {
      size_t end = std::string::npos;
      const TokKind kind = type == '{' ? TokKind::kVarEnd : TokKind::kBlockEnd;
      if (type == '%') {
        if (At(pos_, "-%}")) end = SkipWhitespace(pos_ + 3);
        else if (At(pos_, "+%}")) end = pos_ + 3;
        else if (At(pos_, "%}")) end = pos_ + 2 + ((pos_ + 2 < n && src_[pos_ + 2] == '\n') ? 1 : 0);
      } else {
        if (At(pos_, "-}}")) end = SkipWhitespace(pos_ + 3);
        else if (At(pos_, "}}")) end = pos_ + 2;
      }
      if (end != std::string::npos) {
        Emit(kind, type == '{' ? "}}" : "%}", pos_);
        line_starting_ = src_[end - 1] == '\n';
        pos_ = end;
        return Status::Ok();
      }
    }
    if (const size_t ws = WhitespaceAt(pos_); ws > 0) {
      pos_ += ws;
      continue;
    }
    const char c = src_[pos_];
    if (IsDigit(c)) {
      LI_RETURN_IF_ERROR(LexNumber(&pos_));
      continue;
    }
    if (IsNameStart(c)) {
      const size_t s = pos_;
      while (pos_ < n && IsNameChar(src_[pos_])) ++pos_;
      Emit(TokKind::kName, src_.substr(s, pos_ - s), s);
      continue;
    }
    if (c == '\'' || c == '"') {
      LI_RETURN_IF_ERROR(LexString(&pos_));
      continue;
    }
    static const char* kOps2[] = {"//", "**", "==", "!=", ">=", "<="};
    std::string op;
    for (const char* o : kOps2) {
      if (At(pos_, o)) op = o;
    }
    if (op.empty() && std::string_view("+-/*%~[](){}><=.:|,;").find(c) != std::string_view::npos) op = std::string(1, c);
    if (op.empty()) {
      std::string shown = c >= 0x20 && c < 0x7F ? std::string(1, c) : "\\x" + std::to_string(static_cast<unsigned char>(c));
      return ErrorAt(LocAt(pos_), "unexpected character '" + shown + "' in tag");
    }
    if (op == "(" || op == "[" || op == "{") {
      stack.push_back(op[0]);
    } else if (op == ")" || op == "]" || op == "}") {
      const char want = op == ")" ? '(' : op == "]" ? '[' : '{';
      if (stack.empty() || stack.back() != want) return ErrorAt(LocAt(pos_), "unexpected '" + op + "'");
      stack.pop_back();
    }
    Emit(TokKind::kOp, op, pos_);
    pos_ += op.size();
  }
}

size_t Lexer::ScanDigits(size_t pos) const {
  const size_t n = src_.size();
  if (pos >= n || !IsDigit(src_[pos])) return std::string::npos;
  while (true) {
    while (pos < n && IsDigit(src_[pos])) ++pos;
    if (pos + 1 < n && src_[pos] == '_' && IsDigit(src_[pos + 1])) {
      ++pos;
      continue;
    }
    return pos;
  }
}

Status Lexer::LexNumber(size_t* pos) {
  const size_t s = *pos;
  const size_t n = src_.size();
  auto strip = [](std::string t) {
    std::string out;
    for (char c : t) if (c != '_') out += c;
    return out;
  };
  // A float, unless the number follows a '.' ("x.0.1" is two subscripts).
  if (s == 0 || src_[s - 1] != '.') {
    size_t d = ScanDigits(s);
    size_t end = std::string::npos;
    size_t frac_end = std::string::npos;
    if (d < n && src_[d] == '.') frac_end = ScanDigits(d + 1);
    size_t exp_from = frac_end != std::string::npos ? frac_end : d;
    if (exp_from < n && (src_[exp_from] == 'e' || src_[exp_from] == 'E')) {
      size_t q = exp_from + 1;
      if (q < n && (src_[q] == '+' || src_[q] == '-')) ++q;
      end = ScanDigits(q);
    }
    if (end == std::string::npos) end = frac_end;
    if (end != std::string::npos) {
      Token t;
      t.kind = TokKind::kFloat;
      t.text = strip(src_.substr(s, end - s));
      t.f = std::strtod(t.text.c_str(), nullptr);
      t.loc = LocAt(s);
      out_.push_back(std::move(t));
      *pos = end;
      return Status::Ok();
    }
  }
  // Integers: 0b.., 0o.., 0x.., [1-9](_?\d)*, 0(_?0)*; the first form that
  // matches wins, as in jinja2's regular expression.
  int base = 10;
  size_t p = s, digits_from = s;
  if (src_[s] == '0' && s + 1 < n) {
    const char x = src_[s + 1];
    if (x == 'b' || x == 'B') base = 2;
    else if (x == 'o' || x == 'O') base = 8;
    else if (x == 'x' || x == 'X') base = 16;
  }
  if (base != 10) {
    digits_from = p = s + 2;
    size_t last_digit = std::string::npos;
    while (p < n) {
      if (src_[p] == '_' && p + 1 < n && HexValue(src_[p + 1]) >= 0 && HexValue(src_[p + 1]) < base) {
        ++p;
        continue;
      }
      const int v = HexValue(src_[p]);
      if (v < 0 || v >= base) break;
      last_digit = p++;
    }
    if (last_digit == std::string::npos) base = 10, p = s;  // "0x" alone: just the 0
  }
  if (base == 10) {
    digits_from = s;
    if (src_[s] == '0') {
      p = s + 1;
      while (p < n && (src_[p] == '0' || (src_[p] == '_' && p + 1 < n && src_[p + 1] == '0'))) ++p;
    } else {
      p = ScanDigits(s);
    }
  }
  uint64_t v = 0;
  for (size_t k = digits_from; k < p; ++k) {
    if (src_[k] == '_') continue;
    const uint64_t d = static_cast<uint64_t>(HexValue(src_[k]));
    if (v > (static_cast<uint64_t>(INT64_MAX) - d) / static_cast<uint64_t>(base)) {
      return ErrorAt(LocAt(s), "integer literal too large");
    }
    v = v * static_cast<uint64_t>(base) + d;
  }
  Token t;
  t.kind = TokKind::kInt;
  t.text = src_.substr(s, p - s);
  t.i = static_cast<int64_t>(v);
  t.loc = LocAt(s);
  out_.push_back(std::move(t));
  *pos = p;
  return Status::Ok();
}

// A string literal, unescaped as Python's "unicode-escape" codec does (which
// is what jinja2 applies): \n \t \\ \' \xhh \uhhhh \ooo ..., and a backslash
// before any other character stays.
Status Lexer::LexString(size_t* pos) {
  const size_t s = *pos;
  const size_t n = src_.size();
  const char quote = src_[s];
  std::string value;
  size_t p = s + 1;
  while (true) {
    if (p >= n) return ErrorAt(LocAt(s), "unterminated string literal");
    const char c = src_[p];
    if (c == quote) break;
    if (c != '\\') {
      value.push_back(c);
      ++p;
      continue;
    }
    if (p + 1 >= n) return ErrorAt(LocAt(s), "unterminated string literal");
    const char e = src_[p + 1];
    p += 2;
    switch (e) {
      case '\n': break;  // line continuation
      case '\\': value += '\\'; break;
      case '\'': value += '\''; break;
      case '"': value += '"'; break;
      case 'a': value += '\a'; break;
      case 'b': value += '\b'; break;
      case 'f': value += '\f'; break;
      case 'n': value += '\n'; break;
      case 'r': value += '\r'; break;
      case 't': value += '\t'; break;
      case 'v': value += '\v'; break;
      case 'x':
      case 'u':
      case 'U': {
        const int len = e == 'x' ? 2 : e == 'u' ? 4 : 8;
        uint32_t cp = 0;
        for (int k = 0; k < len; ++k) {
          const int h = p + k < n ? HexValue(src_[p + k]) : -1;
          if (h < 0) return ErrorAt(LocAt(p - 2), std::string("truncated \\") + e + " escape in string literal");
          cp = cp * 16 + static_cast<uint32_t>(h);
        }
        if (cp > 0x10FFFF) return ErrorAt(LocAt(p - 2), "escape outside the Unicode range in string literal");
        p += static_cast<size_t>(len);
        AppendUtf8(cp, &value);
        break;
      }
      default:
        if (e >= '0' && e <= '7') {
          uint32_t cp = static_cast<uint32_t>(e - '0');
          for (int k = 0; k < 2 && p < n && src_[p] >= '0' && src_[p] <= '7'; ++k) cp = cp * 8 + static_cast<uint32_t>(src_[p++] - '0');
          AppendUtf8(cp, &value);
        } else {
          value += '\\';
          value += e;
        }
    }
  }
  Token t;
  t.kind = TokKind::kString;
  t.text = std::move(value);
  t.loc = LocAt(s);
  out_.push_back(std::move(t));
  *pos = p + 1;
  return Status::Ok();
}

}  // namespace

Result<std::vector<Token>> Lex(std::string_view source) {
  Lexer lexer(source);
  return lexer.Run();
}

}  // namespace lithium::tokenizer::jinja
