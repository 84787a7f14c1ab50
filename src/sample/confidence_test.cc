#include "src/sample/confidence.h"

#include <cmath>
#include <vector>

#include "gtest/gtest.h"

namespace lithium::sample {
namespace {

TEST(Confidence, SummaryOfKnownValues) {
  std::vector<float> p = {0.5f, 0.25f, 1.0f, 0.75f};
  std::vector<float> h = {1.0f, 2.0f, 0.0f, 1.0f};
  ConfidenceSummary s = Summarize(p, h);
  EXPECT_EQ(s.n_tokens, 4);
  EXPECT_DOUBLE_EQ(s.min, 0.25);
  EXPECT_DOUBLE_EQ(s.mean, 0.625);
  EXPECT_DOUBLE_EQ(s.p10, 0.25);  // ceil(0.4) = 1st smallest
  EXPECT_DOUBLE_EQ(s.mean_entropy, 1.0);
  EXPECT_TRUE(s.has_entropy);
}

TEST(Confidence, TenthPercentileIsNearestRank) {
  std::vector<float> p;
  for (int i = 1; i <= 20; ++i) p.push_back(float(i) / 32.0f);  // exact in float
  ConfidenceSummary s = Summarize(p, {});
  EXPECT_DOUBLE_EQ(s.p10, 2.0 / 32.0);  // ceil(2.0) = 2nd smallest
  EXPECT_FALSE(s.has_entropy);
  EXPECT_EQ(Summarize({}, {}).n_tokens, 0);
}

TEST(Confidence, EntropyOfUniformAndPeaked) {
  std::vector<float> uniform(8, 0.0f);
  EXPECT_NEAR(EntropyOfLogits(uniform), std::log(8.0), 1e-5);
  std::vector<float> peaked = {100.0f, 0.0f, 0.0f};
  EXPECT_NEAR(EntropyOfLogits(peaked), 0.0, 1e-6);
  std::vector<float> masked = {0.0f, 0.0f, -INFINITY};
  EXPECT_NEAR(EntropyOfLogits(masked), std::log(2.0), 1e-5);
}

TEST(Confidence, MinProbabilityInOverlappingTokens) {
  // Text: {"a": 12} with tokens  {"  a  ":  1  2  }
  std::vector<float> p = {0.9f, 0.8f, 0.7f, 0.3f, 0.6f, 0.95f};
  std::vector<TokenSpan> spans = {{0, 2}, {2, 3}, {3, 6}, {6, 7}, {7, 8}, {8, 9}};
  EXPECT_FLOAT_EQ(float(MinProbabilityIn(p, spans, 6, 8)), 0.3f);  // the value "12"
  EXPECT_FLOAT_EQ(float(MinProbabilityIn(p, spans, 7, 8)), 0.6f);
  EXPECT_EQ(MinProbabilityIn(p, spans, 20, 30), -1);
}

}  // namespace
}  // namespace lithium::sample
