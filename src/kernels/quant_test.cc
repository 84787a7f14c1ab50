// Quantized formats and the quantized matmul: round trips within each
// format's expected error, the reference dot against dequantized weights,
// and every SIMD target bit for bit against the scalar reference.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "src/gguf/gguf.h"
#include "src/kernels/kernels.h"
#include "src/kernels/quant.h"

namespace lithium::kernels {
namespace {

using gguf::TensorType;

struct TypeCase {
  TensorType type;
  const char* name;
  double max_rel_rms;  // RMS error of a round trip relative to the RMS of the data
};

// Expected round-trip errors on Gaussian data: about half a quantization step
// (levels 15 -> ~10%, 31 -> ~5%, 127 -> ~1%, K-quants similar to their bits).
const TypeCase kTypes[] = {
    {TensorType::kQ8_0, "Q8_0", 0.01}, {TensorType::kQ4_0, "Q4_0", 0.12}, {TensorType::kQ4_1, "Q4_1", 0.10},
    {TensorType::kQ5_0, "Q5_0", 0.06}, {TensorType::kQ5_1, "Q5_1", 0.05}, {TensorType::kQ4_K, "Q4_K", 0.12},
    {TensorType::kQ5_K, "Q5_K", 0.06}, {TensorType::kQ6_K, "Q6_K", 0.03},
};

std::vector<float> Gaussian(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> v(n);
  for (auto& x : v) x = dist(rng);
  return v;
}

size_t RowBytes(TensorType t, size_t n) {
  uint64_t be, bb;
  EXPECT_TRUE(gguf::TensorTypeBlock(uint32_t(t), &be, &bb));
  return size_t(n / be * bb);
}

TEST(Quant, RoundTripWithinExpectedError) {
  const size_t n = 4096;
  auto x = Gaussian(n, 1);
  for (const auto& c : kTypes) {
    std::vector<uint8_t> q(RowBytes(c.type, n));
    ASSERT_TRUE(QuantizeRow(uint32_t(c.type), x.data(), n, q.data()));
    std::vector<float> back(n);
    DequantizeRow(uint32_t(c.type), q.data(), n, back.data());
    double err = 0, ref = 0;
    for (size_t i = 0; i < n; ++i) {
      err += (back[i] - x[i]) * (back[i] - x[i]);
      ref += x[i] * x[i];
    }
    const double rel = std::sqrt(err / ref);
    EXPECT_LT(rel, c.max_rel_rms) << c.name;
    std::printf("%-5s round-trip relative RMS error %.4f\n", c.name, rel);
    // Quantizing is deterministic: the same input gives the same bytes.
    std::vector<uint8_t> q2(q.size());
    QuantizeRow(uint32_t(c.type), x.data(), n, q2.data());
    EXPECT_EQ(q, q2) << c.name;
  }
}

// The quantized dot approximates the float dot of the dequantized weights
// with the activations (only activation rounding differs).
TEST(Quant, ReferenceDotMatchesDequantizedDot) {
  const size_t rows = 5, cols = 512;
  auto wf = Gaussian(rows * cols, 2);
  auto x = Gaussian(cols, 3);
  for (const auto& c : kTypes) {
    const size_t rb = RowBytes(c.type, cols);
    std::vector<uint8_t> wq(rows * rb);
    for (size_t r = 0; r < rows; ++r) QuantizeRow(uint32_t(c.type), &wf[r * cols], cols, &wq[r * rb]);
    Weights w{wq.data(), uint32_t(c.type), rows, cols, rb};
    ActQ8 act;
    QuantizeActivationsRef(x.data(), 1, cols, &act);
    std::vector<float> y(rows);
    MatmulQRef(w, act, y.data(), rows, 0, rows);
    for (size_t r = 0; r < rows; ++r) {
      std::vector<float> deq(cols);
      DequantizeRow(uint32_t(c.type), &wq[r * rb], cols, deq.data());
      double want = 0, norm = 0;
      for (size_t i = 0; i < cols; ++i) {
        want += double(deq[i]) * x[i];
        norm += std::fabs(double(deq[i]) * x[i]);
      }
      // int8 activations: about 0.4% relative error per product, averaged.
      EXPECT_NEAR(y[r], want, 0.01 * norm + 1e-3) << c.name << " row " << r;
    }
  }
}

class QuantTarget : public ::testing::TestWithParam<size_t> {};

// Threads quantize disjoint block ranges of one ActQ8 (the feed-forward
// product): any split gives quantize_act's bytes, on every target.
TEST_P(QuantTarget, QuantizeActBlocksEqualsWholeQuantization) {
  const Target& t = AvailableTargets()[GetParam()];
  const size_t tokens = 3, cols = 4864, nb = tokens * cols / 32;
  auto x = Gaussian(tokens * cols, 77);
  for (size_t i = 64; i < 96; ++i) x[i] = 0;  // a zero block
  ActQ8 whole, parts;
  t.ops.quantize_act(x.data(), tokens, cols, &whole);
  parts.Resize(tokens, cols);
  for (size_t b = 0; b < nb;) {
    const size_t e = std::min(nb, b + 1 + b % 37);  // uneven ranges, some across tokens
    t.ops.quantize_act_blocks(x.data(), b, e, &parts);
    b = e;
  }
  EXPECT_EQ(whole.q, parts.q) << t.name;
  EXPECT_EQ(whole.sum, parts.sum) << t.name;
  EXPECT_EQ(0, std::memcmp(whole.d.data(), parts.d.data(), whole.d.size() * 4)) << t.name;
  EXPECT_NE(whole.version, parts.version);
}

TEST_P(QuantTarget, MatmulQBitwiseEqualsReference) {
  const Target& t = AvailableTargets()[GetParam()];
  const Ops& ref = AvailableTargets()[0].ops;
  for (const auto& c : kTypes) {
    for (size_t cols : {64, 160, 256, 768, 896, 2560}) {  // 64, 160: rows shorter than a group
      if (cols % 256 != 0 && (c.type == TensorType::kQ4_K || c.type == TensorType::kQ5_K || c.type == TensorType::kQ6_K)) continue;
      const size_t rows = 7, tokens = 3;
      auto wf = Gaussian(rows * cols, 10 + cols);
      auto x = Gaussian(tokens * cols, 20 + cols);
      x[5] = 0;  // exercise zero and tiny blocks
      for (size_t i = 32; i < 64; ++i) x[i] = 0;
      const size_t rb = RowBytes(c.type, cols);
      std::vector<uint8_t> wq(rows * rb);
      for (size_t r = 0; r < rows; ++r) QuantizeRow(uint32_t(c.type), &wf[r * cols], cols, &wq[r * rb]);
      Weights w{wq.data(), uint32_t(c.type), rows, cols, rb};
      ActQ8 a1, a2;
      t.ops.quantize_act(x.data(), tokens, cols, &a1);
      ref.quantize_act(x.data(), tokens, cols, &a2);
      ASSERT_EQ(0, std::memcmp(a1.q.data(), a2.q.data(), tokens * cols)) << t.name;
      ASSERT_EQ(0, std::memcmp(a1.sum.data(), a2.sum.data(), tokens * cols / 32 * 4)) << t.name;
      ASSERT_EQ(0, std::memcmp(a1.d.data(), a2.d.data(), tokens * cols / 32 * 4)) << t.name;
      std::vector<float> y1(tokens * rows), y2(tokens * rows);
      t.ops.matmul_q(w, a1, y1.data(), rows, 0, rows);
      ref.matmul_q(w, a2, y2.data(), rows, 0, rows);
      EXPECT_EQ(0, std::memcmp(y1.data(), y2.data(), y1.size() * 4)) << t.name << " " << c.name << " cols " << cols;
      // One token alone gives the same bits as in the batch.
      ActQ8 one;
      t.ops.quantize_act(x.data() + cols, 1, cols, &one);
      std::vector<float> y3(rows);
      t.ops.matmul_q(w, one, y3.data(), rows, 0, rows);
      EXPECT_EQ(0, std::memcmp(y3.data(), y1.data() + rows, rows * 4)) << t.name << " " << c.name;
    }
  }
}

// Many tokens and rows: the fused paths tile rows and tokens (prefill); the
// tiles must not change a bit, and every token equals its lone computation.
TEST_P(QuantTarget, MatmulQManyTokensBitwiseEqualsReference) {
  const Target& t = AvailableTargets()[GetParam()];
  const Ops& ref = AvailableTargets()[0].ops;
  for (const auto& c : kTypes) {
    const size_t rows = 20, cols = 2560, tokens = 110;  // 2 row tiles, 2 token tiles
    auto wf = Gaussian(rows * cols, 30);
    auto x = Gaussian(tokens * cols, 40);
    const size_t rb = RowBytes(c.type, cols);
    std::vector<uint8_t> wq(rows * rb);
    for (size_t r = 0; r < rows; ++r) QuantizeRow(uint32_t(c.type), &wf[r * cols], cols, &wq[r * rb]);
    Weights w{wq.data(), uint32_t(c.type), rows, cols, rb};
    ActQ8 a1, a2;
    t.ops.quantize_act(x.data(), tokens, cols, &a1);
    ref.quantize_act(x.data(), tokens, cols, &a2);
    std::vector<float> y1(tokens * rows), y2(tokens * rows);
    t.ops.matmul_q(w, a1, y1.data(), rows, 0, rows);
    ref.matmul_q(w, a2, y2.data(), rows, 0, rows);
    EXPECT_EQ(0, std::memcmp(y1.data(), y2.data(), y1.size() * 4)) << t.name << " " << c.name;
    ActQ8 one;
    t.ops.quantize_act(x.data() + 100 * cols, 1, cols, &one);
    std::vector<float> y3(rows);
    t.ops.matmul_q(w, one, y3.data(), rows, 0, rows);
    EXPECT_EQ(0, std::memcmp(y3.data(), y1.data() + 100 * rows, rows * 4)) << t.name << " " << c.name;
  }
}

// Decode steps of a few sequences (2..8 tokens take the fused paths'
// small-batch kernels, 9 the many-token one): every token count gives the
// reference's bits, and each token the bits of its lone computation; rows
// shorter than a group and rows ending in a partial group included.
TEST_P(QuantTarget, MatmulQSmallBatchesBitwiseEqualsReference) {
  const Target& t = AvailableTargets()[GetParam()];
  const Ops& ref = AvailableTargets()[0].ops;
  for (const auto& c : kTypes) {
    const bool k_quant = c.type == TensorType::kQ4_K || c.type == TensorType::kQ5_K || c.type == TensorType::kQ6_K;
    for (size_t cols : {64, 96, 160, 256, 288, 896, 2560}) {
      if (k_quant && cols % 256 != 0) continue;
      const size_t rows = 13;
      auto wf = Gaussian(rows * cols, 50 + cols);
      const size_t rb = RowBytes(c.type, cols);
      std::vector<uint8_t> wq(rows * rb);
      for (size_t r = 0; r < rows; ++r) QuantizeRow(uint32_t(c.type), &wf[r * cols], cols, &wq[r * rb]);
      Weights w{wq.data(), uint32_t(c.type), rows, cols, rb};
      for (size_t tokens = 1; tokens <= 9; ++tokens) {
        auto x = Gaussian(tokens * cols, 60 + cols + tokens);
        for (size_t i = 0; i < 32; ++i) x[(tokens - 1) * cols + i] = 0;  // a zero block
        x[cols - 1] *= 1000;                                              // a large value
        ActQ8 a1, a2;
        t.ops.quantize_act(x.data(), tokens, cols, &a1);
        ref.quantize_act(x.data(), tokens, cols, &a2);
        std::vector<float> y1(tokens * rows), y2(tokens * rows);
        // Split the rows like the thread pool does: two ranges.
        t.ops.matmul_q(w, a1, y1.data(), rows, 0, 5);
        t.ops.matmul_q(w, a1, y1.data(), rows, 5, rows);
        ref.matmul_q(w, a2, y2.data(), rows, 0, rows);
        EXPECT_EQ(0, std::memcmp(y1.data(), y2.data(), y1.size() * 4))
            << t.name << " " << c.name << " cols " << cols << " tokens " << tokens;
        for (size_t k = 0; k < tokens; ++k) {
          ActQ8 one;
          t.ops.quantize_act(x.data() + k * cols, 1, cols, &one);
          std::vector<float> y3(rows);
          t.ops.matmul_q(w, one, y3.data(), rows, 0, rows);
          EXPECT_EQ(0, std::memcmp(y3.data(), y1.data() + k * rows, rows * 4))
              << t.name << " " << c.name << " cols " << cols << " tokens " << tokens << " token " << k;
        }
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Targets, QuantTarget, ::testing::Range<size_t>(0, AvailableTargets().size()),
                         [](const auto& info) { return AvailableTargets()[info.param].name; });

TEST(Quant, TypePredicates) {
  EXPECT_TRUE(IsQuantizedType(uint32_t(TensorType::kQ4_K)));
  EXPECT_FALSE(IsQuantizedType(uint32_t(TensorType::kF16)));
  EXPECT_TRUE(IsSupportedWeightType(uint32_t(TensorType::kBF16)));
  EXPECT_FALSE(IsSupportedWeightType(uint32_t(TensorType::kQ2_K)));
}

}  // namespace
}  // namespace lithium::kernels
