// The core: GBNF parsing, compilation, and the token matcher checked
// against a brute-force matcher (advance a copy by each token's bytes).
#include <gtest/gtest.h>

#include <random>

#include "src/grammar/compiled_grammar.h"
#include "src/grammar/gbnf.h"
#include "src/grammar/matcher.h"

namespace lithium::grammar {
namespace {

std::shared_ptr<const CompiledGrammar> CompileGbnf(const std::string& text) {
  auto g = ParseGbnf(text);
  EXPECT_TRUE(g.ok()) << g.status().message();
  if (!g.ok()) return nullptr;
  auto c = Compile(*g);
  EXPECT_TRUE(c.ok()) << c.status().message();
  return c.ok() ? *c : nullptr;
}

bool Recognises(const std::shared_ptr<const CompiledGrammar>& g, const std::string& s) {
  auto v = Vocabulary::Create({"x"}, {});
  auto cache = std::make_shared<MaskCache>(g, *v);
  Matcher m(cache);
  return m.AcceptBytes(s) && m.CanEnd();
}

// A vocabulary with every single byte, some multi-byte tokens that span
// grammar symbols, UTF-8 fragments, and an end token.
std::vector<std::string> TestVocab() {
  std::vector<std::string> v;
  for (int b = 0; b < 256; ++b) v.push_back(std::string(1, char(b)));
  for (const char* s : {"{\"", "\":", "\",\"", "\"}", "true", "false", "null", "},{", "[{", "}]", "12", "3.", "e+",
                        "ab", "abc", "\":\"", "\\n", "\\u00", ",\"a\":", "\xc3", "\xc3\xa9", "\xa9\"", "\xe2\x82",
                        "\xe2\x82\xac", "\"\"", "[]", "{}", "  ", " \"", "a\"b", "0.5", "-1", "1e9"}) {
    v.push_back(s);
  }
  v.push_back("");  // a control token: never allowed
  v.push_back("");  // the end token
  return v;
}

void RandomWalks(const std::shared_ptr<const CompiledGrammar>& g, int walks, int max_steps, uint32_t seed) {
  auto bytes = TestVocab();
  const int32_t eos = int32_t(bytes.size()) - 1;
  auto vocab = Vocabulary::Create(bytes, {eos});
  ASSERT_TRUE(vocab.ok());
  auto cache = std::make_shared<MaskCache>(g, *vocab);
  std::mt19937 rng(seed);
  TokenMask mask;
  for (int w = 0; w < walks; ++w) {
    Matcher m(cache);
    for (int step = 0; step < max_steps; ++step) {
      m.ComputeMask(&mask);
      std::vector<int32_t> allowed;
      for (int32_t t = 0; t < (*vocab)->size(); ++t) {
        Matcher copy = m;
        bool ok = copy.Accept(t).ok();
        ASSERT_EQ(ok, MaskTest(mask, t)) << "token " << t << " '" << bytes[size_t(t)] << "' at step " << step;
        if (ok) allowed.push_back(t);
      }
      ASSERT_FALSE(allowed.empty());
      // Prefer ending half the time once possible, so walks finish.
      int32_t pick = allowed[rng() % allowed.size()];
      if (m.CanEnd() && rng() % 4 == 0) pick = eos;
      ASSERT_TRUE(m.Accept(pick).ok());
      if (m.terminated()) break;
    }
  }
}

const char* kJsonGbnf = R"(
root   ::= object
value  ::= object | array | string | number | ("true" | "false" | "null") ws

object ::=
  "{" ws (
            string ":" ws value
    ("," ws string ":" ws value)*
  )? "}" ws

array  ::=
  "[" ws (
            value
    ("," ws value)*
  )? "]" ws

string ::=
  "\"" (
    [^"\\\x7F\x00-\x1F] |
    "\\" (["\\bfnrt] | "u" [0-9a-fA-F]{4}) # escapes
  )* "\"" ws

number ::= ("-"? ([0-9] | [1-9] [0-9]{0,15})) ("." [0-9]+)? ([eE] [-+]? [0-9] [1-9]{0,15})? ws

# Optional space: by convention, applied in this grammar after literal chars when allowed
ws ::= | " " | "\n" [ \t]{0,20}
)";

TEST(Gbnf, ParsesLlamaCppJsonGrammar) {
  auto g = CompileGbnf(kJsonGbnf);
  ASSERT_TRUE(g);
  EXPECT_TRUE(Recognises(g, R"({"a": [1, 2.5, "x\n", {"b": null}], "c": true})"));
  EXPECT_TRUE(Recognises(g, "{}"));
  EXPECT_FALSE(Recognises(g, "{"));
  EXPECT_FALSE(Recognises(g, R"({"a" 1})"));
  EXPECT_FALSE(Recognises(g, "[1]"));
}

TEST(Gbnf, Errors) {
  EXPECT_FALSE(ParseGbnf("root ::= foo").ok());          // undefined
  EXPECT_FALSE(ParseGbnf("a ::= \"x\"").ok());           // no root
  EXPECT_FALSE(ParseGbnf("root ::= \"x").ok());          // unterminated
  EXPECT_FALSE(ParseGbnf("root ::= [b-a]").ok());
  auto lr = ParseGbnf("root ::= root \"x\" | \"y\"");
  ASSERT_TRUE(lr.ok());
  auto c = Compile(*lr);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("left recursion"), std::string::npos) << c.status().message();
  auto empty = ParseGbnf("root ::= a\na ::= \"x\" a");
  ASSERT_TRUE(empty.ok());
  EXPECT_FALSE(Compile(*empty).ok());  // accepts nothing
}

TEST(Gbnf, RepetitionAndClasses) {
  auto g = CompileGbnf("root ::= [a-c]{2,3} \"-\" [^a-z]+ (\"x\" | \"\")");
  ASSERT_TRUE(g);
  EXPECT_TRUE(Recognises(g, "ab-1"));
  EXPECT_TRUE(Recognises(g, "abc-\xc3\xa9x"));
  EXPECT_FALSE(Recognises(g, "a-1"));
  EXPECT_FALSE(Recognises(g, "abcc-1"));
  EXPECT_FALSE(Recognises(g, "ab-q"));
}

TEST(Matcher, MasksEqualBruteForceOnJson) {
  auto g = CompileGbnf(kJsonGbnf);
  ASSERT_TRUE(g);
  RandomWalks(g, 20, 60, 1);
}

TEST(Matcher, MasksEqualBruteForceWithNullableAndRecursion) {
  auto g = CompileGbnf(R"G(
root ::= item* end
item ::= "(" inner ")" | "ab" opt
inner ::= item* | "x"
opt ::= "" | "c"?
end ::= "." | ""
)G");
  ASSERT_TRUE(g);
  RandomWalks(g, 20, 40, 2);
}

TEST(Matcher, EndTokenOnlyWhenComplete) {
  auto g = CompileGbnf("root ::= \"ab\"");
  auto vocab = Vocabulary::Create({"a", "b", "ab", ""}, {3});
  ASSERT_TRUE(vocab.ok());
  auto cache = std::make_shared<MaskCache>(g, *vocab);
  Matcher m(cache);
  TokenMask mask;
  m.ComputeMask(&mask);
  EXPECT_TRUE(MaskTest(mask, 0));
  EXPECT_FALSE(MaskTest(mask, 1));
  EXPECT_TRUE(MaskTest(mask, 2));
  EXPECT_FALSE(MaskTest(mask, 3));
  EXPECT_FALSE(m.Accept(3).ok());
  ASSERT_TRUE(m.Accept(2).ok());
  m.ComputeMask(&mask);
  EXPECT_EQ(MaskCount(mask), 1);
  EXPECT_TRUE(MaskTest(mask, 3));
  EXPECT_TRUE(m.MustEnd());
  ASSERT_TRUE(m.Accept(3).ok());
  EXPECT_TRUE(m.terminated());
}

}  // namespace
}  // namespace lithium::grammar
