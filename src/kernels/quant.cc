// Block formats of ggml's quantized types (layouts as in ggml-common.h),
// their dequantization and quantization, and the scalar reference of the
// quantized matmul in the canonical order documented in quant.h.
#include "src/kernels/quant.h"

#include <cstring>

#include "src/base/half.h"
#include "src/gguf/gguf.h"
#include "src/kernels/quant_blocks.h"

namespace lithium::kernels {

using gguf::TensorType;

bool IsQuantizedType(uint32_t t) {
  switch (static_cast<TensorType>(t)) {
    case TensorType::kQ8_0: case TensorType::kQ4_0: case TensorType::kQ4_1:
    case TensorType::kQ5_0: case TensorType::kQ5_1: case TensorType::kQ4_K:
    case TensorType::kQ5_K: case TensorType::kQ6_K:
      return true;
    default:
      return false;
  }
}

bool IsSupportedWeightType(uint32_t t) {
  return IsQuantizedType(t) || t == uint32_t(TensorType::kF32) || t == uint32_t(TensorType::kF16) ||
         t == uint32_t(TensorType::kBF16);
}

// ---------------------------------------------------------------------------
// Dequantization: ggml's formulas, in ggml's operation order.

void DequantizeRow(uint32_t type, const void* src, size_t n, float* y) {
  const uint8_t* p = static_cast<const uint8_t*>(src);
  switch (static_cast<TensorType>(type)) {
    case TensorType::kF32: std::memcpy(y, p, n * 4); return;
    case TensorType::kF16:
      for (size_t i = 0; i < n; ++i) y[i] = F16ToF32(Load16(p + 2 * i));
      return;
    case TensorType::kBF16:
      for (size_t i = 0; i < n; ++i) y[i] = Bf16ToF32(Load16(p + 2 * i));
      return;
    case TensorType::kQ8_0:
      for (size_t b = 0; b < n / 32; ++b, p += 34) {
        const float d = F16ToF32(Load16(p));
        for (int j = 0; j < 32; ++j) y[32 * b + j] = int8_t(p[2 + j]) * d;
      }
      return;
    case TensorType::kQ4_0:
      for (size_t b = 0; b < n / 32; ++b, p += 18) {
        const float d = F16ToF32(Load16(p));
        for (int j = 0; j < 16; ++j) {
          y[32 * b + j] = ((p[2 + j] & 0x0F) - 8) * d;
          y[32 * b + j + 16] = ((p[2 + j] >> 4) - 8) * d;
        }
      }
      return;
    case TensorType::kQ4_1:
      for (size_t b = 0; b < n / 32; ++b, p += 20) {
        const float d = F16ToF32(Load16(p)), m = F16ToF32(Load16(p + 2));
        for (int j = 0; j < 16; ++j) {
          y[32 * b + j] = (p[4 + j] & 0x0F) * d + m;
          y[32 * b + j + 16] = (p[4 + j] >> 4) * d + m;
        }
      }
      return;
    case TensorType::kQ5_0:
      for (size_t b = 0; b < n / 32; ++b, p += 22) {
        const float d = F16ToF32(Load16(p));
        const uint32_t qh = Load32(p + 2);
        for (int j = 0; j < 16; ++j) {
          y[32 * b + j] = (((p[6 + j] & 0x0F) | int(((qh >> j) << 4) & 0x10)) - 16) * d;
          y[32 * b + j + 16] = (((p[6 + j] >> 4) | int((qh >> (j + 12)) & 0x10)) - 16) * d;
        }
      }
      return;
    case TensorType::kQ5_1:
      for (size_t b = 0; b < n / 32; ++b, p += 24) {
        const float d = F16ToF32(Load16(p)), m = F16ToF32(Load16(p + 2));
        const uint32_t qh = Load32(p + 4);
        for (int j = 0; j < 16; ++j) {
          y[32 * b + j] = ((p[8 + j] & 0x0F) | int(((qh >> j) << 4) & 0x10)) * d + m;
          y[32 * b + j + 16] = ((p[8 + j] >> 4) | int((qh >> (j + 12)) & 0x10)) * d + m;
        }
      }
      return;
    case TensorType::kQ4_K:
    case TensorType::kQ5_K: {
      const bool five = type == uint32_t(TensorType::kQ5_K);
      const size_t bytes = five ? 176 : 144;
      for (size_t sb = 0; sb < n / 256; ++sb, p += bytes) {
        const float d = F16ToF32(Load16(p)), dmin = F16ToF32(Load16(p + 2));
        const uint8_t* scales = p + 4;
        const uint8_t* qh = p + 16;
        const uint8_t* ql = p + (five ? 48 : 16);
        float* out = y + 256 * sb;
        for (int j = 0; j < 4; ++j) {
          uint8_t sc, m;
          ScaleMinK4(2 * j, scales, &sc, &m);
          const float d1 = d * sc, m1 = dmin * m;
          ScaleMinK4(2 * j + 1, scales, &sc, &m);
          const float d2 = d * sc, m2 = dmin * m;
          const uint8_t u1 = uint8_t(1 << (2 * j)), u2 = uint8_t(2 << (2 * j));
          for (int l = 0; l < 32; ++l) {
            const int hi1 = five && (qh[l] & u1) ? 16 : 0;
            const int hi2 = five && (qh[l] & u2) ? 16 : 0;
            out[64 * j + l] = d1 * ((ql[32 * j + l] & 0xF) + hi1) - m1;
            out[64 * j + 32 + l] = d2 * ((ql[32 * j + l] >> 4) + hi2) - m2;
          }
        }
      }
      return;
    }
    case TensorType::kQ6_K:
      for (size_t sb = 0; sb < n / 256; ++sb, p += 210) {
        const float d = F16ToF32(Load16(p + 208));
        for (int h = 0; h < 2; ++h) {
          const uint8_t* ql = p + 64 * h;
          const uint8_t* qh = p + 128 + 32 * h;
          const int8_t* sc = reinterpret_cast<const int8_t*>(p + 192 + 8 * h);
          float* out = y + 256 * sb + 128 * h;
          for (int l = 0; l < 32; ++l) {
            const int is = l / 16;
            const int q1 = ((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
            const int q2 = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
            const int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
            const int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
            out[l] = d * sc[is + 0] * q1;
            out[l + 32] = d * sc[is + 2] * q2;
            out[l + 64] = d * sc[is + 4] * q3;
            out[l + 96] = d * sc[is + 6] * q4;
          }
        }
      }
      return;
    default:
      std::memset(y, 0, n * 4);
      return;
  }
}

// ---------------------------------------------------------------------------
// The reference quantized matmul.

void QuantizeActivationsRef(const float* x, size_t n_tokens, size_t cols, ActQ8* out) {
  out->Resize(n_tokens, cols);
  QuantizeActivationBlocksRef(x, 0, n_tokens * cols / kQBlock, out);
}

void QuantizeActivationBlocksRef(const float* x, size_t b_begin, size_t b_end, ActQ8* out) {
  for (size_t b = b_begin; b < b_end; ++b) {
    const float* xb = x + b * kQBlock;
    float amax = 0.0f;
    for (size_t i = 0; i < kQBlock; ++i) {
      const float a = xb[i] < 0 ? -xb[i] : xb[i];
      amax = a > amax ? a : amax;
    }
    const float d = amax / 127.0f;
    const float id = amax > 0.0f ? 127.0f / amax : 0.0f;
    int32_t sum = 0;
    for (size_t i = 0; i < kQBlock; ++i) {
      const int32_t q = RoundHalfEven(xb[i] * id);
      out->q[b * kQBlock + i] = int8_t(q);
      sum += q;
    }
    out->d[b] = d;
    out->sum[b] = sum;
  }
}

void MatmulQRef(const Weights& w, const ActQ8& x, float* y, size_t y_stride, size_t r_begin,
                size_t r_end) {
  const size_t nb = w.cols / kQBlock;
  std::vector<BlockTerms> terms(nb);
  for (size_t r = r_begin; r < r_end; ++r) {
    const uint8_t* row = static_cast<const uint8_t*>(w.data) + r * w.row_bytes;
    for (size_t t = 0; t < x.n_tokens; ++t) {
      const int8_t* xq = x.q.data() + t * x.cols;
      const int32_t* xs = x.sum.data() + t * nb;
      RowBlockTermsRef(w.type, row, xq, xs, nb, terms.data());
      y[t * y_stride + r] = CombineBlocksRef(terms.data(), x.d.data() + t * nb, nb, TypeHasMin(w.type));
    }
  }
}

}  // namespace lithium::kernels
