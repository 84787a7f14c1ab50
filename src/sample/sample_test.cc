#include <map>
#include <vector>

#include "gtest/gtest.h"
#include "src/sample/philox.h"
#include "src/sample/sampler.h"

namespace lithium::sample {
namespace {

// Known-answer vectors from the Random123 distribution (kat_vectors).
TEST(Philox, KnownAnswers) {
  auto a = Philox4x32({0, 0, 0, 0}, {0, 0});
  EXPECT_EQ(a, (std::array<uint32_t, 4>{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}));
  auto b = Philox4x32({0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, {0xffffffff, 0xffffffff});
  EXPECT_EQ(b, (std::array<uint32_t, 4>{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}));
  auto c = Philox4x32({0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, {0xa4093822, 0x299f31d0});
  EXPECT_EQ(c, (std::array<uint32_t, 4>{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}));
}

TEST(Philox, UniformIsInRangeAndKeyed) {
  double sum = 0;
  for (uint64_t p = 0; p < 10000; ++p) {
    double u = UniformAt(42, p);
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    sum += u;
  }
  EXPECT_NEAR(sum / 10000, 0.5, 0.02);
  EXPECT_EQ(UniformAt(1, 5), UniformAt(1, 5));
  EXPECT_NE(UniformAt(1, 5), UniformAt(2, 5));
  EXPECT_NE(UniformAt(1, 5), UniformAt(1, 6));
}

TEST(Sampler, GreedyPicksLowestIndexOfMax) {
  SamplingParams p;
  p.temperature = 0;
  Sampler s(p);
  std::vector<float> logits = {1, 5, 3, 5};
  EXPECT_EQ(s.Sample(logits, {}, 0).token, 1);
}

TEST(Sampler, SeededDrawIsAPureFunction) {
  SamplingParams p;
  p.temperature = 1.0f;
  p.top_k = 0;
  p.top_p = 1.0f;
  p.min_p = 0;
  p.seed = 7;
  std::vector<float> logits = {0.1f, 0.2f, 0.3f, 0.0f, -1.0f};
  Sampler a(p), b(p);
  std::map<int, int> counts;
  for (uint64_t pos = 0; pos < 2000; ++pos) {
    auto x = a.Sample(logits, {}, pos);
    // A fresh sampler and a different call order give the same draw.
    EXPECT_EQ(x.token, b.Sample(logits, {}, pos).token);
    counts[x.token]++;
  }
  // Roughly the softmax distribution: every token drawn, the -1 logit least.
  EXPECT_EQ(counts.size(), 5u);
  EXPECT_LT(counts[4], counts[2]);
}

TEST(Sampler, TopKAndMinPRestrict) {
  SamplingParams p;
  p.temperature = 1.0f;
  p.top_k = 2;
  p.top_p = 1.0f;
  p.min_p = 0;
  Sampler s(p);
  std::vector<float> logits = {0, 10, 9, 8};
  for (uint64_t pos = 0; pos < 200; ++pos) {
    int t = s.Sample(logits, {}, pos).token;
    EXPECT_TRUE(t == 1 || t == 2);
  }
  p.top_k = 0;
  p.min_p = 0.5f;  // keeps tokens with p >= 0.5 * p_max: only 1 and 2 (e^-1 = 0.37 < 0.5 for 3)
  Sampler m(p);
  for (uint64_t pos = 0; pos < 200; ++pos) {
    int t = m.Sample(logits, {}, pos).token;
    EXPECT_TRUE(t == 1 || t == 2) << t;
  }
}

TEST(Sampler, RepetitionPenaltyDemotesRecentTokens) {
  SamplingParams p;
  p.temperature = 0;
  p.repeat_penalty = 2.0f;
  Sampler s(p);
  std::vector<float> logits = {4, 3};
  std::vector<int32_t> hist = {0};
  EXPECT_EQ(s.Sample(logits, hist, 1).token, 1);
}

TEST(SamplingParams, ValidateRejectsBadValues) {
  SamplingParams p;
  p.top_p = 0;
  EXPECT_FALSE(p.Validate().ok());
  p = SamplingParams();
  p.temperature = -1;
  EXPECT_FALSE(p.Validate().ok());
  EXPECT_TRUE(SamplingParams().Validate().ok());
}

}  // namespace
}  // namespace lithium::sample
