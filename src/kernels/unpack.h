// Unpacks a quantized weight row into int8 values plus per-block integer
// scales, so one int8 dot kernel serves every format. All integer and
// exact: I_b = s0 * dot(w[0:16], x[0:16]) + s1 * dot(w[16:32], x[16:32]),
// M_b = mscale * xsum_b, with the float factors D_b and Dm_b alongside.
#pragma once

#include <cstdint>

#include "src/kernels/quant_blocks.h"

namespace lithium::kernels {

struct UnpackedBlock {
  int32_t s0 = 1, s1 = 1;  // integer scales of the two 16-element halves
  int32_t mscale = 0;      // integer min scale (M_b = mscale * xsum)
  float d = 0, dm = 0;     // D_b, Dm_b
};

// w8: cols int8 values; blocks: cols / 32 entries.
inline void UnpackRow(uint32_t type, const uint8_t* row, size_t cols, int8_t* w8, UnpackedBlock* blocks) {
  using gguf::TensorType;
  const size_t nb = cols / 32;
  switch (static_cast<TensorType>(type)) {
    case TensorType::kQ8_0:
      for (size_t b = 0; b < nb; ++b) {
        const uint8_t* p = row + 34 * b;
        std::memcpy(w8 + 32 * b, p + 2, 32);
        blocks[b] = {1, 1, 0, F16ToF32(Load16(p)), 0};
      }
      return;
    case TensorType::kQ4_0:
    case TensorType::kQ4_1: {
      const bool min = type == uint32_t(TensorType::kQ4_1);
      const size_t bytes = min ? 20 : 18, qoff = min ? 4 : 2;
      const int bias = min ? 0 : 8;
      for (size_t b = 0; b < nb; ++b) {
        const uint8_t* p = row + bytes * b;
        for (int j = 0; j < 16; ++j) {
          w8[32 * b + j] = int8_t((p[qoff + j] & 0x0F) - bias);
          w8[32 * b + j + 16] = int8_t((p[qoff + j] >> 4) - bias);
        }
        blocks[b] = {1, 1, min ? 1 : 0, F16ToF32(Load16(p)), min ? F16ToF32(Load16(p + 2)) : 0.0f};
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
        for (int j = 0; j < 16; ++j) {
          w8[32 * b + j] = int8_t(((qs[j] & 0x0F) | int(((qh >> j) << 4) & 0x10)) - bias);
          w8[32 * b + j + 16] = int8_t(((qs[j] >> 4) | int((qh >> (j + 12)) & 0x10)) - bias);
        }
        blocks[b] = {1, 1, min ? 1 : 0, F16ToF32(Load16(p)), min ? F16ToF32(Load16(p + 2)) : 0.0f};
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
        const uint8_t* qh = p + 16;
        const uint8_t* ql = p + (five ? 48 : 16);
        for (int j = 0; j < 8; ++j) {
          uint8_t sc, m;
          ScaleMinK4(j, p + 4, &sc, &m);
          const int shift = (j & 1) ? 4 : 0;
          const uint8_t u = uint8_t(1 << j);
          const uint8_t* q = ql + 32 * (j / 2);
          const size_t b = 8 * sb + size_t(j);
          for (int l = 0; l < 32; ++l) {
            const int hi = five && (qh[l] & u) ? 16 : 0;
            w8[32 * b + l] = int8_t(((q[l] >> shift) & 0xF) + hi);
          }
          blocks[b] = {sc, sc, m, d, -dmin};
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
          for (int k = 0; k < 4; ++k) {
            const size_t b = 8 * sb + 4 * size_t(h) + size_t(k);
            const uint8_t* lo = ql + (k & 1 ? 32 : 0);
            const int lshift = k >= 2 ? 4 : 0, hshift = 2 * k;
            for (int l = 0; l < 32; ++l) {
              w8[32 * b + l] = int8_t((((lo[l] >> lshift) & 0xF) | (((qh[l] >> hshift) & 3) << 4)) - 32);
            }
            blocks[b] = {sc[2 * k], sc[2 * k + 1], 0, d, 0};
          }
        }
      }
      return;
    default:
      std::memset(w8, 0, cols);
      for (size_t b = 0; b < nb; ++b) blocks[b] = {};
      return;
  }
}

// Only the per-block float factors and integer min scales of a row (what
// the fused SIMD paths need besides the packed quants).
inline void RowBlockScales(uint32_t type, const uint8_t* row, size_t cols, float* d, float* dm, int32_t* mscale) {
  using gguf::TensorType;
  const size_t nb = cols / 32;
  switch (static_cast<TensorType>(type)) {
    case TensorType::kQ8_0:
    case TensorType::kQ4_0:
    case TensorType::kQ5_0: {
      const size_t bytes = type == uint32_t(TensorType::kQ8_0) ? 34 : type == uint32_t(TensorType::kQ4_0) ? 18 : 22;
      for (size_t b = 0; b < nb; ++b) {
        d[b] = F16ToF32(Load16(row + bytes * b));
        dm[b] = 0;
        mscale[b] = 0;
      }
      return;
    }
    case TensorType::kQ4_1:
    case TensorType::kQ5_1: {
      const size_t bytes = type == uint32_t(TensorType::kQ4_1) ? 20 : 24;
      for (size_t b = 0; b < nb; ++b) {
        d[b] = F16ToF32(Load16(row + bytes * b));
        dm[b] = F16ToF32(Load16(row + bytes * b + 2));
        mscale[b] = 1;
      }
      return;
    }
    case TensorType::kQ4_K:
    case TensorType::kQ5_K: {
      const size_t bytes = type == uint32_t(TensorType::kQ4_K) ? 144 : 176;
      for (size_t sb = 0; sb < nb / 8; ++sb) {
        const uint8_t* p = row + bytes * sb;
        const float dd = F16ToF32(Load16(p)), dmin = F16ToF32(Load16(p + 2));
        for (int j = 0; j < 8; ++j) {
          uint8_t sc, m;
          ScaleMinK4(j, p + 4, &sc, &m);
          d[8 * sb + j] = dd;
          dm[8 * sb + j] = -dmin;
          mscale[8 * sb + j] = m;
        }
      }
      return;
    }
    case TensorType::kQ6_K:
      for (size_t sb = 0; sb < nb / 8; ++sb) {
        const float dd = F16ToF32(Load16(row + 210 * sb + 208));
        for (int j = 0; j < 8; ++j) {
          d[8 * sb + j] = dd;
          dm[8 * sb + j] = 0;
          mscale[8 * sb + j] = 0;
        }
      }
      return;
    default:
      for (size_t b = 0; b < nb; ++b) d[b] = dm[b] = 0, mscale[b] = 0;
      return;
  }
}

}  // namespace lithium::kernels
