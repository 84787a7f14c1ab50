// The project's own elementary functions (DESIGN.md, determinism rule 4):
// built from + - * / and sqrt only, so every platform and every SIMD target
// computes the same bits. The float versions are the scalar reference for
// the vector code in ops-inl.h, which repeats the same steps lane-wise.
#pragma once

#include <cstdint>
#include <cstring>

namespace lithium::kernels {

// Constants shared with ops-inl.h.
inline constexpr float kExpHi = 88.3762626647949f;   // beyond: exp overflows
inline constexpr float kExpLo = -87.3365478515625f;  // below: flushed to 0
inline constexpr float kLog2e = 1.44269504088896341f;
inline constexpr float kLn2Hi = 0.693359375f;        // few bits: n*kLn2Hi is exact
inline constexpr float kLn2Lo = -2.12194440e-4f;
inline constexpr float kRoundMagic = 12582912.0f;    // 1.5 * 2^23
// Cephes expf minimax polynomial for exp(r) on [-ln2/2, ln2/2].
inline constexpr float kExpP0 = 1.9875691500e-4f;
inline constexpr float kExpP1 = 1.3981999507e-3f;
inline constexpr float kExpP2 = 8.3334519073e-3f;
inline constexpr float kExpP3 = 4.1665795894e-2f;
inline constexpr float kExpP4 = 1.6666665459e-1f;
inline constexpr float kExpP5 = 5.0000001201e-1f;

// exp(x), within ~2 ulp for normal results; subnormal results flush to 0.
// Each step is one IEEE operation in a fixed order (no FMA: the build uses
// -ffp-contract=off), which ops-inl.h mirrors exactly.
inline float ExpRef(float x) {
  if (x != x) return x;  // NaN
  float xc = x < kExpLo ? kExpLo : (x > kExpHi ? kExpHi : x);
  // n = round-to-nearest-even(x / ln 2) with the 1.5*2^23 trick, exact for
  // |t| < 2^22, which the clamp guarantees.
  float t = xc * kLog2e;
  float n = (t + kRoundMagic) - kRoundMagic;
  float r = xc - n * kLn2Hi;
  r = r - n * kLn2Lo;
  float p = kExpP0;
  p = p * r + kExpP1;
  p = p * r + kExpP2;
  p = p * r + kExpP3;
  p = p * r + kExpP4;
  p = p * r + kExpP5;
  float rr = r * r;
  float y = p * rr;
  y = y + r;
  y = y + 1.0f;
  int32_t ni = static_cast<int32_t>(n);
  uint32_t bits = static_cast<uint32_t>(ni + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, 4);
  float out = y * scale;
  if (x >= kExpHi) out = __builtin_inff();
  if (x < kExpLo) out = 0.0f;
  return out;
}

// silu(x) = x * sigmoid(x), computed as x / (1 + exp(-x)).
inline float SiluRef(float x) { return x / (1.0f + ExpRef(-x)); }

// Double-precision helpers for tables computed once (RoPE frequencies and
// angles). Accurate to a few ulp of double, far below float resolution, so
// the rounded float tables agree with any correctly rounded libm.
double ExpD(double x);
double LogD(double x);  // x > 0
void SinCosD(double x, double* s, double* c);

}  // namespace lithium::kernels
