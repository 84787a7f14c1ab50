// Quantized tensor formats (GGUF/ggml block layouts, bit-exact) and the
// quantized matmul's canonical order.
//
// Activations are quantized to int8 in blocks of 32 (ActQ8): for each block,
// d = amax / 127 and q_i = round-half-even(x_i * (127 / amax)), with the
// block's integer sum kept for formats with minimums.
//
// The dot product of a weight row with an ActQ8 row is defined block by block
// (32 elements; K-quant super-blocks are split into 32-element blocks):
//   I_b = exact integer sum of weight quants times activation quants (K-quant
//         sub-block scales folded in as integers),
//   M_b = exact integer min-scale times the activation block sum,
//   f_b = float(I_b) * (D_b * dx_b)  [+ float(M_b) * (Dm_b * dx_b)]
// where D_b, Dm_b are the block's float scale and min factor. Block results
// go to 8 virtual accumulators, acc[b % 8] += f_b in increasing b, combined
// as acc[k] += acc[k + s] for s = 4, 2, 1. The integer parts are exact, so
// every SIMD target may compute them in any order; the float steps are
// fixed. A row's bits therefore do not depend on the target, the thread
// count, or how many tokens share the matmul.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "src/kernels/kernels.h"

namespace lithium::kernels {

inline constexpr size_t kQBlock = 32;      // activation block and I_b granularity
inline constexpr size_t kQBlockSums = 8;   // virtual accumulators across blocks

// Quantized activations for n_tokens rows of `cols` values (cols % 32 == 0).
struct ActQ8 {
  size_t n_tokens = 0, cols = 0;
  std::vector<int8_t> q;     // [n_tokens * cols]
  std::vector<float> d;      // [n_tokens * cols / 32]
  std::vector<int32_t> sum;  // [n_tokens * cols / 32]
  // Slack after the last row lets SIMD code read a whole group of 8 blocks
  // past a row's end; the values read there are masked out, never used.
  static constexpr size_t kSlackBlocks = 8;
  // A number no other quantization has had (every quantize_act resizes):
  // kernels that derive a layout from the activations (the small-batch x86
  // path) rebuild it only when this changes, not on every row range.
  uint64_t version = 0;
  void Resize(size_t tokens, size_t c) {
    static std::atomic<uint64_t> counter{0};
    version = counter.fetch_add(1, std::memory_order_relaxed) + 1;
    n_tokens = tokens;
    cols = c;
    q.resize(tokens * c + kSlackBlocks * kQBlock);
    d.resize(tokens * c / kQBlock + kSlackBlocks);
    sum.resize(tokens * c / kQBlock + kSlackBlocks);
  }
};

// True for the quantized types the kernels run.
bool IsQuantizedType(uint32_t type);
// True for any type the matmul accepts (float or quantized).
bool IsSupportedWeightType(uint32_t type);

// Dequantizes n values (a whole number of blocks) of `type` to float, exactly
// as ggml defines each format.
void DequantizeRow(uint32_t type, const void* src, size_t n, float* out);

// Quantizes n floats (a whole number of blocks) into `type`'s blocks. Plain
// scalar code with a fixed operation order: the same input gives the same
// bytes on every platform. Returns false for types it cannot write.
bool QuantizeRow(uint32_t type, const float* src, size_t n, void* out);

// The scalar reference of the two kernel entries below.
void QuantizeActivationsRef(const float* x, size_t n_tokens, size_t cols, ActQ8* out);
void QuantizeActivationBlocksRef(const float* x, size_t b_begin, size_t b_end, ActQ8* out);
void MatmulQRef(const Weights& w, const ActQ8& x, float* y, size_t y_stride, size_t r_begin,
                size_t r_end);

}  // namespace lithium::kernels
