#include "src/kernels/math.h"

namespace lithium::kernels {
namespace {

double Ldexp2(double y, int n) {
  // Scales by 2^n in at most two exact steps, staying in the normal range.
  while (n > 1000) { y *= 0x1p1000; n -= 1000; }
  while (n < -1000) { y *= 0x1p-1000; n += 1000; }
  uint64_t bits = static_cast<uint64_t>(n + 1023) << 52;
  double s;
  std::memcpy(&s, &bits, 8);
  return y * s;
}

double RoundNearest(double x) {
  // 1.5 * 2^52 trick; |x| is far below 2^51 wherever this is used.
  const double magic = 6755399441055744.0;
  return (x + magic) - magic;
}

}  // namespace

double ExpD(double x) {
  if (x != x) return x;
  if (x > 709.0) return __builtin_inf();
  if (x < -745.0) return 0.0;
  const double ln2_hi = 6.93147180369123816490e-01;
  const double ln2_lo = 1.90821492927058770002e-10;
  double n = RoundNearest(x * 1.44269504088896340736);
  double r = (x - n * ln2_hi) - n * ln2_lo;  // |r| <= 0.35
  // Taylor series to r^18/18!: the remainder is below 1e-20 relative.
  double term = 1.0, sum = 1.0;
  for (int k = 1; k <= 18; ++k) {
    term = term * r / k;
    sum = sum + term;
  }
  return Ldexp2(sum, static_cast<int>(n));
}

double LogD(double x) {
  if (!(x > 0)) return -__builtin_inf();
  // x = m * 2^e with m in [sqrt(1/2), sqrt(2)).
  uint64_t bits;
  std::memcpy(&bits, &x, 8);
  int e = static_cast<int>((bits >> 52) & 0x7ff) - 1023;
  bits = (bits & 0x000fffffffffffffull) | 0x3ff0000000000000ull;
  double m;
  std::memcpy(&m, &bits, 8);
  if (m > 1.4142135623730951) { m = m / 2; e += 1; }
  // log(m) = 2 atanh(s), s = (m-1)/(m+1), |s| < 0.172.
  double s = (m - 1.0) / (m + 1.0);
  double s2 = s * s, term = s, sum = 0.0;
  for (int k = 1; k <= 41; k += 2) {
    sum = sum + term / k;
    term = term * s2;
  }
  return 2.0 * sum + e * 0.69314718055994530942;
}

void SinCosD(double x, double* s, double* c) {
  // Reduce by pi/2 with a three-part constant (Cody-Waite): exact enough for
  // |x| up to ~1e9, far beyond any RoPE angle (position * 1 radian).
  const double pio2_1 = 1.57079632673412561417e+00;
  const double pio2_2 = 6.07710050650619224932e-11;
  const double pio2_3 = 2.02226624879595063154e-21;
  double n = RoundNearest(x * 0.63661977236758134308);
  double r = ((x - n * pio2_1) - n * pio2_2) - n * pio2_3;  // |r| <= pi/4
  double r2 = r * r;
  // Taylor series, 12 terms each: remainder below 1e-19 for |r| <= pi/4.
  double ts = r, ss = r;
  double tc = 1.0, cc = 1.0;
  for (int k = 1; k <= 12; ++k) {
    ts = -ts * r2 / ((2 * k) * (2 * k + 1));
    ss = ss + ts;
    tc = -tc * r2 / ((2 * k - 1) * (2 * k));
    cc = cc + tc;
  }
  int64_t q = static_cast<int64_t>(n) & 3;
  switch (q) {
    case 0: *s = ss; *c = cc; break;
    case 1: *s = cc; *c = -ss; break;
    case 2: *s = -ss; *c = -cc; break;
    default: *s = -cc; *c = ss; break;
  }
}

}  // namespace lithium::kernels
