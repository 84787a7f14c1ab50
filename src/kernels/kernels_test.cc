// Every compiled SIMD target against the scalar reference, bit for bit
// (DESIGN.md rule 7), plus accuracy checks of the reference itself.
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "src/base/half.h"
#include "src/gguf/gguf.h"
#include "src/kernels/kernels.h"
#include "src/kernels/math.h"

namespace lithium::kernels {
namespace {

std::vector<float> RandomVec(size_t n, uint32_t seed, float scale = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, scale);
  std::vector<float> v(n);
  for (auto& x : v) x = dist(rng);
  return v;
}

bool SameBits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * 4) == 0;
}

uint32_t Bits(float f) { uint32_t u; std::memcpy(&u, &f, 4); return u; }

const Ops& Ref() { return AvailableTargets()[0].ops; }

class EveryTarget : public ::testing::TestWithParam<size_t> {
 protected:
  const Target& target() const { return AvailableTargets()[GetParam()]; }
};

const size_t kSizes[] = {1, 3, 8, 15, 16, 17, 31, 33, 64, 100, 257, 896};

TEST_P(EveryTarget, DotMatchesReference) {
  for (size_t n : kSizes) {
    auto a = RandomVec(n, 1 + n), b = RandomVec(n, 2 + n);
    float got = target().ops.dot(a.data(), b.data(), n);
    float want = Ref().dot(a.data(), b.data(), n);
    EXPECT_EQ(Bits(got), Bits(want)) << target().name << " n=" << n;
  }
}

void CheckMatmul(const Target& t, uint32_t type, size_t rows, size_t cols, size_t n_tokens) {
  auto wf = RandomVec(rows * cols, 7 + rows + cols, 0.5f);
  std::vector<uint8_t> wbytes;
  size_t elem = type == uint32_t(gguf::TensorType::kF32) ? 4 : 2;
  wbytes.resize(rows * cols * elem);
  for (size_t i = 0; i < rows * cols; ++i) {
    if (elem == 4) {
      std::memcpy(&wbytes[4 * i], &wf[i], 4);
    } else {
      uint16_t h = type == uint32_t(gguf::TensorType::kF16) ? F32ToF16(wf[i]) : F32ToBf16(wf[i]);
      std::memcpy(&wbytes[2 * i], &h, 2);
    }
  }
  Weights w{wbytes.data(), type, rows, cols, cols * elem};
  auto x = RandomVec(n_tokens * cols, 99 + cols);
  std::vector<float> got(n_tokens * rows), want(n_tokens * rows);
  t.ops.matmul(w, x.data(), n_tokens, got.data(), rows, 0, rows);
  Ref().matmul(w, x.data(), n_tokens, want.data(), rows, 0, rows);
  EXPECT_TRUE(SameBits(got, want)) << t.name << " type=" << type << " " << rows << "x" << cols;
  // A batched matmul gives each token the bits of a lone one (GEMM == GEMV).
  for (size_t tok = 0; tok < n_tokens; ++tok) {
    std::vector<float> one(rows);
    t.ops.matmul(w, x.data() + tok * cols, 1, one.data(), rows, 0, rows);
    EXPECT_EQ(0, std::memcmp(one.data(), got.data() + tok * rows, rows * 4)) << t.name;
  }
  // Splitting rows (as threads do) changes nothing.
  std::vector<float> split(n_tokens * rows);
  size_t mid = rows / 3;
  t.ops.matmul(w, x.data(), n_tokens, split.data(), rows, 0, mid);
  t.ops.matmul(w, x.data(), n_tokens, split.data(), rows, mid, rows);
  EXPECT_TRUE(SameBits(split, got)) << t.name;
}

TEST_P(EveryTarget, MatmulMatchesReference) {
  for (uint32_t type : {uint32_t(gguf::TensorType::kF32), uint32_t(gguf::TensorType::kF16),
                        uint32_t(gguf::TensorType::kBF16)}) {
    CheckMatmul(target(), type, 13, 64, 3);
    CheckMatmul(target(), type, 37, 100, 5);
    CheckMatmul(target(), type, 8, 7, 2);
    // One and two tokens read 16-bit rows in place (decode path).
    CheckMatmul(target(), type, 37, 100, 1);
    CheckMatmul(target(), type, 11, 896, 1);
    CheckMatmul(target(), type, 6, 131, 2);
  }
}

TEST_P(EveryTarget, ExpMatchesReference) {
  std::vector<float> x = RandomVec(1000, 5, 30.0f);
  const float specials[] = {0.0f, -0.0f, 1.0f, -1.0f, kExpHi, kExpLo, 88.0f, -87.0f, 100.0f,
                            -100.0f, 1e-30f, -1e-30f, INFINITY, -INFINITY, 88.37626f, -87.33654f};
  for (float s : specials) x.push_back(s);
  std::vector<float> got(x.size()), want(x.size());
  target().ops.exp(x.data(), x.size(), got.data());
  Ref().exp(x.data(), x.size(), want.data());
  for (size_t i = 0; i < x.size(); ++i) {
    EXPECT_EQ(Bits(got[i]), Bits(want[i])) << target().name << " x=" << x[i];
  }
}

TEST_P(EveryTarget, NormsActivationsRopeMatchReference) {
  for (size_t n : kSizes) {
    auto x = RandomVec(n, 11 + n, 3.0f), w = RandomVec(n, 12 + n);
    std::vector<float> a(n), b(n);
    target().ops.rmsnorm(x.data(), w.data(), n, 1e-5f, a.data());
    Ref().rmsnorm(x.data(), w.data(), n, 1e-5f, b.data());
    EXPECT_TRUE(SameBits(a, b)) << target().name << " rmsnorm n=" << n;

    a = x; b = x;
    target().ops.softmax(a.data(), n);
    Ref().softmax(b.data(), n);
    EXPECT_TRUE(SameBits(a, b)) << target().name << " softmax n=" << n;

    target().ops.swiglu(x.data(), w.data(), n, a.data());
    Ref().swiglu(x.data(), w.data(), n, b.data());
    EXPECT_TRUE(SameBits(a, b)) << target().name << " swiglu n=" << n;

    a = x; b = x;
    target().ops.add(a.data(), w.data(), n);
    Ref().add(b.data(), w.data(), n);
    EXPECT_TRUE(SameBits(a, b)) << target().name << " add n=" << n;
  }
  for (bool neox : {false, true}) {
    const size_t heads = 3, hd = 16;
    auto x = RandomVec(heads * hd, 21), cs = RandomVec(hd, 22);
    auto a = x, b = x;
    target().ops.rope(a.data(), heads, hd, hd, cs.data(), neox);
    Ref().rope(b.data(), heads, hd, hd, cs.data(), neox);
    EXPECT_TRUE(SameBits(a, b)) << target().name << " rope";
  }
}

TEST_P(EveryTarget, AttentionMatchesReference) {
  for (size_t hd : {8, 17, 64}) {
    for (size_t n_keys : {1, 5, 40}) {
      const size_t stride = hd * 2 + 3;
      auto q = RandomVec(hd, 31), k = RandomVec(n_keys * stride, 32), v = RandomVec(n_keys * stride, 33);
      std::vector<float> s1(n_keys), s2(n_keys), o1(hd), o2(hd);
      float scale = 1.0f / std::sqrt(float(hd));
      target().ops.attention(q.data(), k.data(), v.data(), stride, n_keys, hd, scale, s1.data(), o1.data());
      Ref().attention(q.data(), k.data(), v.data(), stride, n_keys, hd, scale, s2.data(), o2.data());
      EXPECT_TRUE(SameBits(o1, o2)) << target().name << " hd=" << hd << " keys=" << n_keys;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Targets, EveryTarget, ::testing::Range<size_t>(0, AvailableTargets().size()),
                         [](const auto& info) { return AvailableTargets()[info.param].name; });

TEST(Targets, ReferenceFirstAndBestIsSimdWhenAvailable) {
  ASSERT_FALSE(AvailableTargets().empty());
  EXPECT_EQ(AvailableTargets()[0].name, "scalar");
  EXPECT_NE(FindTarget("scalar"), nullptr);
  EXPECT_EQ(FindTarget("no-such-target"), nullptr);
  // Print what this machine runs, for the log.
  for (const auto& t : AvailableTargets()) std::printf("available target: %s\n", t.name.c_str());
}

// The reference functions are accurate, not only consistent.
TEST(Math, ExpIsAccurate) {
  for (float x = -87.0f; x < 88.0f; x += 0.0137f) {
    double want = std::exp(double(x));
    double got = ExpRef(x);
    EXPECT_NEAR(got / want, 1.0, 4e-7) << x;
  }
  EXPECT_EQ(ExpRef(0.0f), 1.0f);
  EXPECT_EQ(ExpRef(-200.0f), 0.0f);
  EXPECT_TRUE(std::isinf(ExpRef(200.0f)));
  EXPECT_TRUE(std::isnan(ExpRef(NAN)));
}

TEST(Math, DoubleHelpersAreAccurate) {
  for (double x = -50; x < 50; x += 0.377) EXPECT_NEAR(ExpD(x) / std::exp(x), 1.0, 1e-14) << x;
  for (double x = 1e-6; x < 1e6; x *= 1.7) EXPECT_NEAR(LogD(x), std::log(x), 1e-13 * (1 + std::fabs(std::log(x)))) << x;
  for (double x = -2000; x < 30000; x += 1.2345) {
    double s, c;
    SinCosD(x, &s, &c);
    EXPECT_NEAR(s, std::sin(x), 1e-12) << x;
    EXPECT_NEAR(c, std::cos(x), 1e-12) << x;
  }
}

TEST(Half, RoundTripsAndRounds) {
  for (uint32_t h = 0; h < 65536; ++h) {
    float f = F16ToF32(uint16_t(h));
    if (std::isnan(f)) continue;
    EXPECT_EQ(F32ToF16(f), h) << h;
  }
  EXPECT_EQ(F16ToF32(0x3c00), 1.0f);
  EXPECT_EQ(F32ToF16(65520.0f), 0x7c00);  // rounds to infinity
  EXPECT_EQ(Bf16ToF32(F32ToBf16(1.5f)), 1.5f);
}

}  // namespace
}  // namespace lithium::kernels
