// Internal helpers of the quantized formats: byte loads, K-quant scale
// unpacking, rounding, and the per-block terms of the canonical dot product
// (quant.h). Shared by the scalar reference and the SIMD code.
#pragma once

#include <cstdint>
#include <cstring>

#include "src/base/half.h"
#include "src/gguf/gguf.h"

namespace lithium::kernels {

inline uint16_t Load16(const uint8_t* p) { uint16_t v; std::memcpy(&v, p, 2); return v; }
inline uint32_t Load32(const uint8_t* p) { uint32_t v; std::memcpy(&v, p, 4); return v; }

// Round half to even with the 1.5 * 2^23 trick: exact for |x| < 2^22. The
// SIMD code rounds with the same rule (NearestInt / the same trick).
inline int32_t RoundHalfEven(float x) {
  const float magic = 12582912.0f;
  return static_cast<int32_t>((x + magic) - magic);
}

// The 6-bit scale and min of sub-block j of a Q4_K / Q5_K super-block.
inline void ScaleMinK4(int j, const uint8_t* q, uint8_t* d, uint8_t* m) {
  if (j < 4) {
    *d = q[j] & 63;
    *m = q[j + 4] & 63;
  } else {
    *d = uint8_t((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4));
    *m = uint8_t((q[j + 4] >> 4) | ((q[j - 0] >> 6) << 4));
  }
}

inline bool TypeHasMin(uint32_t type) {
  using gguf::TensorType;
  return type == uint32_t(TensorType::kQ4_1) || type == uint32_t(TensorType::kQ5_1) ||
         type == uint32_t(TensorType::kQ4_K) || type == uint32_t(TensorType::kQ5_K);
}

// One 32-element block's part of a dot product (quant.h).
struct BlockTerms {
  int32_t i = 0;    // I_b
  int32_t m = 0;    // M_b
  float d = 0;      // D_b
  float dm = 0;     // Dm_b
};

// The terms of every block of one weight row against one activation row
// (xq: cols int8, xs: the activation block sums). Plain scalar code.
inline void RowBlockTermsRef(uint32_t type, const uint8_t* row, const int8_t* xq, const int32_t* xs,
                             size_t nb, BlockTerms* out) {
  using gguf::TensorType;
  switch (static_cast<TensorType>(type)) {
    case TensorType::kQ8_0:
      for (size_t b = 0; b < nb; ++b) {
        const uint8_t* p = row + 34 * b;
        int32_t s = 0;
        for (int j = 0; j < 32; ++j) s += int8_t(p[2 + j]) * xq[32 * b + j];
        out[b] = {s, 0, F16ToF32(Load16(p)), 0};
      }
      return;
    case TensorType::kQ4_0:
    case TensorType::kQ4_1: {
      const bool min = type == uint32_t(TensorType::kQ4_1);
      const size_t bytes = min ? 20 : 18, qoff = min ? 4 : 2;
      const int bias = min ? 0 : 8;
      for (size_t b = 0; b < nb; ++b) {
        const uint8_t* p = row + bytes * b;
        const int8_t* x = xq + 32 * b;
        int32_t s = 0;
        for (int j = 0; j < 16; ++j) {
          s += ((p[qoff + j] & 0x0F) - bias) * x[j];
          s += ((p[qoff + j] >> 4) - bias) * x[j + 16];
        }
        out[b] = {s, min ? xs[b] : 0, F16ToF32(Load16(p)), min ? F16ToF32(Load16(p + 2)) : 0.0f};
      }
      return;
    }
    case TensorType::kQ5_0:
    case TensorType::kQ5_1: {
      const bool min = type == uint32_t(TensorType::kQ5_1);
      const size_t bytes = min ? 24 : 22, hoff = min ? 4 : 2;
      const int bias = min ? 0 : 16;
      for (size_t b = 0; b < nb; ++b) {
        const uint8_t* p = row + bytes * b;
        const uint32_t qh = Load32(p + hoff);
        const uint8_t* qs = p + hoff + 4;
        const int8_t* x = xq + 32 * b;
        int32_t s = 0;
        for (int j = 0; j < 16; ++j) {
          s += (((qs[j] & 0x0F) | int(((qh >> j) << 4) & 0x10)) - bias) * x[j];
          s += (((qs[j] >> 4) | int((qh >> (j + 12)) & 0x10)) - bias) * x[j + 16];
        }
        out[b] = {s, min ? xs[b] : 0, F16ToF32(Load16(p)), min ? F16ToF32(Load16(p + 2)) : 0.0f};
      }
      return;
    }
    case TensorType::kQ4_K:
    case TensorType::kQ5_K: {
      const bool five = type == uint32_t(TensorType::kQ5_K);
      const size_t bytes = five ? 176 : 144;
      for (size_t sb = 0; sb < nb / 8; ++sb) {
        const uint8_t* p = row + bytes * sb;
        const float d = F16ToF32(Load16(p)), dmin = F16ToF32(Load16(p + 2));
        const uint8_t* scales = p + 4;
        const uint8_t* qh = p + 16;
        const uint8_t* ql = p + (five ? 48 : 16);
        for (int j = 0; j < 8; ++j) {
          uint8_t sc, m;
          ScaleMinK4(j, scales, &sc, &m);
          const int shift = (j & 1) ? 4 : 0;
          const uint8_t u = uint8_t(1 << j);
          const uint8_t* q = ql + 32 * (j / 2);
          const size_t b = 8 * sb + size_t(j);
          const int8_t* x = xq + 32 * b;
          int32_t s = 0;
          for (int l = 0; l < 32; ++l) {
            const int hi = five && (qh[l] & u) ? 16 : 0;
            s += (((q[l] >> shift) & 0xF) + hi) * x[l];
          }
          out[b] = {int32_t(sc) * s, int32_t(m) * xs[b], d, -dmin};
        }
      }
      return;
    }
    case TensorType::kQ6_K:
      for (size_t sb = 0; sb < nb / 8; ++sb) {
        const uint8_t* p = row + 210 * sb;
        const float d = F16ToF32(Load16(p + 208));
        for (int h = 0; h < 2; ++h) {
          const uint8_t* ql = p + 64 * h;
          const uint8_t* qh = p + 128 + 32 * h;
          const int8_t* sc = reinterpret_cast<const int8_t*>(p + 192 + 8 * h);
          for (int k = 0; k < 4; ++k) {  // the four 32-element blocks of this half
            const size_t b = 8 * sb + 4 * size_t(h) + size_t(k);
            const int8_t* x = xq + 32 * b;
            const uint8_t* lo = ql + (k & 1 ? 32 : 0);
            const int lshift = k >= 2 ? 4 : 0;
            const int hshift = 2 * k;
            int32_t s0 = 0, s1 = 0;
            for (int l = 0; l < 32; ++l) {
              const int q = (((lo[l] >> lshift) & 0xF) | (((qh[l] >> hshift) & 3) << 4)) - 32;
              (l < 16 ? s0 : s1) += q * x[l];
            }
            out[b] = {int32_t(sc[2 * k]) * s0 + int32_t(sc[2 * k + 1]) * s1, 0, d, 0};
          }
        }
      }
      return;
    default:
      for (size_t b = 0; b < nb; ++b) out[b] = {};
      return;
  }
}

// The float steps of quant.h's canonical order.
inline float CombineBlocksRef(const BlockTerms* t, const float* dx, size_t nb, bool has_min) {
  float acc[8] = {};
  for (size_t b = 0; b < nb; ++b) {
    const float p = t[b].d * dx[b];
    float f = static_cast<float>(t[b].i) * p;
    if (has_min) {
      const float q = t[b].dm * dx[b];
      f = f + static_cast<float>(t[b].m) * q;
    }
    acc[b % 8] = acc[b % 8] + f;
  }
  for (int s = 4; s >= 1; s /= 2) {
    for (int k = 0; k < s; ++k) acc[k] = acc[k] + acc[k + s];
  }
  return acc[0];
}

}  // namespace lithium::kernels
