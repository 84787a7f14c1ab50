// Per-target SIMD kernels (Highway). Included once per target by
// ops_hwy.cc through hwy/foreach_target.h. Each function follows the
// canonical order documented in kernels.h step for step, with separate
// multiply and add (no FMA), so every target matches reference.cc bit for bit.

#if defined(LITHIUM_KERNELS_OPS_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef LITHIUM_KERNELS_OPS_INL_H_
#undef LITHIUM_KERNELS_OPS_INL_H_
#else
#define LITHIUM_KERNELS_OPS_INL_H_
#endif

#include <cstring>
#include <vector>

#include "hwy/highway.h"
#include "src/gguf/gguf.h"
#include "src/kernels/kernels.h"
#include "src/kernels/math.h"

HWY_BEFORE_NAMESPACE();
namespace lithium::kernels::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

using DF = hn::ScalableTag<float>;
using VF = hn::Vec<DF>;

// The 16 virtual accumulators as 16/N vectors of N lanes.
constexpr size_t kMaxVecs = kDotLanes;  // N >= 1

HWY_INLINE float TreeReduce(float* acc) {
  for (size_t s = kDotLanes / 2; s >= 1; s /= 2) {
    for (size_t k = 0; k < s; ++k) acc[k] = acc[k] + acc[k + s];
  }
  return acc[0];
}

// Weight elements as floats: F32 as is, F16 and BF16 widened (exactly, so
// a row read in place gives the same bits as a row converted first).
struct F16Bits {
  uint16_t bits;
};
struct Bf16Bits {
  uint16_t bits;
};
HWY_INLINE VF LoadAsFloat(DF d, const float* p) { return hn::LoadU(d, p); }
HWY_INLINE VF LoadAsFloat(DF d, const F16Bits* p) {
  const hn::Rebind<hwy::float16_t, DF> dh;
  return hn::PromoteTo(d, hn::LoadU(dh, reinterpret_cast<const hwy::float16_t*>(p)));
}
HWY_INLINE VF LoadAsFloat(DF d, const Bf16Bits* p) {
  const hn::Rebind<uint16_t, DF> du16;
  const hn::RebindToUnsigned<DF> du32;
  return hn::BitCast(d, hn::ShiftLeft<16>(hn::PromoteTo(du32, hn::LoadU(du16, reinterpret_cast<const uint16_t*>(p)))));
}
HWY_INLINE float AsFloat(float f) { return f; }
HWY_INLINE float AsFloat(F16Bits h) { return F16ToF32(h.bits); }
HWY_INLINE float AsFloat(Bf16Bits h) { return Bf16ToF32(h.bits); }

// Dot products of R rows with one x, sharing the loads of x. Each row keeps
// its own 16 virtual accumulators, so every row's result equals DotRef.
template <size_t R, class T = float>
HWY_INLINE void DotRows(const T* const* rows, const float* x, size_t n, float* out) {
  const DF d;
  const size_t N = hn::Lanes(d);
  const size_t V = kDotLanes / N;
  VF acc[R][kMaxVecs];
  for (size_t r = 0; r < R; ++r) {
    for (size_t v = 0; v < V; ++v) acc[r][v] = hn::Zero(d);
  }
  size_t i = 0;
  for (; i + kDotLanes <= n; i += kDotLanes) {
    for (size_t v = 0; v < V; ++v) {
      const VF xv = hn::LoadU(d, x + i + v * N);
      for (size_t r = 0; r < R; ++r) {
        acc[r][v] = hn::Add(acc[r][v], hn::Mul(LoadAsFloat(d, rows[r] + i + v * N), xv));
      }
    }
  }
  for (size_t r = 0; r < R; ++r) {
    HWY_ALIGN float lanes[kDotLanes];
    for (size_t v = 0; v < V; ++v) hn::StoreU(acc[r][v], d, lanes + v * N);
    for (size_t j = i; j < n; ++j) {
      float p = AsFloat(rows[r][j]) * x[j];
      lanes[j % kDotLanes] = lanes[j % kDotLanes] + p;
    }
    out[r] = TreeReduce(lanes);
  }
}

float Dot(const float* a, const float* b, size_t n) {
  float out;
  DotRows<1>(&a, b, n, &out);
  return out;
}

float Sum(const float* a, size_t n) {
  const DF d;
  const size_t N = hn::Lanes(d);
  const size_t V = kDotLanes / N;
  VF acc[kMaxVecs];
  for (size_t v = 0; v < V; ++v) acc[v] = hn::Zero(d);
  size_t i = 0;
  for (; i + kDotLanes <= n; i += kDotLanes) {
    for (size_t v = 0; v < V; ++v) acc[v] = hn::Add(acc[v], hn::LoadU(d, a + i + v * N));
  }
  HWY_ALIGN float lanes[kDotLanes];
  for (size_t v = 0; v < V; ++v) hn::StoreU(acc[v], d, lanes + v * N);
  for (size_t j = i; j < n; ++j) lanes[j % kDotLanes] = lanes[j % kDotLanes] + a[j];
  return TreeReduce(lanes);
}

// Widens a weight row to float. Exact for F16 and BF16, so the method does
// not matter for the bits.
void RowToFloat(const Weights& w, size_t r, float* out) {
  const DF d;
  const size_t N = hn::Lanes(d);
  const uint8_t* row = static_cast<const uint8_t*>(w.data) + r * w.row_bytes;
  const size_t n = w.cols;
  switch (static_cast<gguf::TensorType>(w.type)) {
    case gguf::TensorType::kF32:
      std::memcpy(out, row, n * 4);
      return;
    case gguf::TensorType::kF16: {
      const hn::Rebind<hwy::float16_t, DF> dh;
      const auto* src = reinterpret_cast<const hwy::float16_t*>(row);
      size_t i = 0;
      for (; i + N <= n; i += N) hn::StoreU(hn::PromoteTo(d, hn::LoadU(dh, src + i)), d, out + i);
      for (; i < n; ++i) {
        uint16_t h;
        std::memcpy(&h, row + 2 * i, 2);
        out[i] = F16ToF32(h);
      }
      return;
    }
    case gguf::TensorType::kBF16: {
      const hn::Rebind<uint16_t, DF> du16;
      const hn::RebindToUnsigned<DF> du32;
      const auto* src = reinterpret_cast<const uint16_t*>(row);
      size_t i = 0;
      for (; i + N <= n; i += N) {
        auto wide = hn::ShiftLeft<16>(hn::PromoteTo(du32, hn::LoadU(du16, src + i)));
        hn::StoreU(hn::BitCast(d, wide), d, out + i);
      }
      for (; i < n; ++i) {
        uint16_t h;
        std::memcpy(&h, row + 2 * i, 2);
        out[i] = Bf16ToF32(h);
      }
      return;
    }
    default:
      std::memset(out, 0, n * 4);
      return;
  }
}

// Matmul reading 16-bit weights in place: for one or two tokens (decode)
// widening a row into a buffer first would cost a store and a reload per
// element for a single use.
template <class T>
void MatmulInPlace(const Weights& w, const float* x, size_t n_tokens, float* y, size_t y_stride,
                   size_t r_begin, size_t r_end) {
  constexpr size_t kRows = 4;
  const uint8_t* base = static_cast<const uint8_t*>(w.data);
  size_t r = r_begin;
  for (; r < r_end; r += kRows) {
    const size_t nr = r_end - r < kRows ? r_end - r : kRows;
    const T* rows[kRows];
    for (size_t k = 0; k < nr; ++k) rows[k] = reinterpret_cast<const T*>(base + (r + k) * w.row_bytes);
    for (size_t t = 0; t < n_tokens; ++t) {
      const float* xt = x + t * w.cols;
      float out[kRows];
      if (nr == kRows) {
        DotRows<kRows, T>(rows, xt, w.cols, out);
      } else {
        for (size_t k = 0; k < nr; ++k) DotRows<1, T>(&rows[k], xt, w.cols, &out[k]);
      }
      for (size_t k = 0; k < nr; ++k) y[t * y_stride + r + k] = out[k];
    }
  }
}

void Matmul(const Weights& w, const float* x, size_t n_tokens, float* y, size_t y_stride,
            size_t r_begin, size_t r_end) {
  if (n_tokens <= 2 && w.type == static_cast<uint32_t>(gguf::TensorType::kF16)) {
    return MatmulInPlace<F16Bits>(w, x, n_tokens, y, y_stride, r_begin, r_end);
  }
  if (n_tokens <= 2 && w.type == static_cast<uint32_t>(gguf::TensorType::kBF16)) {
    return MatmulInPlace<Bf16Bits>(w, x, n_tokens, y, y_stride, r_begin, r_end);
  }
  constexpr size_t kRows = 4;
  const bool f32 = w.type == static_cast<uint32_t>(gguf::TensorType::kF32);
  std::vector<float> buf(f32 ? 0 : kRows * w.cols);
  size_t r = r_begin;
  for (; r < r_end; r += kRows) {
    const size_t nr = r_end - r < kRows ? r_end - r : kRows;
    const float* rows[kRows];
    for (size_t k = 0; k < nr; ++k) {
      if (f32) {
        rows[k] = reinterpret_cast<const float*>(static_cast<const uint8_t*>(w.data) +
                                                 (r + k) * w.row_bytes);
      } else {
        RowToFloat(w, r + k, buf.data() + k * w.cols);
        rows[k] = buf.data() + k * w.cols;
      }
    }
    for (size_t t = 0; t < n_tokens; ++t) {
      const float* xt = x + t * w.cols;
      float out[kRows];
      if (nr == kRows) {
        DotRows<kRows>(rows, xt, w.cols, out);
      } else {
        for (size_t k = 0; k < nr; ++k) DotRows<1>(&rows[k], xt, w.cols, &out[k]);
      }
      for (size_t k = 0; k < nr; ++k) y[t * y_stride + r + k] = out[k];
    }
  }
}

// exp(x) lane-wise: the steps of ExpRef in math.h, one op each.
HWY_INLINE VF ExpV(DF d, VF x) {
  const hn::RebindToSigned<DF> di;
  const VF hi = hn::Set(d, kExpHi), lo = hn::Set(d, kExpLo);
  const VF xc = hn::Min(hn::Max(x, lo), hi);
  const VF magic = hn::Set(d, kRoundMagic);
  const VF t = hn::Mul(xc, hn::Set(d, kLog2e));
  const VF n = hn::Sub(hn::Add(t, magic), magic);
  VF r = hn::Sub(xc, hn::Mul(n, hn::Set(d, kLn2Hi)));
  r = hn::Sub(r, hn::Mul(n, hn::Set(d, kLn2Lo)));
  VF p = hn::Set(d, kExpP0);
  p = hn::Add(hn::Mul(p, r), hn::Set(d, kExpP1));
  p = hn::Add(hn::Mul(p, r), hn::Set(d, kExpP2));
  p = hn::Add(hn::Mul(p, r), hn::Set(d, kExpP3));
  p = hn::Add(hn::Mul(p, r), hn::Set(d, kExpP4));
  p = hn::Add(hn::Mul(p, r), hn::Set(d, kExpP5));
  const VF rr = hn::Mul(r, r);
  VF y = hn::Mul(p, rr);
  y = hn::Add(y, r);
  y = hn::Add(y, hn::Set(d, 1.0f));
  const auto ni = hn::ConvertTo(di, n);
  const auto bits = hn::ShiftLeft<23>(hn::Add(ni, hn::Set(di, 127)));
  VF out = hn::Mul(y, hn::BitCast(d, bits));
  out = hn::IfThenElse(hn::Ge(x, hi), hn::Set(d, __builtin_inff()), out);
  out = hn::IfThenElse(hn::Lt(x, lo), hn::Zero(d), out);
  out = hn::IfThenElse(hn::Ne(x, x), x, out);  // NaN stays NaN
  return out;
}

void ExpVec(const float* x, size_t n, float* out) {
  const DF d;
  const size_t N = hn::Lanes(d);
  size_t i = 0;
  for (; i + N <= n; i += N) hn::StoreU(ExpV(d, hn::LoadU(d, x + i)), d, out + i);
  for (; i < n; ++i) out[i] = ExpRef(x[i]);
}

void RmsNorm(const float* x, const float* weight, size_t n, float eps, float* y) {
  const DF d;
  const size_t N = hn::Lanes(d);
  const float ss = Dot(x, x, n);
  const float mean = ss / static_cast<float>(n);
  const float scale = 1.0f / __builtin_sqrtf(mean + eps);
  const VF vs = hn::Set(d, scale);
  size_t i = 0;
  for (; i + N <= n; i += N) {
    hn::StoreU(hn::Mul(hn::Mul(hn::LoadU(d, x + i), vs), hn::LoadU(d, weight + i)), d, y + i);
  }
  for (; i < n; ++i) y[i] = (x[i] * scale) * weight[i];
}

void Softmax(float* x, size_t n) {
  if (n == 0) return;
  const DF d;
  const size_t N = hn::Lanes(d);
  // The maximum is exact whatever the order (a signed zero cannot change
  // the bits of x - max).
  float mx = x[0];
  for (size_t i = 1; i < n; ++i) mx = x[i] > mx ? x[i] : mx;
  const VF vmx = hn::Set(d, mx);
  size_t i = 0;
  for (; i + N <= n; i += N) hn::StoreU(ExpV(d, hn::Sub(hn::LoadU(d, x + i), vmx)), d, x + i);
  for (; i < n; ++i) x[i] = ExpRef(x[i] - mx);
  const float inv = 1.0f / Sum(x, n);
  const VF vinv = hn::Set(d, inv);
  for (i = 0; i + N <= n; i += N) hn::StoreU(hn::Mul(hn::LoadU(d, x + i), vinv), d, x + i);
  for (; i < n; ++i) x[i] = x[i] * inv;
}

void Swiglu(const float* gate, const float* up, size_t n, float* out) {
  const DF d;
  const size_t N = hn::Lanes(d);
  const VF one = hn::Set(d, 1.0f);
  size_t i = 0;
  for (; i + N <= n; i += N) {
    const VF g = hn::LoadU(d, gate + i);
    const VF silu = hn::Div(g, hn::Add(one, ExpV(d, hn::Neg(g))));
    hn::StoreU(hn::Mul(silu, hn::LoadU(d, up + i)), d, out + i);
  }
  for (; i < n; ++i) out[i] = SiluRef(gate[i]) * up[i];
}

void AddVec(float* y, const float* x, size_t n) {
  const DF d;
  const size_t N = hn::Lanes(d);
  size_t i = 0;
  for (; i + N <= n; i += N) hn::StoreU(hn::Add(hn::LoadU(d, y + i), hn::LoadU(d, x + i)), d, y + i);
  for (; i < n; ++i) y[i] = y[i] + x[i];
}

// Elementwise, so the plain loop is already exact on every target; it is a
// small share of the time.
void Rope(float* x, size_t n_heads, size_t head_dim, size_t n_rot, const float* cs, bool neox) {
  const size_t half = n_rot / 2;
  for (size_t h = 0; h < n_heads; ++h) {
    float* v = x + h * head_dim;
    for (size_t i = 0; i < half; ++i) {
      const size_t i0 = neox ? i : 2 * i;
      const size_t i1 = neox ? i + half : 2 * i + 1;
      const float c = cs[2 * i], s = cs[2 * i + 1];
      const float a = v[i0], b = v[i1];
      v[i0] = a * c - b * s;
      v[i1] = a * s + b * c;
    }
  }
}

void Attention(const float* q, const float* k, const float* v, size_t kv_stride, size_t n_keys,
               size_t head_dim, float scale, float* scratch, float* out) {
  const DF d;
  const size_t N = hn::Lanes(d);
  for (size_t j = 0; j < n_keys; ++j) scratch[j] = Dot(q, k + j * kv_stride, head_dim) * scale;
  Softmax(scratch, n_keys);
  for (size_t i = 0; i < head_dim; ++i) out[i] = 0.0f;
  // Keys in order; lanes span the head dimension only.
  for (size_t j = 0; j < n_keys; ++j) {
    const float* vj = v + j * kv_stride;
    const float p = scratch[j];
    const VF vp = hn::Set(d, p);
    size_t i = 0;
    for (; i + N <= head_dim; i += N) {
      hn::StoreU(hn::Add(hn::LoadU(d, out + i), hn::Mul(vp, hn::LoadU(d, vj + i))), d, out + i);
    }
    for (; i < head_dim; ++i) out[i] = out[i] + p * vj[i];
  }
}

}  // namespace lithium::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // include guard
