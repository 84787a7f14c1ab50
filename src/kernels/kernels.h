// The kernel table. Every SIMD target (and the plain scalar reference)
// fills one Ops with the same functions computing the same bits; the model
// picks a table once and calls through it, so dispatch happens once per
// forward step rather than once per op.
//
// Canonical orders (DESIGN.md rule 1), shared by every implementation:
// - Dot products and sums of n floats use 16 virtual accumulators: element i
//   is added (after an IEEE multiply, no FMA) to acc[i % 16] in increasing i;
//   then acc[k] += acc[k + s] for s = 8, 4, 2, 1; the result is acc[0].
//   A 16-lane vector holds all 16, an 8-lane target two vectors, a 4-lane
//   target four: the order never depends on the vector width.
// - Elementwise ops (silu, rope, residual add) have no reduction.
// - Attention: scores in key order, softmax (max, exp, canonical sum, one
//   reciprocal), then the weighted sum of values in key order, vectorised
//   across the head dimension only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace lithium::kernels {

struct ActQ8;  // quant.h

inline constexpr size_t kDotLanes = 16;  // virtual accumulators, see above

// A weight matrix: `rows` rows of `cols` elements each, row-major, in a
// GGUF tensor type: F32, F16, BF16 (matmul) or a quantized type (matmul_q).
struct Weights {
  const void* data = nullptr;
  uint32_t type = 0;  // gguf::TensorType id
  size_t rows = 0, cols = 0;
  size_t row_bytes = 0;
};

struct Ops {
  // Canonical-order dot product of two float vectors.
  float (*dot)(const float* a, const float* b, size_t n);
  // y[t * y_stride + r] = dot(row r of w, x + t * cols) for rows in
  // [r_begin, r_end) and tokens t in [0, n_tokens). Identical bits per row
  // whatever n_tokens is, so a batched prefill equals token-by-token decode.
  void (*matmul)(const Weights& w, const float* x, size_t n_tokens, float* y, size_t y_stride,
                 size_t r_begin, size_t r_end);
  // y = x / sqrt(mean(x^2) + eps) * weight (y may alias x).
  void (*rmsnorm)(const float* x, const float* weight, size_t n, float eps, float* y);
  // In place: x = exp(x - max) / sum.
  void (*softmax)(float* x, size_t n);
  // out = silu(gate) * up (out may alias gate).
  void (*swiglu)(const float* gate, const float* up, size_t n, float* out);
  // y += x.
  void (*add)(float* y, const float* x, size_t n);
  // Rotates each of n_heads vectors of head_dim floats in place by the
  // angles whose (cos, sin) pairs are cos_sin[2i], cos_sin[2i + 1] for
  // i < n_rot / 2. neox: pairs (i, i + n_rot/2); otherwise (2i, 2i + 1).
  void (*rope)(float* x, size_t n_heads, size_t head_dim, size_t n_rot, const float* cos_sin,
               bool neox);
  // One query head against n_keys cached keys/values (rows kv_stride floats
  // apart): out = softmax(scale * q.K) V. scratch holds n_keys floats.
  void (*attention)(const float* q, const float* k, const float* v, size_t kv_stride,
                    size_t n_keys, size_t head_dim, float scale, float* scratch, float* out);
  // Vectorised exp (for tests of the vector path against ExpRef).
  void (*exp)(const float* x, size_t n, float* out);
  // Quantized weights (quant.h): activations to int8 blocks, then the
  // integer-block matmul over rows [r_begin, r_end) for every token of x.
  void (*quantize_act)(const float* x, size_t n_tokens, size_t cols, ActQ8* out);
  // Blocks [b_begin, b_end) of an ActQ8 already sized by Resize (block b is
  // x[32 b .. 32 b + 31] of the [n_tokens, cols] input): the values
  // quantize_act gives them, so threads can quantize disjoint ranges.
  void (*quantize_act_blocks)(const float* x, size_t b_begin, size_t b_end, ActQ8* out);
  void (*matmul_q)(const Weights& w, const ActQ8& x, float* y, size_t y_stride, size_t r_begin,
                   size_t r_end);
};

struct Target {
  std::string name;  // "scalar", "sse4", "avx2", "avx512", "wasm_simd128", ...
  Ops ops;
};

// Every compiled target that this CPU can run, the scalar reference first.
const std::vector<Target>& AvailableTargets();
// The best available target.
const Target& BestTarget();
// By name; nullptr when unknown or unavailable on this machine.
const Target* FindTarget(const std::string& name);
// Names of all targets compiled into this binary (available or not).
std::vector<std::string> CompiledTargetNames();

// The scalar reference (target "scalar").
void FillReferenceOps(Ops* ops);

}  // namespace lithium::kernels
