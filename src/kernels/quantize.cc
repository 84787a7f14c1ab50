// Quantization of float rows into ggml's block formats, for `lithium
// quantize` and tests. The legacy formats follow ggml's reference
// quantizers; the K-quants use a simpler scale search (min/max per
// sub-block, then 6- or 8-bit sub-scales), which is slightly less accurate
// than llama.cpp's iterative search but produces valid blocks that any
// GGUF reader decodes identically. Scalar code, fixed operation order.
#include <cstring>

#include "src/base/half.h"
#include "src/gguf/gguf.h"
#include "src/kernels/quant.h"
#include "src/kernels/quant_blocks.h"

namespace lithium::kernels {
namespace {

using gguf::TensorType;

void Store16(uint8_t* p, uint16_t v) { std::memcpy(p, &v, 2); }
float Abs(float x) { return x < 0 ? -x : x; }
int Clamp(int v, int lo, int hi) { return v < lo ? lo : (v > hi ? hi : v); }

// The value with the largest magnitude (sign kept), as ggml's Q4_0/Q5_0 use.
float SignedAbsMax(const float* x, int n) {
  float amax = 0, max = 0;
  for (int i = 0; i < n; ++i) {
    if (Abs(x[i]) > amax) { amax = Abs(x[i]); max = x[i]; }
  }
  return max;
}

void QuantizeQ8_0(const float* x, uint8_t* p) {
  float amax = 0;
  for (int i = 0; i < 32; ++i) amax = Abs(x[i]) > amax ? Abs(x[i]) : amax;
  const float d = amax / 127.0f;
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  Store16(p, F32ToF16(d));
  for (int i = 0; i < 32; ++i) p[2 + i] = uint8_t(int8_t(Clamp(RoundHalfEven(x[i] * id), -127, 127)));
}

// Q4_0 / Q5_0: symmetric, d = max / -(levels / 2).
void QuantizeSym(const float* x, uint8_t* p, bool five) {
  const float max = SignedAbsMax(x, 32);
  const float d = max / (five ? -16.0f : -8.0f);
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  const int top = five ? 31 : 15;
  const float offset = five ? 16.5f : 8.5f;
  Store16(p, F32ToF16(d));
  uint32_t qh = 0;
  uint8_t* qs = p + (five ? 6 : 2);
  for (int j = 0; j < 16; ++j) {
    const int x0 = Clamp(int(x[j] * id + offset), 0, top);
    const int x1 = Clamp(int(x[j + 16] * id + offset), 0, top);
    qs[j] = uint8_t((x0 & 0xF) | ((x1 & 0xF) << 4));
    qh |= uint32_t((x0 >> 4) & 1) << j;
    qh |= uint32_t((x1 >> 4) & 1) << (j + 16);
  }
  if (five) std::memcpy(p + 2, &qh, 4);
}

// Q4_1 / Q5_1: asymmetric with a minimum.
void QuantizeAsym(const float* x, uint8_t* p, bool five) {
  float min = x[0], max = x[0];
  for (int i = 1; i < 32; ++i) {
    min = x[i] < min ? x[i] : min;
    max = x[i] > max ? x[i] : max;
  }
  const int top = five ? 31 : 15;
  const float d = (max - min) / float(top);
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  Store16(p, F32ToF16(d));
  Store16(p + 2, F32ToF16(min));
  uint32_t qh = 0;
  uint8_t* qs = p + (five ? 8 : 4);
  for (int j = 0; j < 16; ++j) {
    const int x0 = Clamp(int((x[j] - min) * id + 0.5f), 0, top);
    const int x1 = Clamp(int((x[j + 16] - min) * id + 0.5f), 0, top);
    qs[j] = uint8_t((x0 & 0xF) | ((x1 & 0xF) << 4));
    qh |= uint32_t((x0 >> 4) & 1) << j;
    qh |= uint32_t((x1 >> 4) & 1) << (j + 16);
  }
  if (five) std::memcpy(p + 4, &qh, 4);
}

// Q4_K / Q5_K: 8 sub-blocks of 32 with 6-bit scales and mins.
void QuantizeK45(const float* x, uint8_t* p, bool five) {
  const int top = five ? 31 : 15;
  float scales[8], mins[8];
  float max_scale = 0, max_min = 0;
  for (int j = 0; j < 8; ++j) {
    float mn = 0, mx = 0;  // the minimum is clamped at 0, as ggml does
    for (int l = 0; l < 32; ++l) {
      mn = x[32 * j + l] < mn ? x[32 * j + l] : mn;
      mx = x[32 * j + l] > mx ? x[32 * j + l] : mx;
    }
    scales[j] = (mx - mn) / float(top);
    mins[j] = -mn;
    max_scale = scales[j] > max_scale ? scales[j] : max_scale;
    max_min = mins[j] > max_min ? mins[j] : max_min;
  }
  const float inv_scale = max_scale > 0 ? 63.0f / max_scale : 0.0f;
  const float inv_min = max_min > 0 ? 63.0f / max_min : 0.0f;
  uint8_t ls[8], lm[8];
  for (int j = 0; j < 8; ++j) {
    ls[j] = uint8_t(Clamp(RoundHalfEven(inv_scale * scales[j]), 0, 63));
    lm[j] = uint8_t(Clamp(RoundHalfEven(inv_min * mins[j]), 0, 63));
  }
  const float d = max_scale / 63.0f, dmin = max_min / 63.0f;
  Store16(p, F32ToF16(d));
  Store16(p + 2, F32ToF16(dmin));
  uint8_t* sc = p + 4;
  std::memset(sc, 0, 12);
  for (int j = 0; j < 8; ++j) {
    if (j < 4) {
      sc[j] = ls[j];
      sc[j + 4] = lm[j];
    } else {
      sc[j + 4] = uint8_t((ls[j] & 0xF) | ((lm[j] & 0xF) << 4));
      sc[j - 4] |= uint8_t((ls[j] >> 4) << 6);
      sc[j] |= uint8_t((lm[j] >> 4) << 6);
    }
  }
  // Quantize against the rounded (f16) super-scales, as the decoder sees them.
  const float dd = F16ToF32(Load16(p)), ddmin = F16ToF32(Load16(p + 2));
  uint8_t* qh = p + 16;
  uint8_t* ql = p + (five ? 48 : 16);
  if (five) std::memset(qh, 0, 32);
  std::memset(ql, 0, 128);
  for (int j = 0; j < 8; ++j) {
    uint8_t s, m;
    ScaleMinK4(j, sc, &s, &m);
    const float ds = dd * s, dm = ddmin * m;
    for (int l = 0; l < 32; ++l) {
      const int q = ds > 0 ? Clamp(RoundHalfEven((x[32 * j + l] + dm) / ds), 0, top) : 0;
      ql[32 * (j / 2) + l] |= uint8_t((q & 0xF) << ((j & 1) ? 4 : 0));
      if (five && (q & 16)) qh[l] |= uint8_t(1 << j);
    }
  }
}

// Q6_K: 16 sub-blocks of 16 with int8 scales.
void QuantizeQ6K(const float* x, uint8_t* p) {
  float scales[16];
  float max_scale = 0, amax_scale = 0;
  for (int j = 0; j < 16; ++j) {
    scales[j] = SignedAbsMax(x + 16 * j, 16) / -32.0f;
    if (Abs(scales[j]) > amax_scale) { amax_scale = Abs(scales[j]); max_scale = scales[j]; }
  }
  std::memset(p, 0, 210);
  if (amax_scale == 0) return;
  const float iscale = -128.0f / max_scale;
  const float d = 1.0f / iscale;
  Store16(p + 208, F32ToF16(d));
  int8_t* sc = reinterpret_cast<int8_t*>(p + 192);
  for (int j = 0; j < 16; ++j) sc[j] = int8_t(Clamp(RoundHalfEven(iscale * scales[j]), -128, 127));
  const float dd = F16ToF32(Load16(p + 208));
  int8_t q[256];
  for (int j = 0; j < 16; ++j) {
    const float ds = dd * sc[j];
    for (int l = 0; l < 16; ++l) {
      q[16 * j + l] = int8_t(ds != 0 ? Clamp(RoundHalfEven(x[16 * j + l] / ds), -32, 31) + 32 : 32);
    }
  }
  for (int h = 0; h < 2; ++h) {
    uint8_t* ql = p + 64 * h;
    uint8_t* qh = p + 128 + 32 * h;
    const int8_t* qq = q + 128 * h;
    for (int l = 0; l < 32; ++l) {
      const int q1 = qq[l], q2 = qq[l + 32], q3 = qq[l + 64], q4 = qq[l + 96];
      ql[l] = uint8_t((q1 & 0xF) | ((q3 & 0xF) << 4));
      ql[l + 32] = uint8_t((q2 & 0xF) | ((q4 & 0xF) << 4));
      qh[l] = uint8_t((q1 >> 4) | ((q2 >> 4) << 2) | ((q3 >> 4) << 4) | ((q4 >> 4) << 6));
    }
  }
}

}  // namespace

bool QuantizeRow(uint32_t type, const float* x, size_t n, void* out) {
  uint8_t* p = static_cast<uint8_t*>(out);
  switch (static_cast<TensorType>(type)) {
    case TensorType::kF32: std::memcpy(p, x, n * 4); return true;
    case TensorType::kF16:
      for (size_t i = 0; i < n; ++i) Store16(p + 2 * i, F32ToF16(x[i]));
      return true;
    case TensorType::kBF16:
      for (size_t i = 0; i < n; ++i) Store16(p + 2 * i, F32ToBf16(x[i]));
      return true;
    case TensorType::kQ8_0: for (size_t b = 0; b < n / 32; ++b) QuantizeQ8_0(x + 32 * b, p + 34 * b); return true;
    case TensorType::kQ4_0: for (size_t b = 0; b < n / 32; ++b) QuantizeSym(x + 32 * b, p + 18 * b, false); return true;
    case TensorType::kQ5_0: for (size_t b = 0; b < n / 32; ++b) QuantizeSym(x + 32 * b, p + 22 * b, true); return true;
    case TensorType::kQ4_1: for (size_t b = 0; b < n / 32; ++b) QuantizeAsym(x + 32 * b, p + 20 * b, false); return true;
    case TensorType::kQ5_1: for (size_t b = 0; b < n / 32; ++b) QuantizeAsym(x + 32 * b, p + 24 * b, true); return true;
    case TensorType::kQ4_K: for (size_t b = 0; b < n / 256; ++b) QuantizeK45(x + 256 * b, p + 144 * b, false); return true;
    case TensorType::kQ5_K: for (size_t b = 0; b < n / 256; ++b) QuantizeK45(x + 256 * b, p + 176 * b, true); return true;
    case TensorType::kQ6_K: for (size_t b = 0; b < n / 256; ++b) QuantizeQ6K(x + 256 * b, p + 210 * b); return true;
    default: return false;
  }
}

}  // namespace lithium::kernels
