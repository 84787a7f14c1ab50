// The CEL front end: parsing, type checking, and exact evaluation of single
// expressions with real Z3.
#include "gtest/gtest.h"
#include "src/verify/cel_ast.h"
#include "src/verify/cel_z3.h"

namespace lithium::verify::cel {
namespace {

TypeRef Schema(const char* json) {
  auto t = TypeFromSchema(nlohmann::json::parse(json));
  EXPECT_TRUE(t.ok()) << t.status().message();
  return t.ok() ? *t : nullptr;
}

const char* kOutputSchema = R"({
  "type": "object",
  "required": ["amount", "items", "name"],
  "properties": {
    "amount": {"type": "number"},
    "price": {"type": "string", "format": "decimal"},
    "count": {"type": "integer"},
    "name": {"type": "string"},
    "flag": {"type": "boolean"},
    "maybe": {"type": ["integer", "null"]},
    "anything": {},
    "items": {"type": "array", "items": {"type": "object", "required": ["v"], "properties": {"v": {"type": "integer"}}}},
    "words": {"type": "array", "items": {"type": "string"}}
  }
})";

// Parses and checks; returns the error ("" when fine) as "pos: message".
std::string CheckError(const std::string& expr) {
  Error err;
  ExprPtr e = Parse(expr, &err);
  if (!e) return std::to_string(err.pos) + ": " + err.message;
  CheckEnv env{nullptr, Schema(kOutputSchema)};
  if (!Check(e.get(), env, &err)) return std::to_string(err.pos) + ": " + err.message;
  return "";
}

TEST(CelParse, PrecedenceAndErrors) {
  Error err;
  ExprPtr e = Parse("a || b && c == 1 + 2 * 3", &err);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->text, "||");
  EXPECT_EQ(e->args[1]->text, "&&");
  EXPECT_EQ(e->args[1]->args[1]->text, "==");
  EXPECT_EQ(e->args[1]->args[1]->args[1]->text, "+");
  EXPECT_EQ(e->args[1]->args[1]->args[1]->args[1]->text, "*");
  e = Parse("x ? 1 : y ? 2 : 3", &err);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind, Expr::Kind::kTernary);
  EXPECT_EQ(e->args[2]->kind, Expr::Kind::kTernary);

  struct Bad { const char* text; uint32_t pos; const char* contains; };
  for (const Bad& b : std::vector<Bad>{{"output.a >", 10, "end"},
                                       {"output.a = 1", 9, "'=='"},
                                       {"(a", 2, "')'"},
                                       {"a & b", 2, "'&&'"},
                                       {"'abc", 0, "unterminated"},
                                       {"{1: 2}", 0, "map literals"},
                                       {"1u", 0, "unsigned"},
                                       {"a.b.", 4, "field or method"},
                                       {"a $ b", 2, "unexpected character"}}) {
    ExprPtr r = Parse(b.text, &err);
    EXPECT_FALSE(r) << b.text;
    EXPECT_EQ(err.pos, b.pos) << b.text << ": " << err.message;
    EXPECT_NE(err.message.find(b.contains), std::string::npos) << b.text << ": " << err.message;
  }
}

TEST(CelCheck, AcceptsTheSubset) {
  for (const char* ok : {"output.amount > 0",
                         "output.amount + 0.1 == 0.3 && output.count % 2 == 0",
                         "output.price == output.amount",
                         "decimal('1.5') < output.price",
                         "output.name in ['a', 'b'] || output.name.startsWith('x')",
                         "size(output.name) <= 10 && output.words.size() < 3",
                         "output.items.all(i, i.v > 0) && output.items.exists(i, i.v == 1)",
                         "output.items.exists_one(i, i.v == 2)",
                         "output.items.map(i, i.v).sum() == 10",
                         "sum(output.items.filter(i, i.v > 0).map(i, i.v)) >= 0",
                         "output.items[0].v == 1 && output.words[1] != 'z'",
                         "has(output.flag) ? output.flag : true",
                         "output.maybe == null || output.maybe > 3",
                         "output.anything == null || has(output.anything)",
                         "output['name'] == 'x'",
                         "-output.count < 5 && !output.flag",
                         "[1, 2.5].sum() == 3.5"}) {
    EXPECT_EQ(CheckError(ok), "") << ok;
  }
}

TEST(CelCheck, RejectsWithPositions) {
  struct Bad { const char* text; const char* error; };
  for (const Bad& b : std::vector<Bad>{
           {"output.name > 5", "12: cannot order string and int"},
           {"output.name == 5", "12: cannot compare string with int"},
           {"output.amout > 0", "7: output has no field 'amout' in the schema"},
           {"foo(output.amount)", "0: unknown function 'foo'"},
           {"output.amount", "7: a rule must be a boolean expression; this one is number"},
           {"output.items.v > 0", "13: output.items is a list"},
           {"output.items.sum() > 0", "7: sum() adds a list of numbers"},
           {"input.x > 0", "0: the rule reads input but the policy has no input_schema"},
           {"output.anything > 1", "7: output.anything has no single type"},
           {"output.flag && 1", "15: '&&' needs bools, not int"},
           {"output.name.size(1) > 0", "12: size() takes 0 arguments, not 1"},
           {"output.items.all(output, true)", "17: 'output' cannot be a macro variable"},
           {"has(output)", "4: has() takes a field selection"},
           {"1 % 2.0 == 1", "2: '%' needs ints"},
           {"x > 1", "0: unknown identifier 'x'"},
           {"output.flag ? 1 : 'a'", "12: the branches of '?:' have different types"},
       }) {
    const std::string got = CheckError(b.text);
    EXPECT_EQ(got.substr(0, std::string(b.error).size()), b.error) << b.text << " -> " << got;
  }
}

// Evaluates a rule on a concrete output with Z3: 1 holds, 0 fails, -1 error.
int Eval(const std::string& expr, const std::string& output_json) {
  Error err;
  ExprPtr e = Parse(expr, &err);
  EXPECT_TRUE(e) << err.message;
  if (!e) return -2;
  CheckEnv env{nullptr, Schema(kOutputSchema)};
  const bool checked = Check(e.get(), env, &err);
  EXPECT_TRUE(checked) << expr << ": " << err.message;
  if (!checked) return -2;
  auto doc = ParseJson(output_json);
  EXPECT_TRUE(doc.ok());
  z3::context ctx;
  Compiler c(ctx, nullptr, &*doc);
  return Decide(ctx, c.Compile(*e));
}

TEST(CelEval, ExactArithmeticAndCelSemantics) {
  const std::string base = R"({"amount": 0.3, "price": "0.30", "count": -7, "name": "héllo", "items": [{"v": 1}, {"v": 2}], "words": []})";
  EXPECT_EQ(Eval("0.1 + 0.2 == output.amount", base), 1);
  EXPECT_EQ(Eval("output.price == output.amount", base), 1);
  EXPECT_EQ(Eval("output.amount * 3 == 0.9", base), 1);
  EXPECT_EQ(Eval("output.amount / 3 == 0.1", base), 1);
  EXPECT_EQ(Eval("output.count / 2 == -3 && output.count % 2 == -1", base), 1);  // truncation, like C
  EXPECT_EQ(Eval("output.count / 0 == 1", base), -1);                          // division by zero
  EXPECT_EQ(Eval("size(output.name) == 5", base), 1);                          // code points, not bytes
  EXPECT_EQ(Eval("output.name == 'h\\u00e9llo'", base), 1);
  EXPECT_EQ(Eval("output.items.map(i, i.v).sum() == 3", base), 1);
  EXPECT_EQ(Eval("output.items[2].v == 1", base), -1);                         // out of range
  EXPECT_EQ(Eval("output.flag || true", base), 1);                            // error || true
  EXPECT_EQ(Eval("output.flag && false", base), 0);                           // error && false
  EXPECT_EQ(Eval("output.flag", base), -1);                                   // missing field
  EXPECT_EQ(Eval("has(output.flag)", base), 0);
  EXPECT_EQ(Eval("output.words.all(w, w == 'x')", base), 1);                  // empty list
  EXPECT_EQ(Eval("output.words.exists(w, true)", base), 0);
  EXPECT_EQ(Eval("output.items.exists_one(i, i.v > 0)", base), 0);
  EXPECT_EQ(Eval("output.items.filter(i, i.v > 1).size() == 1", base), 1);
  EXPECT_EQ(Eval("output.maybe == null", R"({"maybe": null})"), 1);
  EXPECT_EQ(Eval("output.maybe + 1 > 0", R"({"maybe": null})"), -1);
  EXPECT_EQ(Eval("output.amount > 0", R"({"amount": "12"})"), -1);            // wrong JSON type
  EXPECT_EQ(Eval("'a' < 'b' && 'ab' > 'a'", base), 1);
  EXPECT_EQ(Eval("decimal('0.30') == output.amount", base), 1);
  EXPECT_EQ(Eval("decimal(output.name) == 1", base), -1);  // not a decimal
  EXPECT_EQ(Eval("1 in [1.0, 2]", base), 1);
}

}  // namespace
}  // namespace lithium::verify::cel
