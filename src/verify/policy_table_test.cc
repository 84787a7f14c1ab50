// Acceptance table: policies, inputs and outputs with their expected
// verdicts and failing rule ids, decided by real Z3.
#include <map>
#include <set>

#include "gtest/gtest.h"
#include "src/verify/policy.h"

namespace lithium::verify {
namespace {

// Payments: decimal strings, sums over items, limits from the input,
// membership, optional fields, warnings.
const char* kPayments = R"yaml(
version: 1
name: payments
schema:
  type: object
  required: [amount, currency, items]
  properties:
    amount: {type: string, format: decimal}
    currency: {type: string, enum: [USD, EUR, GBP, JPY]}
    fee: {type: number}
    discount: {type: number}
    note: {type: string}
    items:
      type: array
      items:
        type: object
        required: [sku, price, qty]
        properties:
          sku: {type: string}
          price: {type: number}
          qty: {type: integer}
input_schema:
  type: object
  properties:
    limit: {type: number}
    allowed_currencies: {type: array, items: {type: string}}
    customer_tier: {type: string}
rules:
  - id: amount-positive
    message: The amount must be positive.
    expr: output.amount > 0
  - id: amount-matches-items
    message: The amount must equal the sum of price times quantity.
    expr: output.items.map(i, i.price * i.qty).sum() == output.amount
  - id: under-limit
    message: The amount must not exceed the customer's limit.
    expr: output.amount <= input.limit
  - id: currency-allowed
    message: The currency must be one the customer may use.
    expr: output.currency in input.allowed_currencies
  - id: items-qty-positive
    message: Every item needs a positive quantity.
    expr: output.items.all(i, i.qty > 0)
  - id: has-priced-item
    message: At least one item must have a price.
    expr: output.items.exists(i, i.price > 0)
  - id: discount-small
    severity: warning
    message: Discounts above 10% need a second look.
    expr: "!has(output.discount) || output.discount <= 0.1 * output.amount"
  - id: gold-no-fee
    message: Gold customers pay no fee.
    expr: >-
      input.customer_tier == "gold"
        ? (!has(output.fee) || output.fee == 0)
        : true
  - id: note-short
    severity: warning
    message: Notes should be short.
    expr: "!has(output.note) || size(output.note) <= 20"
)yaml";

// Decimal arithmetic: numbers and decimal strings compare exactly.
const char* kDecimals = R"yaml(
schema:
  type: object
  required: [a, b, c]
  properties:
    a: {type: number}
    b: {type: number}
    c: {type: number}
    s: {type: string, format: decimal}
rules:
  - id: sum-exact
    message: a + b must equal c exactly.
    expr: output.a + output.b == output.c
  - id: s-equals-c
    message: s, when given, must equal c.
    expr: "!has(output.s) || output.s == output.c"
)yaml";

// Fraud triage: implications, membership, string methods, filters.
const char* kFraud = R"yaml(
schema:
  type: object
  required: [verdict, score, reasons]
  properties:
    verdict: {type: string, enum: [approve, review, reject]}
    score: {type: integer, minimum: 0, maximum: 100}
    reasons: {type: array, items: {type: string}}
    flags:
      type: array
      items:
        type: object
        required: [code]
        properties:
          code: {type: string}
          severity: {type: integer}
input_schema:
  type: object
  properties:
    amount: {type: number}
    country: {type: string}
    blocked_countries: {type: array, items: {type: string}}
rules:
  - id: reject-needs-reason
    message: A rejection must give a reason.
    expr: output.verdict != "reject" || size(output.reasons) > 0
  - id: high-score-not-approved
    message: A score of 80 or more cannot be approved.
    expr: 'output.score >= 80 ? output.verdict != "approve" : true'
  - id: blocked-country-rejected
    message: Payments from blocked countries are rejected.
    expr: '!(input.country in input.blocked_countries) || output.verdict == "reject"'
  - id: large-amount-reviewed
    message: Amounts of 10000 or more are never approved automatically.
    expr: input.amount < 10000 || output.verdict != "approve"
  - id: flag-codes-known
    message: Flag codes come from the known list.
    expr: '!has(output.flags) || output.flags.all(f, f.code in ["VELOCITY", "GEO", "DEVICE", "AMOUNT"])'
  - id: one-critical-flag
    severity: warning
    message: More than one critical flag is unusual.
    expr: "!has(output.flags) || output.flags.filter(f, has(f.severity) && f.severity >= 9).size() <= 1"
  - id: reasons-tagged
    severity: warning
    message: Reasons should start with a tag.
    expr: output.reasons.all(r, r.startsWith("R-"))
  - id: score-consistent
    message: Approvals score under 50, everything else 30 or more.
    expr: 'output.verdict == "approve" ? output.score < 50 : output.score >= 30'
)yaml";

// Optional and nullable fields, nested lists, string order, indexing.
const char* kPeople = R"yaml(
schema:
  type: object
  required: [name]
  properties:
    name: {type: string}
    middle: {type: [string, "null"]}
    age: {type: integer}
    tags: {type: array, items: {type: string}}
    matrix: {type: array, items: {type: array, items: {type: integer}}}
rules:
  - id: middle-nonempty
    message: A middle name, when given, is not empty.
    expr: "!has(output.middle) || output.middle == null || size(output.middle) > 0"
  - id: adult-if-given
    message: Ages, when given, are 18 or more.
    expr: "!has(output.age) || output.age >= 18"
  - id: name-order
    severity: warning
    message: Names sort before "zzz".
    expr: output.name < "zzz"
  - id: first-tag-primary
    message: The first tag is "primary".
    expr: "!has(output.tags) || size(output.tags) == 0 || output.tags[0] == 'primary'"
  - id: one-primary
    message: Exactly one tag is "primary".
    expr: "!has(output.tags) || size(output.tags) == 0 || output.tags.exists_one(t, t == 'primary')"
  - id: matrix-non-negative
    message: Matrix entries are non-negative.
    expr: "!has(output.matrix) || output.matrix.all(row, row.all(x, x >= 0))"
  - id: age-or-anon
    message: Either a positive age or the name anon.
    expr: output.age > 0 || output.name == "anon"
)yaml";

struct Case {
  const char* name;
  const char* policy;
  const char* input;   // JSON, or "" for none
  const char* output;  // JSON
  bool passed;
  std::set<std::string> violations;
  std::set<std::string> warnings = {};
  bool schema_valid = true;
};

// Names the case in gtest's messages instead of dumping its bytes.
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

const char* kPayIn = R"({"limit": 100, "allowed_currencies": ["USD", "EUR"], "customer_tier": "silver"})";
const char* kGoldIn = R"({"limit": 100, "allowed_currencies": ["USD", "EUR"], "customer_tier": "gold"})";
const char* kFraudIn = R"({"amount": 500, "country": "FR", "blocked_countries": ["KP", "IR"]})";
const char* kBlockedIn = R"({"amount": 500, "country": "KP", "blocked_countries": ["KP", "IR"]})";
const char* kBigIn = R"({"amount": 20000, "country": "FR", "blocked_countries": []})";

const std::vector<Case>& Cases() {
  static const std::vector<Case> cases = {
      // ---- payments
      {"pay_ok", kPayments, kPayIn,
       R"({"amount": "30.00", "currency": "USD", "items": [{"sku": "A", "price": 10.5, "qty": 2}, {"sku": "B", "price": 9, "qty": 1}]})",
       true, {}},
      {"pay_zero_no_items", kPayments, kPayIn, R"({"amount": "0", "currency": "USD", "items": []})", false,
       {"amount-positive", "has-priced-item"}},
      {"pay_sum_mismatch", kPayments, kPayIn,
       R"({"amount": "31.00", "currency": "USD", "items": [{"sku": "A", "price": 10.5, "qty": 2}, {"sku": "B", "price": 9, "qty": 1}]})",
       false, {"amount-matches-items"}},
      {"pay_over_limit", kPayments, kPayIn, R"({"amount": "150", "currency": "EUR", "items": [{"sku": "A", "price": 150, "qty": 1}]})",
       false, {"under-limit"}},
      {"pay_at_limit", kPayments, kPayIn, R"({"amount": "100.00", "currency": "EUR", "items": [{"sku": "A", "price": 100, "qty": 1}]})",
       true, {}},
      {"pay_currency_not_allowed", kPayments, kPayIn, R"({"amount": "9", "currency": "GBP", "items": [{"sku": "A", "price": 9, "qty": 1}]})",
       false, {"currency-allowed"}},
      {"pay_currency_not_in_schema", kPayments, kPayIn,
       R"({"amount": "9", "currency": "CHF", "items": [{"sku": "A", "price": 9, "qty": 1}]})", false, {"currency-allowed"}, {},
       false},
      {"pay_zero_qty", kPayments, kPayIn,
       R"({"amount": "30", "currency": "USD", "items": [{"sku": "A", "price": 10, "qty": 3}, {"sku": "B", "price": 5, "qty": 0}]})",
       false, {"items-qty-positive"}},
      {"pay_discount_ok", kPayments, kPayIn,
       R"({"amount": "30", "currency": "USD", "discount": 2.5, "items": [{"sku": "A", "price": 30, "qty": 1}]})", true, {}},
      {"pay_discount_warning", kPayments, kPayIn,
       R"({"amount": "30", "currency": "USD", "discount": 3.01, "items": [{"sku": "A", "price": 30, "qty": 1}]})", true, {},
       {"discount-small"}},
      {"pay_discount_exact_edge", kPayments, kPayIn,
       R"({"amount": "30.00", "currency": "USD", "discount": 3, "items": [{"sku": "A", "price": 30, "qty": 1}]})", true, {}},
      {"pay_gold_fee", kPayments, kGoldIn,
       R"({"amount": "30", "currency": "USD", "fee": 1.5, "items": [{"sku": "A", "price": 30, "qty": 1}]})", false, {"gold-no-fee"}},
      {"pay_gold_zero_fee", kPayments, kGoldIn,
       R"({"amount": "30", "currency": "USD", "fee": 0.00, "items": [{"sku": "A", "price": 30, "qty": 1}]})", true, {}},
      {"pay_gold_no_fee_field", kPayments, kGoldIn,
       R"({"amount": "30", "currency": "USD", "items": [{"sku": "A", "price": 30, "qty": 1}]})", true, {}},
      {"pay_silver_fee", kPayments, kPayIn,
       R"({"amount": "30", "currency": "USD", "fee": 5, "items": [{"sku": "A", "price": 30, "qty": 1}]})", true, {}},
      {"pay_long_note", kPayments, kPayIn,
       R"({"amount": "30", "currency": "USD", "note": "this note is far too long", "items": [{"sku": "A", "price": 30, "qty": 1}]})",
       true, {}, {"note-short"}},
      {"pay_input_missing_limit", kPayments, R"({"allowed_currencies": ["USD"], "customer_tier": "silver"})",
       R"({"amount": "30", "currency": "USD", "items": [{"sku": "A", "price": 30, "qty": 1}]})", false, {"under-limit"}},
      {"pay_tiny_difference", kPayments, kPayIn,
       R"({"amount": "30.000000000000000001", "currency": "USD", "items": [{"sku": "A", "price": 30, "qty": 1}]})", false,
       {"amount-matches-items"}},
      {"pay_point_one_plus_point_two", kPayments, kPayIn,
       R"({"amount": "0.3", "currency": "USD", "items": [{"sku": "A", "price": 0.1, "qty": 1}, {"sku": "B", "price": 0.2, "qty": 1}]})",
       true, {}},
      {"pay_amount_not_decimal", kPayments, kPayIn,
       R"({"amount": "abc", "currency": "USD", "items": [{"sku": "A", "price": 30, "qty": 1}]})", false,
       {"amount-positive", "amount-matches-items", "under-limit"}, {}, false},
      {"pay_missing_items", kPayments, kPayIn, R"({"amount": "30", "currency": "USD"})", false,
       {"amount-matches-items", "items-qty-positive", "has-priced-item"}, {}, false},
      // ---- decimals
      {"dec_point_three", kDecimals, "", R"({"a": 0.1, "b": 0.2, "c": 0.3})", true, {}},
      {"dec_float_artifact", kDecimals, "", R"({"a": 0.1, "b": 0.2, "c": 0.30000000000000004})", false, {"sum-exact"}},
      {"dec_string_equal", kDecimals, "", R"({"a": 0.1, "b": 0.2, "c": 0.3, "s": "0.30"})", true, {}},
      {"dec_string_differs", kDecimals, "", R"({"a": 0.1, "b": 0.2, "c": 0.3, "s": "0.31"})", false, {"s-equals-c"}},
      {"dec_exponents", kDecimals, "", R"({"a": 1e-1, "b": 2E-1, "c": 0.3})", true, {}},
      {"dec_big", kDecimals, "", R"({"a": 12345678901234567890.1, "b": 0.9, "c": 12345678901234567891})", true, {}},
      {"dec_negative", kDecimals, "", R"({"a": -0.5, "b": 0.5, "c": 0})", true, {}},
      // ---- fraud triage
      {"fraud_ok", kFraud, kFraudIn, R"({"verdict": "approve", "score": 10, "reasons": []})", true, {}},
      {"fraud_reject_no_reason", kFraud, kFraudIn, R"({"verdict": "reject", "score": 90, "reasons": []})", false,
       {"reject-needs-reason"}},
      {"fraud_high_score_approved", kFraud, kFraudIn, R"({"verdict": "approve", "score": 85, "reasons": ["R-1"]})", false,
       {"high-score-not-approved", "score-consistent"}},
      {"fraud_blocked_not_rejected", kFraud, kBlockedIn, R"({"verdict": "review", "score": 60, "reasons": ["R-geo"]})", false,
       {"blocked-country-rejected"}},
      {"fraud_blocked_rejected", kFraud, kBlockedIn, R"({"verdict": "reject", "score": 95, "reasons": ["R-blocked"]})", true, {}},
      {"fraud_large_approved", kFraud, kBigIn, R"({"verdict": "approve", "score": 10, "reasons": []})", false,
       {"large-amount-reviewed"}},
      {"fraud_unknown_flag", kFraud, kFraudIn,
       R"({"verdict": "review", "score": 40, "reasons": ["R-a"], "flags": [{"code": "GEO"}, {"code": "XYZ"}]})", false,
       {"flag-codes-known"}},
      {"fraud_two_critical_flags", kFraud, kFraudIn,
       R"({"verdict": "review", "score": 40, "reasons": ["R-a"], "flags": [{"code": "GEO", "severity": 9}, {"code": "VELOCITY", "severity": 10}]})",
       true, {}, {"one-critical-flag"}},
      {"fraud_one_critical_flag", kFraud, kFraudIn,
       R"({"verdict": "review", "score": 40, "reasons": ["R-a"], "flags": [{"code": "GEO", "severity": 9}, {"code": "VELOCITY"}]})",
       true, {}},
      {"fraud_untagged_reason", kFraud, kFraudIn, R"({"verdict": "review", "score": 40, "reasons": ["bad"]})", true, {},
       {"reasons-tagged"}},
      {"fraud_review_low_score", kFraud, kFraudIn, R"({"verdict": "review", "score": 20, "reasons": ["R-x"]})", false,
       {"score-consistent"}},
      {"fraud_verdict_not_in_enum", kFraud, kFraudIn, R"({"verdict": "maybe", "score": 40, "reasons": ["R-x"]})", false, {}, {},
       false},
      {"fraud_score_not_integer", kFraud, kFraudIn, R"({"verdict": "review", "score": 80.5, "reasons": ["R-x"]})", false,
       {"high-score-not-approved", "score-consistent"}, {}, false},
      // ---- optional and nullable fields
      {"people_missing_age", kPeople, "", R"({"name": "bob"})", false, {"age-or-anon"}},
      {"people_anon_absorbs_error", kPeople, "", R"({"name": "anon"})", true, {}},
      {"people_minor", kPeople, "", R"({"name": "bob", "age": 17})", false, {"adult-if-given"}},
      {"people_null_middle", kPeople, "", R"({"name": "bob", "age": 30, "middle": null})", true, {}},
      {"people_empty_middle", kPeople, "", R"({"name": "bob", "age": 30, "middle": ""})", false, {"middle-nonempty"}},
      {"people_tags_ok", kPeople, "", R"({"name": "bob", "age": 30, "tags": ["primary", "x"]})", true, {}},
      {"people_tags_order", kPeople, "", R"({"name": "bob", "age": 30, "tags": ["x", "primary"]})", false, {"first-tag-primary"}},
      {"people_tags_twice", kPeople, "", R"({"name": "bob", "age": 30, "tags": ["primary", "primary"]})", false, {"one-primary"}},
      {"people_matrix_negative", kPeople, "", R"({"name": "bob", "age": 30, "matrix": [[1, 2], [3, -1]]})", false,
       {"matrix-non-negative"}},
      {"people_matrix_ok", kPeople, "", R"({"name": "bob", "age": 30, "matrix": [[0], [], [5, 6]]})", true, {}},
      {"people_name_order_warning", kPeople, "", R"({"name": "zzzz", "age": 30})", true, {}, {"name-order"}},
      {"people_empty_tags", kPeople, "", R"({"name": "bob", "age": 30, "tags": []})", true, {}},
  };
  return cases;
}

const Policy& GetPolicy(const char* yaml) {
  static std::map<const char*, std::unique_ptr<Policy>> cache;
  auto it = cache.find(yaml);
  if (it == cache.end()) {
    auto p = Policy::LoadString(yaml, "table.yaml", ".");
    EXPECT_TRUE(p.ok()) << p.status().message();
    if (!p.ok()) std::abort();
    it = cache.emplace(yaml, std::move(p).value()).first;
  }
  return *it->second;
}

class PolicyTable : public ::testing::TestWithParam<Case> {};

TEST_P(PolicyTable, Verdict) {
  const Case& c = GetParam();
  const Policy& policy = GetPolicy(c.policy);
  std::unique_ptr<JsonValue> input;
  if (c.input[0] != 0) {
    auto in = ParseJson(c.input);
    ASSERT_TRUE(in.ok()) << in.status().message();
    input = std::make_unique<JsonValue>(std::move(in).value());
  }
  auto v = policy.VerifyText(input.get(), c.output);
  ASSERT_TRUE(v.ok()) << v.status().message();
  const std::string report = v->ToJson().dump(2);
  EXPECT_EQ(v->passed, c.passed) << report;
  EXPECT_EQ(std::set<std::string>(v->violations.begin(), v->violations.end()), c.violations) << report;
  EXPECT_EQ(std::set<std::string>(v->warnings.begin(), v->warnings.end()), c.warnings) << report;
  EXPECT_EQ(v->schema_errors.empty(), c.schema_valid) << report;
  // A failed rule reports the fields it read.
  for (const RuleOutcome& r : v->rules) {
    if (!r.passed) {
      EXPECT_FALSE(r.reads.empty()) << r.id << "\n" << report;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, PolicyTable, ::testing::ValuesIn(Cases()),
                         [](const ::testing::TestParamInfo<Case>& info) { return std::string(info.param.name); });

TEST(PolicyTableSize, AtLeastFortyCases) { EXPECT_GE(Cases().size(), 40u); }

TEST(PolicyReads, ViolationReportsFieldValues) {
  const Policy& policy = GetPolicy(kPayments);
  auto in = ParseJson(kPayIn);
  ASSERT_TRUE(in.ok());
  auto v = policy.VerifyText(&*in, R"({"amount": "150", "currency": "EUR", "items": [{"sku": "A", "price": 150, "qty": 1}]})");
  ASSERT_TRUE(v.ok());
  const nlohmann::ordered_json j = v->ToJson();
  const auto& rules = j["rules"];
  bool found = false;
  for (const auto& r : rules) {
    if (r["id"] != "under-limit") continue;
    found = true;
    EXPECT_EQ(r["passed"], false);
    EXPECT_EQ(r["reads"].dump(), R"([{"field":"output.amount","value":"150"},{"field":"input.limit","value":100}])");
  }
  EXPECT_TRUE(found);
  EXPECT_NE(v->Feedback().find("under-limit"), std::string::npos);
}

TEST(PolicyReads, NotJsonIsAViolation) {
  const Policy& policy = GetPolicy(kDecimals);
  auto v = policy.VerifyText(nullptr, "the answer is 42");
  ASSERT_TRUE(v.ok());
  EXPECT_FALSE(v->passed);
  EXPECT_FALSE(v->output_error.empty());
}

TEST(PolicyReads, BadInputIsAnError) {
  const Policy& policy = GetPolicy(kPayments);
  auto in = ParseJson(R"({"limit": "a lot"})");
  ASSERT_TRUE(in.ok());
  auto v = policy.VerifyText(&*in, R"({"amount": "1", "currency": "USD", "items": []})");
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.status().message().find("/limit"), std::string::npos) << v.status().message();
}

}  // namespace
}  // namespace lithium::verify
