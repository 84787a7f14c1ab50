// Loading policies: errors with line and column, and the Z3 analysis
// (contradictions named by rule id, rules that can never fail).
#include "gtest/gtest.h"
#include "src/verify/policy.h"

namespace lithium::verify {
namespace {

const char* kSchemaHeader = R"(schema:
  type: object
  required: [amount, currency, items]
  properties:
    amount: {type: number, minimum: 0}
    currency: {type: string, enum: [USD, EUR]}
    items:
      type: array
      maxItems: 3
      items:
        type: object
        required: [qty]
        properties:
          qty: {type: integer}
rules:
)";

Result<std::unique_ptr<Policy>> Load(const std::string& rules) {
  return Policy::LoadString(std::string(kSchemaHeader) + rules, "p.yaml", ".");
}

std::string LoadError(const std::string& rules) {
  auto p = Load(rules);
  return p.ok() ? "" : p.status().message();
}

TEST(PolicyLoad, ContradictionNamesTheConflictingRules) {
  auto p = Load(R"(  - id: big
    message: m
    expr: output.amount > 100
  - id: usd
    message: m
    expr: output.currency == "USD"
  - id: small
    message: m
    expr: output.amount < 50
)");
  ASSERT_FALSE(p.ok());
  const std::string m = p.status().message();
  EXPECT_NE(m.find("contradictory rules"), std::string::npos) << m;
  EXPECT_NE(m.find("'big'"), std::string::npos) << m;
  EXPECT_NE(m.find("'small'"), std::string::npos) << m;
  EXPECT_EQ(m.find("'usd'"), std::string::npos) << m;  // the core is minimal
  EXPECT_NE(m.find("p.yaml:18:11"), std::string::npos) << m;  // where 'big' is
}

TEST(PolicyLoad, ContradictionWithTheSchema) {
  const std::string m = LoadError(R"(  - id: negative
    message: m
    expr: output.amount < 0
)");
  EXPECT_NE(m.find("rule 'negative' can never hold"), std::string::npos) << m;
  const std::string yen = LoadError(R"(  - id: yen
    message: m
    expr: output.currency == "JPY"
)");
  EXPECT_NE(yen.find("'yen'"), std::string::npos) << yen;
}

TEST(PolicyLoad, ContradictionOverLists) {
  // all() and exists() over a list of at most 3 items, and sizes.
  std::string m = LoadError(R"(  - id: all-positive
    message: m
    expr: output.items.all(i, i.qty > 0)
  - id: some-negative
    message: m
    expr: output.items.exists(i, i.qty < 0)
)");
  EXPECT_NE(m.find("'all-positive' and 'some-negative'"), std::string::npos) << m;
  m = LoadError(R"(  - id: many
    message: m
    expr: size(output.items) > 3
)");
  EXPECT_NE(m.find("'many'"), std::string::npos) << m;
  m = LoadError(R"(  - id: total
    message: m
    expr: output.items.map(i, i.qty).sum() > 10
  - id: each-small
    message: m
    expr: output.items.all(i, i.qty <= 3)
)");
  EXPECT_NE(m.find("'total' and 'each-small'"), std::string::npos) << m;
}

TEST(PolicyLoad, ConsistentRulesLoadAndNeverFailIsAWarning) {
  auto p = Load(R"(  - id: tautology
    message: m
    expr: output.amount >= 0
  - id: real
    message: m
    expr: output.amount < 1000
  - id: either
    message: m
    severity: warning
    expr: output.currency == "USD" || output.currency == "EUR"
)");
  ASSERT_TRUE(p.ok()) << p.status().message();
  std::vector<std::string> ids;
  for (const Diagnostic& d : (*p)->warnings()) ids.push_back(d.rule_id);
  EXPECT_EQ(ids, (std::vector<std::string>{"tautology", "either"}));
  EXPECT_NE((*p)->warnings()[0].message.find("can never fail"), std::string::npos);
  EXPECT_EQ((*p)->warnings()[0].location, "p.yaml:18:11");
}

TEST(PolicyLoad, LongListsAreNotWronglyContradictory) {
  // With no maxItems the analysis models 4 items and abstracts the rest:
  // more than 5 items is possible and must not be called a contradiction.
  auto p = Policy::LoadString(R"(schema:
  type: object
  properties:
    xs: {type: array, items: {type: integer}}
rules:
  - id: long
    message: m
    expr: size(output.xs) > 5
  - id: positive
    message: m
    expr: output.xs.all(x, x > 0)
  - id: big-sum
    message: m
    expr: output.xs.sum() > 100
  - id: last-big
    message: m
    expr: output.xs[6] > 50
)", "p.yaml", ".");
  EXPECT_TRUE(p.ok()) << p.status().message();
}

TEST(PolicyLoad, StringFactsAreExactForLiterals) {
  // Strings are interned ids in the analysis; size(), startsWith() and <
  // are functions whose values on the policy's literals are exact.
  const char* schema = R"yaml(schema:
  type: object
  required: [code, name]
  properties:
    code: {type: string, enum: [DE-1, FR-2]}
    name: {type: string, maxLength: 5}
rules:
)yaml";
  auto load = [&](const std::string& rules) { return Policy::LoadString(schema + rules, "s.yaml", "."); };
  auto p = load("  - {id: swiss, message: m, expr: 'output.code.startsWith(\"CH\")'}\n");
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("'swiss'"), std::string::npos) << p.status().message();
  p = load("  - {id: long-name, message: m, expr: 'size(output.name) > 10'}\n");
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("'long-name'"), std::string::npos) << p.status().message();
  p = load("  - {id: before, message: m, expr: 'output.code < \"EE\"'}\n"
           "  - {id: german, message: m, expr: 'output.code != \"DE-1\"'}\n");
  ASSERT_FALSE(p.ok());  // "FR-2" < "EE" is false, and DE-1 is excluded
  EXPECT_NE(p.status().message().find("'before' and 'german'"), std::string::npos) << p.status().message();
  p = load("  - {id: range, message: m, expr: 'output.name > \"a\" && output.name < \"m\"'}\n");
  EXPECT_TRUE(p.ok()) << p.status().message();
}

TEST(PolicyLoad, SyntaxErrorHasLineAndColumn) {
  // Line 18 is the first rule's expr; "output.amount >" ends at column 26.
  EXPECT_EQ(LoadError(R"(  - id: r1
    message: m
    expr: output.amount >
)"),
            "p.yaml:18:26: rule 'r1': syntax error: unexpected end of the expression");
  // A block scalar: the error is on the expression's second line.
  EXPECT_EQ(LoadError(R"(  - id: r2
    message: m
    expr: |
      output.amount > 0 &&
        output.currency === "USD"
)"),
            "p.yaml:20:27: rule 'r2': syntax error: '=' is not an operator (use '==')");
  // A quoted scalar: columns count from inside the quotes.
  EXPECT_EQ(LoadError(R"(  - id: r3
    message: m
    expr: "output.amount > 0 && $"
)"),
            "p.yaml:18:33: rule 'r3': syntax error: unexpected character '$'");
}

TEST(PolicyLoad, TypeErrorsHaveLineAndColumn) {
  EXPECT_EQ(LoadError(R"(  - id: t1
    message: m
    expr: output.currency > 5
)"),
            "p.yaml:18:27: rule 't1': cannot order string and int with '>'");
  EXPECT_EQ(LoadError(R"(  - id: t2
    message: m
    expr: output.amout > 5
)"),
            "p.yaml:18:18: rule 't2': output has no field 'amout' in the schema");
  EXPECT_EQ(LoadError(R"(  - id: t3
    message: m
    expr: frobnicate(output.amount)
)"),
            "p.yaml:18:11: rule 't3': unknown function 'frobnicate'");
  EXPECT_EQ(LoadError(R"(  - id: t4
    message: m
    expr: output.currency == 1
)"),
            "p.yaml:18:27: rule 't4': cannot compare string with int");
  EXPECT_EQ(LoadError(R"(  - id: t5
    message: m
    expr: input.limit > 0
)"),
            "p.yaml:18:11: rule 't5': the rule reads input but the policy has no input_schema");
}

TEST(PolicyLoad, StructuralErrors) {
  EXPECT_EQ(LoadError("  - id: a\n    message: m\n    expr: output.amount > 1\n  - id: a\n    message: m\n    expr: true\n"),
            "p.yaml:19:9: duplicate rule id 'a'");
  EXPECT_EQ(LoadError("  - id: a\n    message: m\n    severity: fatal\n    expr: true\n"),
            "p.yaml:18:15: severity must be error or warning, not 'fatal'");
  EXPECT_EQ(LoadError("  - id: a\n    message: m\n    exprs: true\n"),
            "p.yaml:18:5: unknown rule key 'exprs' (a rule has id, message, severity and expr)");
  EXPECT_EQ(LoadError("  - id: a\n    expr: true\n"), "p.yaml:16:5: rule 'a' has no message");
  auto bad_yaml = Policy::LoadString("schema: {type: object\nrules: [", "p.yaml", ".");
  ASSERT_FALSE(bad_yaml.ok());
  EXPECT_EQ(bad_yaml.status().message().rfind("p.yaml:", 0), 0u) << bad_yaml.status().message();
  EXPECT_NE(bad_yaml.status().message().find("YAML syntax error"), std::string::npos);
  auto no_schema = Policy::LoadString("rules: []\n", "p.yaml", ".");
  ASSERT_FALSE(no_schema.ok());
  EXPECT_NE(no_schema.status().message().find("no schema"), std::string::npos);
  auto bad_schema = Policy::LoadString("schema: {type: 7}\nrules: []\n", "p.yaml", ".");
  ASSERT_FALSE(bad_schema.ok());
  EXPECT_EQ(bad_schema.status().message().rfind("p.yaml:1:9: schema", 0), 0u) << bad_schema.status().message();
}

TEST(PolicyLoad, ExamplePoliciesLoad) {
  for (const char* name : {"payment.yaml", "fraud_triage.yaml", "refund.yaml"}) {
    auto p = Policy::LoadFile(std::string(LITHIUM_SOURCE_DIR) + "/examples/policies/" + name);
    EXPECT_TRUE(p.ok()) << name << ": " << p.status().message();
  }
}

}  // namespace
}  // namespace lithium::verify
