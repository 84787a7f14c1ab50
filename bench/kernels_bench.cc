// Kernel microbenchmarks (issue 4), one per kernel, type and target:
//   BM_MatmulQ/<type>/<target>/<tokens>  quantized matmul of a 4864 x 896
//       matrix (a Qwen2.5-0.5B FFN projection). Counters: GB/s of weight
//       bytes read (the decode figure: one token is bandwidth-bound) and
//       GOP/s (2 ops per multiply-add; the prefill figure). Tokens 1, 2, 4
//       and 8 are decode steps of that many sequences, 64 a prefill chunk.
//   BM_MatmulF/<type>/<target>/<tokens>  the same for F32, F16 and BF16.
//   BM_Dot, BM_Rmsnorm, BM_Softmax, BM_Attention: GB/s or GOP/s.
// Single-threaded: the thread pool splits rows, so per-core speed is the
// figure that matters. The matrix is 4.4 MB in Q4_0, larger than L2 but
// inside this machine's L3, so 1-token figures are a per-core kernel
// ceiling, not DRAM bandwidth; `lithium bench --membw` measures that.
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "src/base/half.h"
#include "src/gguf/gguf.h"
#include "src/kernels/kernels.h"
#include "src/kernels/quant.h"

namespace lithium::kernels {
namespace {

using gguf::TensorType;

constexpr size_t kRows = 4864, kCols = 896;
// K-quant rows are whole 256-element super-blocks: 896 is not one.
size_t ColsFor(TensorType t) {
  return t == TensorType::kQ4_K || t == TensorType::kQ5_K || t == TensorType::kQ6_K ? 1024 : kCols;
}

std::vector<float> Gaussian(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> v(n);
  for (float& f : v) f = dist(rng);
  return v;
}

size_t RowBytes(TensorType type, size_t cols) {
  uint64_t be = 0, bb = 0;
  gguf::TensorTypeBlock(uint32_t(type), &be, &bb);
  return size_t(cols / be * bb);
}

const Target* FindTarget(const std::string& name) {
  for (const Target& t : AvailableTargets()) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

void SetCounters(benchmark::State& state, double bytes, double ops) {
  state.counters["GB/s"] = benchmark::Counter(bytes, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["GOP/s"] = benchmark::Counter(ops, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_MatmulQ(benchmark::State& state, TensorType type, std::string target) {
  const Target* t = FindTarget(target);
  if (t == nullptr) {
    state.SkipWithError(("target not available on this CPU: " + target).c_str());
    return;
  }
  const size_t tokens = size_t(state.range(0));
  const size_t kCols = ColsFor(type);
  const size_t rb = RowBytes(type, kCols);
  std::vector<uint8_t> wq(kRows * rb);
  const auto wf = Gaussian(kRows * kCols, 1);
  for (size_t r = 0; r < kRows; ++r) QuantizeRow(uint32_t(type), &wf[r * kCols], kCols, &wq[r * rb]);
  const Weights w{wq.data(), uint32_t(type), kRows, kCols, rb};
  const auto x = Gaussian(tokens * kCols, 2);
  ActQ8 a;
  t->ops.quantize_act(x.data(), tokens, kCols, &a);
  std::vector<float> y(tokens * kRows);
  for (auto _ : state) {
    t->ops.matmul_q(w, a, y.data(), kRows, 0, kRows);
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  SetCounters(state, double(wq.size()), 2.0 * kRows * kCols * tokens);
}

void BM_MatmulF(benchmark::State& state, TensorType type, std::string target) {
  const Target* t = FindTarget(target);
  if (t == nullptr) {
    state.SkipWithError(("target not available on this CPU: " + target).c_str());
    return;
  }
  const size_t tokens = size_t(state.range(0));
  const auto wf = Gaussian(kRows * kCols, 1);
  std::vector<uint16_t> w16(kRows * kCols);
  const void* data = wf.data();
  size_t esize = 4;
  if (type == TensorType::kF16 || type == TensorType::kBF16) {
    for (size_t i = 0; i < w16.size(); ++i) w16[i] = type == TensorType::kF16 ? F32ToF16(wf[i]) : F32ToBf16(wf[i]);
    data = w16.data();
    esize = 2;
  }
  const Weights w{data, uint32_t(type), kRows, kCols, kCols * esize};
  const auto x = Gaussian(tokens * kCols, 2);
  std::vector<float> y(tokens * kRows);
  for (auto _ : state) {
    t->ops.matmul(w, x.data(), tokens, y.data(), kRows, 0, kRows);
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  SetCounters(state, double(kRows * kCols * esize), 2.0 * kRows * kCols * tokens);
}

void BM_Dot(benchmark::State& state, std::string target) {
  const Target* t = FindTarget(target);
  if (t == nullptr) {
    state.SkipWithError("target not available");
    return;
  }
  const size_t n = 4096;
  const auto a = Gaussian(n, 1), b = Gaussian(n, 2);
  for (auto _ : state) benchmark::DoNotOptimize(t->ops.dot(a.data(), b.data(), n));
  SetCounters(state, 8.0 * n, 2.0 * n);
}

void BM_Rmsnorm(benchmark::State& state, std::string target) {
  const Target* t = FindTarget(target);
  if (t == nullptr) {
    state.SkipWithError("target not available");
    return;
  }
  const size_t n = kCols;
  const auto x = Gaussian(n, 1), g = Gaussian(n, 2);
  std::vector<float> y(n);
  for (auto _ : state) {
    t->ops.rmsnorm(x.data(), g.data(), n, 1e-6f, y.data());
    benchmark::DoNotOptimize(y.data());
  }
  SetCounters(state, 12.0 * n, 4.0 * n);
}

void BM_Softmax(benchmark::State& state, std::string target) {
  const Target* t = FindTarget(target);
  if (t == nullptr) {
    state.SkipWithError("target not available");
    return;
  }
  const size_t n = 1024;
  const auto x0 = Gaussian(n, 1);
  std::vector<float> x(n);
  for (auto _ : state) {
    x = x0;
    t->ops.softmax(x.data(), n);
    benchmark::DoNotOptimize(x.data());
  }
  SetCounters(state, 8.0 * n, 4.0 * n);
}

// One head (64 wide) of a decode step against 512 cached positions.
void BM_Attention(benchmark::State& state, std::string target) {
  const Target* t = FindTarget(target);
  if (t == nullptr) {
    state.SkipWithError("target not available");
    return;
  }
  const size_t keys = 512, hd = 64;
  const auto q = Gaussian(hd, 1), k = Gaussian(keys * hd, 2), v = Gaussian(keys * hd, 3);
  std::vector<float> scratch(keys), out(hd);
  for (auto _ : state) {
    t->ops.attention(q.data(), k.data(), v.data(), hd, keys, hd, 0.125f, scratch.data(), out.data());
    benchmark::DoNotOptimize(out.data());
  }
  SetCounters(state, 8.0 * keys * hd, 4.0 * keys * hd);
}

int Register() {
  const std::pair<const char*, TensorType> qtypes[] = {
      {"q8_0", TensorType::kQ8_0}, {"q4_0", TensorType::kQ4_0}, {"q4_1", TensorType::kQ4_1},
      {"q5_0", TensorType::kQ5_0}, {"q5_1", TensorType::kQ5_1}, {"q4_k", TensorType::kQ4_K},
      {"q5_k", TensorType::kQ5_K}, {"q6_k", TensorType::kQ6_K}};
  const std::pair<const char*, TensorType> ftypes[] = {
      {"f32", TensorType::kF32}, {"f16", TensorType::kF16}, {"bf16", TensorType::kBF16}};
  for (const Target& t : AvailableTargets()) {
    for (const auto& [name, type] : qtypes) {
      benchmark::RegisterBenchmark(("BM_MatmulQ/" + std::string(name) + "/" + t.name).c_str(), BM_MatmulQ, type, t.name)
          ->Arg(1)
          ->Arg(2)
          ->Arg(4)
          ->Arg(8)
          ->Arg(64)
          ->Unit(benchmark::kMicrosecond);
    }
    for (const auto& [name, type] : ftypes) {
      benchmark::RegisterBenchmark(("BM_MatmulF/" + std::string(name) + "/" + t.name).c_str(), BM_MatmulF, type, t.name)
          ->Arg(1)
          ->Arg(64)
          ->Unit(benchmark::kMicrosecond);
    }
    benchmark::RegisterBenchmark(("BM_Dot/" + t.name).c_str(), BM_Dot, t.name);
    benchmark::RegisterBenchmark(("BM_Rmsnorm/" + t.name).c_str(), BM_Rmsnorm, t.name);
    benchmark::RegisterBenchmark(("BM_Softmax/" + t.name).c_str(), BM_Softmax, t.name);
    benchmark::RegisterBenchmark(("BM_Attention/" + t.name).c_str(), BM_Attention, t.name);
  }
  return 0;
}
const int kRegistered = Register();

}  // namespace
}  // namespace lithium::kernels

BENCHMARK_MAIN();
