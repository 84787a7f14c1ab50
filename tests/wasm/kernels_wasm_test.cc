// Kernel determinism tests that run inside WebAssembly (and natively).
//
// GoogleTest is not packaged for wasm32-wasi, so this is a plain program: it
// repeats the checks of src/kernels/kernels_test.cc (every available target
// against the scalar reference, bit for bit: DESIGN.md rule 7), prints
// "N passed, M failed" and exits nonzero on any failure.
//
// Inputs come from a small integer PRNG with exactly representable floats,
// not from <random>'s distributions (libc++ and libstdc++ draw different
// normals). So every platform feeds the kernels the same bits, and the
// printed "reference digest" (SHA-256 over the reference outputs) must be
// the same natively and in wasm: tests/wasm/compare_fingerprints.sh checks
// that, making this a cross-platform test as well as a cross-target one.
//
// usage: kernels_wasm_test [--expect-digest HEX]
//        kernels_wasm_test --bench | --bench-float | --bench-quant
//          (matrix-vector speed per target, all types / float / quantized; no tests)
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "src/base/half.h"
#include "src/base/sha256.h"
#include "src/gguf/gguf.h"
#include "src/kernels/kernels.h"
#include "src/kernels/math.h"
#include "src/kernels/quant.h"

namespace lithium::kernels {
namespace {

int g_passed = 0, g_failed = 0;
Sha256 g_digest;

void Expect(bool ok, const std::string& what) {
  if (ok) {
    ++g_passed;
  } else {
    ++g_failed;
    std::printf("FAIL: %s\n", what.c_str());
  }
}

// splitmix64: a fixed integer sequence on every platform.
struct Rng {
  uint64_t s;
  explicit Rng(uint64_t seed) : s(seed * 0x9e3779b97f4a7c15ull + 1) {}
  uint64_t Next() {
    uint64_t z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  // Uniform in [-1, 1) with 24 significant bits: exact in float.
  float Uniform() { return float(int64_t(Next() >> 40) - (int64_t(1) << 23)) * 0x1p-23f; }
};

// Bell-shaped values (sum of four uniforms) so softmax and exp see a spread
// of magnitudes, like activations do.
std::vector<float> RandomVec(size_t n, uint64_t seed, float scale = 1.0f) {
  Rng rng(seed);
  std::vector<float> v(n);
  for (auto& x : v) {
    float s = rng.Uniform() + rng.Uniform();
    s = s + (rng.Uniform() + rng.Uniform());
    x = s * (0.5f * scale);
  }
  return v;
}

uint32_t Bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

// Bitwise equality; on a mismatch names the first differing element.
void ExpectSameBits(const std::vector<float>& got, const std::vector<float>& want,
                    const std::string& what) {
  if (got.size() != want.size()) {
    Expect(false, what + ": size " + std::to_string(got.size()) + " != " + std::to_string(want.size()));
    return;
  }
  for (size_t i = 0; i < got.size(); ++i) {
    if (Bits(got[i]) != Bits(want[i])) {
      char buf[128];
      std::snprintf(buf, sizeof buf, ": element %zu: %.9g (0x%08x) != reference %.9g (0x%08x)", i,
                    double(got[i]), Bits(got[i]), double(want[i]), Bits(want[i]));
      Expect(false, what + buf);
      return;
    }
  }
  Expect(true, what);
}

// Only the reference outputs feed the digest: the targets must equal them.
void Digest(const std::vector<float>& v) { g_digest.Update(v.data(), v.size() * sizeof(float)); }

const Ops& Ref() { return AvailableTargets()[0].ops; }

const size_t kSizes[] = {1, 3, 8, 15, 16, 17, 31, 33, 64, 100, 257, 896};

void TestDot(const Target& t, bool digest) {
  for (size_t n : kSizes) {
    auto a = RandomVec(n, 1 + n), b = RandomVec(n, 2 + n);
    std::vector<float> got{t.ops.dot(a.data(), b.data(), n)};
    std::vector<float> want{Ref().dot(a.data(), b.data(), n)};
    ExpectSameBits(got, want, t.name + " dot n=" + std::to_string(n));
    if (digest) Digest(want);
  }
}

void TestMatmul(const Target& t, uint32_t type, size_t rows, size_t cols, size_t n_tokens, bool digest) {
  auto wf = RandomVec(rows * cols, 7 + rows + cols, 0.5f);
  const size_t elem = type == uint32_t(gguf::TensorType::kF32) ? 4 : 2;
  std::vector<uint8_t> wbytes(rows * cols * elem);
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
  const std::string what = t.name + " matmul " + gguf::TensorTypeName(type) + " " +
                           std::to_string(rows) + "x" + std::to_string(cols) + " tokens=" +
                           std::to_string(n_tokens);
  ExpectSameBits(got, want, what);
  if (digest) Digest(want);
  // A batched matmul gives each token the bits of a lone one (GEMM == GEMV).
  for (size_t tok = 0; tok < n_tokens; ++tok) {
    std::vector<float> one(rows);
    t.ops.matmul(w, x.data() + tok * cols, 1, one.data(), rows, 0, rows);
    std::vector<float> row(got.begin() + tok * rows, got.begin() + (tok + 1) * rows);
    ExpectSameBits(one, row, what + " single token " + std::to_string(tok));
  }
  // Splitting rows (as threads do natively) changes nothing.
  std::vector<float> split(n_tokens * rows);
  const size_t mid = rows / 3;
  t.ops.matmul(w, x.data(), n_tokens, split.data(), rows, 0, mid);
  t.ops.matmul(w, x.data(), n_tokens, split.data(), rows, mid, rows);
  ExpectSameBits(split, got, what + " split rows");
}

void TestExp(const Target& t, bool digest) {
  std::vector<float> x = RandomVec(1000, 5, 30.0f);
  const float specials[] = {0.0f,    -0.0f,  1.0f,     -1.0f,     kExpHi,   kExpLo,
                            88.0f,   -87.0f, 100.0f,   -100.0f,   1e-30f,   -1e-30f,
                            INFINITY, -INFINITY, 88.37626f, -87.33654f, NAN, 1e-45f};
  for (float s : specials) x.push_back(s);
  std::vector<float> got(x.size()), want(x.size());
  t.ops.exp(x.data(), x.size(), got.data());
  Ref().exp(x.data(), x.size(), want.data());
  // NaN payloads may legitimately differ in sign; any NaN must stay NaN.
  for (size_t i = 0; i < x.size(); ++i) {
    if (std::isnan(x[i]) && std::isnan(got[i]) && std::isnan(want[i])) got[i] = want[i];
  }
  ExpectSameBits(got, want, t.name + " exp (incl. 0, -0, +-inf, NaN, overflow, underflow)");
  if (digest) Digest(want);
}

void TestElementwise(const Target& t, bool digest) {
  for (size_t n : kSizes) {
    const std::string ns = " n=" + std::to_string(n);
    auto x = RandomVec(n, 11 + n, 3.0f), w = RandomVec(n, 12 + n);
    std::vector<float> a(n), b(n);
    t.ops.rmsnorm(x.data(), w.data(), n, 1e-5f, a.data());
    Ref().rmsnorm(x.data(), w.data(), n, 1e-5f, b.data());
    ExpectSameBits(a, b, t.name + " rmsnorm" + ns);
    if (digest) Digest(b);

    a = x;
    b = x;
    t.ops.softmax(a.data(), n);
    Ref().softmax(b.data(), n);
    ExpectSameBits(a, b, t.name + " softmax" + ns);
    if (digest) Digest(b);

    t.ops.swiglu(x.data(), w.data(), n, a.data());
    Ref().swiglu(x.data(), w.data(), n, b.data());
    ExpectSameBits(a, b, t.name + " swiglu" + ns);
    if (digest) Digest(b);

    a = x;
    b = x;
    t.ops.add(a.data(), w.data(), n);
    Ref().add(b.data(), w.data(), n);
    ExpectSameBits(a, b, t.name + " add" + ns);
    if (digest) Digest(b);
  }
  for (bool neox : {false, true}) {
    for (size_t hd : {16, 64}) {
      const size_t heads = 3;
      auto x = RandomVec(heads * hd, 21 + hd), cs = RandomVec(hd, 22 + hd);
      auto a = x, b = x;
      t.ops.rope(a.data(), heads, hd, hd, cs.data(), neox);
      Ref().rope(b.data(), heads, hd, hd, cs.data(), neox);
      ExpectSameBits(a, b, t.name + " rope hd=" + std::to_string(hd) + (neox ? " neox" : " normal"));
      if (digest) Digest(b);
    }
  }
}

void TestAttention(const Target& t, bool digest) {
  for (size_t hd : {8, 17, 64}) {
    for (size_t n_keys : {1, 5, 40}) {
      const size_t stride = hd * 2 + 3;
      auto q = RandomVec(hd, 31), k = RandomVec(n_keys * stride, 32), v = RandomVec(n_keys * stride, 33);
      std::vector<float> s1(n_keys), s2(n_keys), o1(hd), o2(hd);
      const float scale = 1.0f / std::sqrt(float(hd));
      t.ops.attention(q.data(), k.data(), v.data(), stride, n_keys, hd, scale, s1.data(), o1.data());
      Ref().attention(q.data(), k.data(), v.data(), stride, n_keys, hd, scale, s2.data(), o2.data());
      ExpectSameBits(o1, o2, t.name + " attention hd=" + std::to_string(hd) + " keys=" +
                                 std::to_string(n_keys));
      if (digest) Digest(o2);
    }
  }
}

// The quantized types, and whether a row must be whole 256-element
// super-blocks (K-quants).
struct QuantType {
  gguf::TensorType type;
  bool k_quant;
};
const QuantType kQuantTypes[] = {
    {gguf::TensorType::kQ8_0, false}, {gguf::TensorType::kQ4_0, false}, {gguf::TensorType::kQ4_1, false},
    {gguf::TensorType::kQ5_0, false}, {gguf::TensorType::kQ5_1, false}, {gguf::TensorType::kQ4_K, true},
    {gguf::TensorType::kQ5_K, true},  {gguf::TensorType::kQ6_K, true},
};

size_t QuantRowBytes(gguf::TensorType type, size_t cols) {
  uint64_t be = 0, bb = 0;
  gguf::TensorTypeBlock(uint32_t(type), &be, &bb);
  return size_t(cols / be * bb);
}

// A quantized weight matrix: QuantizeRow of deterministic floats (plain
// scalar code, so the same bytes on every platform), or, with `raw`, random
// bytes everywhere except the f16 scales, which get sane values. Raw bytes
// reach what a quantizer never writes (Q8_0's -128, every 6-bit K-quant
// scale and min, Q6_K scales of -128) and subnormal or zero scales.
std::vector<uint8_t> QuantMatrix(gguf::TensorType type, size_t rows, size_t cols, uint64_t seed, bool raw) {
  const size_t rb = QuantRowBytes(type, cols);
  std::vector<uint8_t> out(rows * rb);
  if (!raw) {
    auto wf = RandomVec(rows * cols, seed, 0.5f);
    for (size_t r = 0; r < rows; ++r) QuantizeRow(uint32_t(type), &wf[r * cols], cols, &out[r * rb]);
    return out;
  }
  Rng rng(seed);
  for (auto& b : out) b = uint8_t(rng.Next() >> 56);
  uint64_t be = 0, bb = 0;
  gguf::TensorTypeBlock(uint32_t(type), &be, &bb);
  // Offsets of the f16 fields within a format block.
  std::vector<size_t> halves;
  switch (type) {
    case gguf::TensorType::kQ8_0: case gguf::TensorType::kQ4_0: case gguf::TensorType::kQ5_0: halves = {0}; break;
    case gguf::TensorType::kQ6_K: halves = {208}; break;
    default: halves = {0, 2}; break;  // Q4_1, Q5_1 (d, m); Q4_K, Q5_K (d, dmin)
  }
  size_t i = 0;
  for (size_t blk = 0; blk < out.size() / bb; ++blk) {
    for (size_t off : halves) {
      // Mostly ordinary scales; every 13th a subnormal, every 17th zero
      // (of either sign), which the SIMD half conversion must get right.
      float v = rng.Uniform() * 0.01f;
      uint16_t h = F32ToF16(v);
      if (i % 13 == 5) h = uint16_t(rng.Next() >> 54);  // subnormal: exponent 0
      if (i % 17 == 3) h = i % 2 ? 0x8000 : 0x0000;
      std::memcpy(&out[blk * bb + off], &h, 2);
      ++i;
    }
  }
  return out;
}

void TestQuant(const Target& t, bool digest) {
  for (const QuantType& qt : kQuantTypes) {
    const std::string tname = gguf::TensorTypeName(uint32_t(qt.type));
    // 896 (28 blocks: three groups of 8 and 4 left over) is Qwen2-0.5B's
    // width; K-quant rows are whole super-blocks.
    for (size_t cols : {256, 768, 896, 2560}) {
      if (qt.k_quant && cols % 256 != 0) continue;
      for (bool raw : {false, true}) {
        const size_t rows = 7, tokens = 3;
        const std::string what = t.name + " " + tname + " cols=" + std::to_string(cols) + (raw ? " raw bytes" : "");
        auto x = RandomVec(tokens * cols, 40 + cols, 2.0f);
        x[5] = 0;  // a zero and an all-zero block
        for (size_t i = 32; i < 64; ++i) x[i] = 0;
        ActQ8 a1, a2;
        t.ops.quantize_act(x.data(), tokens, cols, &a1);
        Ref().quantize_act(x.data(), tokens, cols, &a2);
        const size_t nb = tokens * cols / kQBlock;
        Expect(std::memcmp(a1.q.data(), a2.q.data(), tokens * cols) == 0 &&
                   std::memcmp(a1.d.data(), a2.d.data(), nb * 4) == 0 &&
                   std::memcmp(a1.sum.data(), a2.sum.data(), nb * 4) == 0,
               what + " quantize_act");
        if (digest) {
          g_digest.Update(a2.q.data(), tokens * cols);
          g_digest.Update(a2.d.data(), nb * 4);
        }
        auto wq = QuantMatrix(qt.type, rows, cols, 50 + cols + (raw ? 1000 : 0), raw);
        Weights w{wq.data(), uint32_t(qt.type), rows, cols, QuantRowBytes(qt.type, cols)};
        std::vector<float> got(tokens * rows), want(tokens * rows);
        t.ops.matmul_q(w, a2, got.data(), rows, 0, rows);
        Ref().matmul_q(w, a2, want.data(), rows, 0, rows);
        ExpectSameBits(got, want, what + " matmul_q tokens=3");
        if (digest) Digest(want);
        // Each token alone (the decode path) gives the bits of the batch.
        for (size_t tok = 0; tok < tokens; ++tok) {
          ActQ8 one;
          t.ops.quantize_act(x.data() + tok * cols, 1, cols, &one);
          std::vector<float> y1(rows);
          t.ops.matmul_q(w, one, y1.data(), rows, 0, rows);
          ExpectSameBits(y1, std::vector<float>(want.begin() + tok * rows, want.begin() + (tok + 1) * rows),
                         what + " single token " + std::to_string(tok));
        }
        // Splitting rows (as threads do natively) changes nothing.
        std::vector<float> split(tokens * rows);
        t.ops.matmul_q(w, a2, split.data(), rows, 0, 3);
        t.ops.matmul_q(w, a2, split.data(), rows, 3, rows);
        ExpectSameBits(split, want, what + " split rows");
        // Decode over more rows than the wasm kernel's batch of 4 (four
        // row streams of 5, one row left over), whole and split at row 5.
        {
          const size_t rows2 = 21;
          auto wq2 = QuantMatrix(qt.type, rows2, cols, 60 + cols + (raw ? 1000 : 0), raw);
          Weights w2{wq2.data(), uint32_t(qt.type), rows2, cols, QuantRowBytes(qt.type, cols)};
          ActQ8 one;
          t.ops.quantize_act(x.data(), 1, cols, &one);
          std::vector<float> got2(rows2), want2(rows2), part(rows2);
          t.ops.matmul_q(w2, one, got2.data(), rows2, 0, rows2);
          Ref().matmul_q(w2, one, want2.data(), rows2, 0, rows2);
          ExpectSameBits(got2, want2, what + " single token, 21 rows");
          t.ops.matmul_q(w2, one, part.data(), rows2, 0, 5);
          t.ops.matmul_q(w2, one, part.data(), rows2, 5, rows2);
          ExpectSameBits(part, want2, what + " single token, 21 rows split");
        }
      }
    }
  }
}

// The reference itself is accurate, not only consistent (against this
// platform's libm, which is wasi-libc's musl inside wasm).
void TestMathAccuracy() {
  double worst = 0;
  for (float x = -87.0f; x < 88.0f; x += 0.0137f) {
    worst = std::fmax(worst, std::fabs(double(ExpRef(x)) / std::exp(double(x)) - 1.0));
  }
  Expect(worst < 4e-7, "ExpRef relative error " + std::to_string(worst) + " < 4e-7");
  Expect(ExpRef(0.0f) == 1.0f && ExpRef(-200.0f) == 0.0f && std::isinf(ExpRef(200.0f)) &&
             std::isnan(ExpRef(NAN)),
         "ExpRef special values");
  bool ok = true;
  for (double x = -50; x < 50; x += 0.377) ok &= std::fabs(ExpD(x) / std::exp(x) - 1.0) < 1e-14;
  for (double x = 1e-6; x < 1e6; x *= 1.7) {
    ok &= std::fabs(LogD(x) - std::log(x)) < 1e-13 * (1 + std::fabs(std::log(x)));
  }
  for (double x = -2000; x < 30000; x += 1.2345) {
    double s, c;
    SinCosD(x, &s, &c);
    ok &= std::fabs(s - std::sin(x)) < 1e-12 && std::fabs(c - std::cos(x)) < 1e-12;
  }
  Expect(ok, "ExpD, LogD, SinCosD accurate to 1e-12");
  ok = true;
  for (uint32_t h = 0; h < 65536; ++h) {
    float f = F16ToF32(uint16_t(h));
    if (!std::isnan(f)) ok &= F32ToF16(f) == h;
  }
  Expect(ok && F32ToF16(65520.0f) == 0x7c00 && Bf16ToF32(F32ToBf16(1.5f)) == 1.5f,
         "half and bfloat16 round trips");
}

// Seconds per call of fn: the fastest single call over at least 0.5 s of
// calls. On a shared, loaded machine an average mixes in other processes'
// time slices; a call of a millisecond or less usually runs uninterrupted.
template <typename Fn>
double TimeBest(Fn fn) {
  double best = 1e30, total = 0;
  do {
    const auto t0 = std::chrono::steady_clock::now();
    fn();
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    best = std::fmin(best, secs);
    total += secs;
  } while (total < 0.5);
  return best;
}

// Decode-step matrix-vector speed on the Qwen2-0.5B shapes: the FFN's
// 4864 x 896 (8.7 MB in F16: larger than L2, so memory traffic counts as it
// would), the attention's 896 x 896 and, for quantized types, ffn_down's
// 896 x 4864. One token of that model costs 2 x 493.9 M multiply-adds (24
// layers of q, k, v, o, gate, up, down plus the 151936 x 896 output
// matrix), hence the implied tokens/s at the FFN's rate.
void Bench(bool floats, bool quants) {
  const double kQwen05Flops = 2.0 * 493.9e6;
  auto report = [&](const Target& t, uint32_t type, size_t rows, size_t cols, double secs) {
    const double gflops = 2.0 * rows * cols / secs / 1e9;
    std::printf("bench %-13s %-4s %5zu x %-4zu %8.3f ms  %6.2f GFLOP/s", t.name.c_str(), gguf::TensorTypeName(type),
                rows, cols, secs * 1e3, gflops);
    if (rows == 4864) std::printf("  (Qwen2-0.5B shape: ~%.1f tokens/s)", gflops * 1e9 / kQwen05Flops);
    std::printf("\n");
  };
  for (const Target& t : AvailableTargets()) {
    if (floats) {
      const uint32_t types[] = {uint32_t(gguf::TensorType::kF32), uint32_t(gguf::TensorType::kF16),
                                uint32_t(gguf::TensorType::kBF16)};
      const size_t shapes[][2] = {{4864, 896}, {896, 896}};
      for (uint32_t type : types) {
        for (const auto& shape : shapes) {
          const size_t rows = shape[0], cols = shape[1];
          const size_t elem = type == uint32_t(gguf::TensorType::kF32) ? 4 : 2;
          auto wf = RandomVec(rows * cols, 3, 0.05f);
          std::vector<uint8_t> wbytes(rows * cols * elem);
          for (size_t i = 0; i < rows * cols; ++i) {
            if (elem == 4) {
              std::memcpy(&wbytes[4 * i], &wf[i], 4);
            } else {
              uint16_t h = type == uint32_t(gguf::TensorType::kF16) ? F32ToF16(wf[i]) : F32ToBf16(wf[i]);
              std::memcpy(&wbytes[2 * i], &h, 2);
            }
          }
          Weights w{wbytes.data(), type, rows, cols, cols * elem};
          auto x = RandomVec(cols, 4);
          std::vector<float> y(rows);
          report(t, type, rows, cols, TimeBest([&] { t.ops.matmul(w, x.data(), 1, y.data(), rows, 0, rows); }));
        }
      }
    }
    if (quants) {
      // Activation quantization included, as the forward pass calls it.
      // 896 x 896 in Q4_0 is 450 KB, cache-resident: the compute rate.
      const size_t shapes[][2] = {{4864, 896}, {896, 4864}, {896, 896}};
      for (const QuantType& qt : kQuantTypes) {
        for (const auto& shape : shapes) {
          const size_t rows = shape[0], cols = shape[1];
          if (qt.k_quant && cols % 256 != 0) continue;  // K-quant rows are whole super-blocks
          auto wq = QuantMatrix(qt.type, rows, cols, 3, false);
          Weights w{wq.data(), uint32_t(qt.type), rows, cols, QuantRowBytes(qt.type, cols)};
          auto x = RandomVec(cols, 4);
          std::vector<float> y(rows);
          ActQ8 act;
          report(t, uint32_t(qt.type), rows, cols, TimeBest([&] {
                   t.ops.quantize_act(x.data(), 1, cols, &act);
                   t.ops.matmul_q(w, act, y.data(), rows, 0, rows);
                 }));
        }
      }
    }
  }
}

int Main(int argc, char** argv) {
  std::string expect_digest;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--expect-digest") == 0 && i + 1 < argc) {
      expect_digest = argv[++i];
    } else if (std::strcmp(argv[i], "--bench") == 0 || std::strcmp(argv[i], "--bench-float") == 0 ||
               std::strcmp(argv[i], "--bench-quant") == 0) {
      Bench(std::strcmp(argv[i], "--bench-quant") != 0, std::strcmp(argv[i], "--bench-float") != 0);
      return 0;
    } else {
      std::fprintf(stderr, "usage: %s [--expect-digest HEX | --bench | --bench-float | --bench-quant]\n", argv[0]);
      return 2;
    }
  }
  const auto& targets = AvailableTargets();
  Expect(!targets.empty() && targets[0].name == "scalar", "the scalar reference comes first");
  Expect(FindTarget("scalar") != nullptr && FindTarget("no-such-target") == nullptr, "FindTarget");
#if defined(__wasm__)
  // Without this the loop below could pass vacuously on a build that lost
  // its SIMD128 table.
  Expect(FindTarget("wasm_simd128") != nullptr, "wasm_simd128 is available");
  Expect(BestTarget().name == "wasm_simd128", "wasm_simd128 is the best target");
#endif
  for (const Target& t : targets) std::printf("target: %s\n", t.name.c_str());

  const uint32_t types[] = {uint32_t(gguf::TensorType::kF32), uint32_t(gguf::TensorType::kF16),
                            uint32_t(gguf::TensorType::kBF16)};
  // Target 0 is the reference: comparing it with itself still feeds the
  // digest and runs every kernel once.
  for (size_t i = 0; i < targets.size(); ++i) {
    const Target& t = targets[i];
    const bool digest = i == 0;
    TestDot(t, digest);
    for (uint32_t type : types) {
      TestMatmul(t, type, 13, 64, 3, digest);
      TestMatmul(t, type, 37, 100, 5, digest);
      TestMatmul(t, type, 8, 7, 2, digest);
    }
    TestExp(t, digest);
    TestElementwise(t, digest);
    TestAttention(t, digest);
    TestQuant(t, digest);
  }
  TestMathAccuracy();

  const std::string digest = g_digest.FinishHex();
  std::printf("reference digest: %s\n", digest.c_str());
  if (!expect_digest.empty()) {
    Expect(digest == expect_digest, "reference digest equals the expected " + expect_digest);
  }
  std::printf("%d passed, %d failed\n", g_passed, g_failed);
  return g_failed == 0 ? 0 : 1;
}

}  // namespace
}  // namespace lithium::kernels

int main(int argc, char** argv) { return lithium::kernels::Main(argc, argv); }
