// The scalar reference: plain C++ loops in the canonical orders documented
// in kernels.h. Every SIMD target is tested bit for bit against these.
#include <cstring>
#include <vector>

#include "src/base/half.h"
#include "src/gguf/gguf.h"
#include "src/kernels/kernels.h"
#include "src/kernels/math.h"
#include "src/kernels/quant.h"

namespace lithium::kernels {
namespace {

float DotRef(const float* a, const float* b, size_t n) {
  float acc[kDotLanes] = {};
  for (size_t i = 0; i < n; ++i) {
    float p = a[i] * b[i];
    acc[i % kDotLanes] = acc[i % kDotLanes] + p;
  }
  for (size_t s = kDotLanes / 2; s >= 1; s /= 2) {
    for (size_t k = 0; k < s; ++k) acc[k] = acc[k] + acc[k + s];
  }
  return acc[0];
}

float SumRef(const float* a, size_t n) {
  float acc[kDotLanes] = {};
  for (size_t i = 0; i < n; ++i) acc[i % kDotLanes] = acc[i % kDotLanes] + a[i];
  for (size_t s = kDotLanes / 2; s >= 1; s /= 2) {
    for (size_t k = 0; k < s; ++k) acc[k] = acc[k] + acc[k + s];
  }
  return acc[0];
}

// Widens one weight row to float (exact for F16 and BF16).
void RowToFloat(const Weights& w, size_t r, float* out) {
  const uint8_t* row = static_cast<const uint8_t*>(w.data) + r * w.row_bytes;
  switch (static_cast<gguf::TensorType>(w.type)) {
    case gguf::TensorType::kF32:
      std::memcpy(out, row, w.cols * 4);
      break;
    case gguf::TensorType::kF16:
      for (size_t i = 0; i < w.cols; ++i) {
        uint16_t h;
        std::memcpy(&h, row + 2 * i, 2);
        out[i] = F16ToF32(h);
      }
      break;
    case gguf::TensorType::kBF16:
      for (size_t i = 0; i < w.cols; ++i) {
        uint16_t h;
        std::memcpy(&h, row + 2 * i, 2);
        out[i] = Bf16ToF32(h);
      }
      break;
    default:
      // The model loader rejects other types before any kernel runs.
      std::memset(out, 0, w.cols * 4);
      break;
  }
}

void MatmulRef(const Weights& w, const float* x, size_t n_tokens, float* y, size_t y_stride,
               size_t r_begin, size_t r_end) {
  std::vector<float> row(w.cols);
  for (size_t r = r_begin; r < r_end; ++r) {
    RowToFloat(w, r, row.data());
    for (size_t t = 0; t < n_tokens; ++t) {
      y[t * y_stride + r] = DotRef(row.data(), x + t * w.cols, w.cols);
    }
  }
}

void RmsNormRef(const float* x, const float* weight, size_t n, float eps, float* y) {
  float ss = DotRef(x, x, n);
  float mean = ss / static_cast<float>(n);
  float scale = 1.0f / __builtin_sqrtf(mean + eps);
  for (size_t i = 0; i < n; ++i) y[i] = (x[i] * scale) * weight[i];
}

void SoftmaxRef(float* x, size_t n) {
  if (n == 0) return;
  float mx = x[0];
  for (size_t i = 1; i < n; ++i) mx = x[i] > mx ? x[i] : mx;
  for (size_t i = 0; i < n; ++i) x[i] = ExpRef(x[i] - mx);
  float inv = 1.0f / SumRef(x, n);
  for (size_t i = 0; i < n; ++i) x[i] = x[i] * inv;
}

void SwigluRef(const float* gate, const float* up, size_t n, float* out) {
  for (size_t i = 0; i < n; ++i) out[i] = SiluRef(gate[i]) * up[i];
}

void AddRef(float* y, const float* x, size_t n) {
  for (size_t i = 0; i < n; ++i) y[i] = y[i] + x[i];
}

void RopeRef(float* x, size_t n_heads, size_t head_dim, size_t n_rot, const float* cs, bool neox) {
  size_t half = n_rot / 2;
  for (size_t h = 0; h < n_heads; ++h) {
    float* v = x + h * head_dim;
    for (size_t i = 0; i < half; ++i) {
      size_t i0 = neox ? i : 2 * i;
      size_t i1 = neox ? i + half : 2 * i + 1;
      float c = cs[2 * i], s = cs[2 * i + 1];
      float a = v[i0], b = v[i1];
      v[i0] = a * c - b * s;
      v[i1] = a * s + b * c;
    }
  }
}

void AttentionRef(const float* q, const float* k, const float* v, size_t kv_stride, size_t n_keys,
                  size_t head_dim, float scale, float* scratch, float* out) {
  for (size_t j = 0; j < n_keys; ++j) scratch[j] = DotRef(q, k + j * kv_stride, head_dim) * scale;
  SoftmaxRef(scratch, n_keys);
  for (size_t d = 0; d < head_dim; ++d) out[d] = 0.0f;
  for (size_t j = 0; j < n_keys; ++j) {
    const float* vj = v + j * kv_stride;
    float p = scratch[j];
    for (size_t d = 0; d < head_dim; ++d) out[d] = out[d] + p * vj[d];
  }
}

void ExpVecRef(const float* x, size_t n, float* out) {
  for (size_t i = 0; i < n; ++i) out[i] = ExpRef(x[i]);
}

}  // namespace

void FillReferenceOps(Ops* ops) {
  ops->dot = &DotRef;
  ops->matmul = &MatmulRef;
  ops->rmsnorm = &RmsNormRef;
  ops->softmax = &SoftmaxRef;
  ops->swiglu = &SwigluRef;
  ops->add = &AddRef;
  ops->rope = &RopeRef;
  ops->attention = &AttentionRef;
  ops->exp = &ExpVecRef;
  ops->quantize_act = &QuantizeActivationsRef;
  ops->quantize_act_blocks = &QuantizeActivationBlocksRef;
  ops->matmul_q = &MatmulQRef;
}

}  // namespace lithium::kernels
