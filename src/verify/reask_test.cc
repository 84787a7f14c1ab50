// The re-ask loop with a scripted generator: attempts, derived seeds,
// feedback, confidence.
#include "src/verify/reask.h"

#include "gtest/gtest.h"

namespace lithium::verify {
namespace {

const char* kPolicy = R"(
schema:
  type: object
  required: [total]
  properties:
    total: {type: number}
rules:
  - id: total-small
    message: The total must be under 10.
    expr: output.total < 10
)";

TEST(Reask, DeriveSeedKeepsTheFirstAndSpreadsTheRest) {
  EXPECT_EQ(DeriveSeed(42, 0), 42u);
  EXPECT_NE(DeriveSeed(42, 1), 42u);
  EXPECT_NE(DeriveSeed(42, 1), DeriveSeed(42, 2));
  EXPECT_EQ(DeriveSeed(42, 3), DeriveSeed(42, 3));
}

// Returns the scripted texts in turn, one token per byte.
GenerateFn Scripted(std::vector<std::string> texts, std::vector<AttemptRequest>* seen) {
  return [texts, seen](const AttemptRequest& req) -> Result<AttemptOutput> {
    seen->push_back(req);
    seen->back().previous = nullptr;
    AttemptOutput out;
    out.text = texts[size_t(req.attempt) % texts.size()];
    for (size_t i = 0; i < out.text.size(); ++i) {
      out.tokens.push_back(int32_t(out.text[i]));
      out.probabilities.push_back(out.text[i] == '9' ? 0.25f : 0.75f);
      out.entropies.push_back(1.0f);
      out.spans.push_back({i, i + 1});
    }
    out.finish_reason = "stop";
    out.fingerprint = "f" + std::to_string(req.attempt);
    return out;
  };
}

TEST(Reask, RetriesUntilThePolicyPasses) {
  auto policy = Policy::LoadString(kPolicy, "p.yaml", ".");
  ASSERT_TRUE(policy.ok()) << policy.status().message();
  std::vector<AttemptRequest> seen;
  auto r = GenerateVerified(**policy, nullptr, 7, 3, Scripted({"{\"total\": 12}", "oops", "{\"total\": 9}"}, &seen));
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->attempts.size(), 3u);
  EXPECT_TRUE(r->passed());
  EXPECT_EQ(seen[0].seed, 7u);
  EXPECT_EQ(seen[1].seed, DeriveSeed(7, 1));
  EXPECT_TRUE(seen[0].feedback.empty());
  EXPECT_NE(seen[1].feedback.find("Rule total-small: The total must be under 10. (output.total = 12)"), std::string::npos)
      << seen[1].feedback;
  EXPECT_NE(seen[2].feedback.find("not valid JSON"), std::string::npos) << seen[2].feedback;
  const nlohmann::ordered_json j = AttemptsJson(*r);
  ASSERT_EQ(j.size(), 3u);
  EXPECT_EQ(j[0]["verification"]["violations"], nlohmann::ordered_json::array({"total-small"}));
  EXPECT_EQ(j[2]["verification"]["passed"], true);
  // Per-field confidence: the lowest probability inside the value "9".
  EXPECT_EQ(j[2]["confidence"]["fields"]["/total"], 0.25);
  EXPECT_EQ(j[2]["confidence"]["min"], 0.25);
  EXPECT_EQ(j[2]["confidence"]["mean_entropy"], 1.0);
}

TEST(Reask, StopsAfterMaxRetriesAndIsDeterministic) {
  auto policy = Policy::LoadString(kPolicy, "p.yaml", ".");
  ASSERT_TRUE(policy.ok());
  std::vector<AttemptRequest> seen;
  auto a = GenerateVerified(**policy, nullptr, 1, 2, Scripted({"{\"total\": 99}"}, &seen));
  auto b = GenerateVerified(**policy, nullptr, 1, 2, Scripted({"{\"total\": 99}"}, &seen));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->attempts.size(), 3u);
  EXPECT_FALSE(a->passed());
  EXPECT_EQ(AttemptsJson(*a).dump(), AttemptsJson(*b).dump());
  auto none = GenerateVerified(**policy, nullptr, 1, 0, Scripted({"{\"total\": 99}"}, &seen));
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->attempts.size(), 1u);
}

}  // namespace
}  // namespace lithium::verify
