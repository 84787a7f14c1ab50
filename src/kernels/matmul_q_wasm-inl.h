// WebAssembly SIMD128 fused quantized matmul, used by the HWY_WASM target
// (included from matmul_q-inl.h inside the target's namespace, after
// Highway has included <wasm_simd128.h>). The wasm analogue of
// matmul_q_x86-inl.h; see quant.h for the canonical order it keeps.
//
// SIMD128 has no byte multiply-add like x86's maddubs, but it has
// i32x4.dot_i16x8_s (pmaddwd on x86, smull+addp on ARM). So the activations
// are widened to int16 once per call, and each weight block is decoded
// straight from its packed bytes to four int16x8 vectors, dotted with
// dot_i16x8 and summed to one int32x4 per block; a 4x4 transpose-add turns
// four such vectors into the four blocks' exact I_b. Every integer step is
// exact (the largest term, a Q6_K weight times its scale times an
// activation, is below 2^19, a block sum below 2^25), so I_b equals the
// reference's by construction. The float steps then follow quant.h:
// f_b = float(I_b) * (D_b * dx_b) [+ float(M_b) * (Dm_b * dx_b)], added to
// lane b % 8 of two float32x4 accumulators, and the 4/2/1 tree at the end.
//
// Formats with a zero point (Q4_0: 8, Q5_0: 16) are decoded unsigned and
// corrected with I_b = sum(u * x) - zero * xsum_b, as on x86; K-quant
// sub-block scales multiply the block's integer sum (Q4_K, Q5_K) or the
// int16 weights (Q6_K, whose two halves have different scales).

// V8 compiles SIMD128 one instruction at a time (no cross-instruction
// fusion), so the code names the cheap operations directly: 16-bit shifts
// plus masks instead of byte shifts, compares instead of variable shifts.
//
// Decode (one token) on the legacy formats has its own path, MatvecLegacy:
// Q4_0 / Q4_1 nibbles taken straight from 16-bit lanes against activations
// permuted to match (no widening), four rows at a time from four
// sequential streams, the partial last group of a row vectorized, and the
// group's f16 scales converted with one special-value test for all eight.

namespace wasmq {

using gguf::TensorType;

// Scratch buffers reused across calls. wasm32-wasi builds have one thread
// and no __cxa_thread_atexit for a thread_local's destructor.
#if defined(LITHIUM_NO_THREADS)
#define LITHIUM_WASMQ_SCRATCH static
#else
#define LITHIUM_WASMQ_SCRATCH thread_local
#endif

// 32-bit lanes of four vectors summed: out[i] = sum of the lanes of v_i.
HWY_INLINE v128_t Reduce4(v128_t a, v128_t b, v128_t c, v128_t d) {
  const v128_t ab = wasm_i32x4_add(wasm_i32x4_shuffle(a, b, 0, 4, 1, 5), wasm_i32x4_shuffle(a, b, 2, 6, 3, 7));
  const v128_t cd = wasm_i32x4_add(wasm_i32x4_shuffle(c, d, 0, 4, 1, 5), wasm_i32x4_shuffle(c, d, 2, 6, 3, 7));
  return wasm_i32x4_add(wasm_i32x4_shuffle(ab, cd, 0, 1, 4, 5), wasm_i32x4_shuffle(ab, cd, 2, 3, 6, 7));
}

// Eight IEEE halves (u16 lanes) to two float32x4, bit for bit as F16ToF32:
// the half's exponent and mantissa moved into a float and scaled by 2^112
// is exact for normals, subnormals and zero; infinities and NaNs (exponent
// 31) get the float exponent 255 and keep their mantissa bits.
HWY_INLINE void HalvesToFloats(v128_t h, v128_t* lo, v128_t* hi) {
  // Sign-extended, the half's sign lands on bit 31 after the shift by 13,
  // so one mask keeps sign, exponent and mantissa, and the multiply by
  // 2^112 scales with the sign in place (-0 stays -0).
  const v128_t halves[2] = {wasm_i32x4_extend_low_i16x8(h), wasm_i32x4_extend_high_i16x8(h)};
  v128_t out[2];
  for (int i = 0; i < 2; ++i) {
    const v128_t v = halves[i];
    const v128_t sem = wasm_v128_and(wasm_i32x4_shl(v, 13), wasm_i32x4_splat(int32_t(0x8fffe000u)));
    const v128_t scaled = wasm_f32x4_mul(sem, wasm_f32x4_splat(0x1p112f));
    const v128_t special = wasm_v128_or(sem, wasm_i32x4_splat(0x7f800000));
    const v128_t is_special =
        wasm_i32x4_eq(wasm_v128_and(v, wasm_i32x4_splat(0x7c00)), wasm_i32x4_splat(0x7c00));
    out[i] = wasm_v128_bitselect(special, scaled, is_special);
  }
  *lo = out[0];
  *hi = out[1];
}

// The same, with one test for exponent 31 across all eight halves: scales
// are finite in any real model, and then each half costs four operations.
HWY_INLINE void HalvesToFloatsFast(v128_t h, v128_t* lo, v128_t* hi) {
  const v128_t e = wasm_i16x8_splat(0x7c00);
  if (HWY_UNLIKELY(wasm_v128_any_true(wasm_i16x8_eq(wasm_v128_and(h, e), e)))) {
    HalvesToFloats(h, lo, hi);
    return;
  }
  const v128_t m = wasm_i32x4_splat(int32_t(0x8fffe000u)), k = wasm_f32x4_splat(0x1p112f);
  *lo = wasm_f32x4_mul(wasm_v128_and(wasm_i32x4_shl(wasm_i32x4_extend_low_i16x8(h), 13), m), k);
  *hi = wasm_f32x4_mul(wasm_v128_and(wasm_i32x4_shl(wasm_i32x4_extend_high_i16x8(h), 13), m), k);
}

// Exact int32 dot of one decoded block (four int16x8) with 32 int16
// activations.
HWY_INLINE v128_t Dot32(const v128_t* w, const int16_t* x) {
  const v128_t s0 = wasm_i32x4_dot_i16x8(w[0], wasm_v128_load(x));
  const v128_t s1 = wasm_i32x4_dot_i16x8(w[1], wasm_v128_load(x + 8));
  const v128_t s2 = wasm_i32x4_dot_i16x8(w[2], wasm_v128_load(x + 16));
  const v128_t s3 = wasm_i32x4_dot_i16x8(w[3], wasm_v128_load(x + 24));
  return wasm_i32x4_add(wasm_i32x4_add(s0, s1), wasm_i32x4_add(s2, s3));
}

// The fifth bits of a Q5_0 / Q5_1 block: byte i of *lo is 0x10 where bit i
// of the 32-bit qh (little endian, at p) is set, byte i of *hi where bit
// 16 + i is. One load, two byte shuffles (each qh byte to eight lanes),
// then a per-lane bit test.
HWY_INLINE void HighBits32(const uint8_t* p, v128_t* lo, v128_t* hi) {
  const v128_t mask = wasm_u8x16_make(1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128);
  const v128_t q = wasm_v128_load32_zero(p);
  const v128_t b0 = wasm_i8x16_shuffle(q, q, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1);
  const v128_t b1 = wasm_i8x16_shuffle(q, q, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);
  const v128_t bit4 = wasm_i8x16_splat(0x10);
  *lo = wasm_v128_and(wasm_i8x16_eq(wasm_v128_and(b0, mask), mask), bit4);
  *hi = wasm_v128_and(wasm_i8x16_eq(wasm_v128_and(b1, mask), mask), bit4);
}

// Low nibbles of 16 bytes (elements 0-15 of a legacy 4-bit block) and
// high nibbles (elements 16-31).
HWY_INLINE v128_t LowNibbles(v128_t q) { return wasm_v128_and(q, wasm_i8x16_splat(0x0F)); }
HWY_INLINE v128_t HighNibbles(v128_t q) { return wasm_v128_and(wasm_u16x8_shr(q, 4), wasm_i8x16_splat(0x0F)); }

// Two vectors of 16 unsigned / signed bytes (elements 0-15, 16-31) widened
// to the four int16x8 of a decoded block. (Splitting even and odd bytes of
// 16-bit lanes with masks and shifts instead measured 20-25% slower in
// node 20: V8 lowers the extends to single instructions.)
HWY_INLINE void WidenU(v128_t a, v128_t b, v128_t* w) {
  w[0] = wasm_u16x8_extend_low_u8x16(a);
  w[1] = wasm_u16x8_extend_high_u8x16(a);
  w[2] = wasm_u16x8_extend_low_u8x16(b);
  w[3] = wasm_u16x8_extend_high_u8x16(b);
}
HWY_INLINE void WidenS(v128_t a, v128_t b, v128_t* w) {
  w[0] = wasm_i16x8_extend_low_i8x16(a);
  w[1] = wasm_i16x8_extend_high_i8x16(a);
  w[2] = wasm_i16x8_extend_low_i8x16(b);
  w[3] = wasm_i16x8_extend_high_i8x16(b);
}

// Format facts, all compile-time: whether the type is a K-quant (one
// super-block = one group of 8 blocks), bytes per format block, whether it
// has a min (an f16 after the legacy scale; dmin for K-quants), and the
// zero point as a shift (legacy scales sit at byte 0 of each block).
template <uint32_t kType>
struct Fmt {
  static constexpr bool kK = kType == uint32_t(TensorType::kQ4_K) || kType == uint32_t(TensorType::kQ5_K) ||
                             kType == uint32_t(TensorType::kQ6_K);
  static constexpr size_t kBytes = kType == uint32_t(TensorType::kQ8_0)   ? 34
                                   : kType == uint32_t(TensorType::kQ4_0) ? 18
                                   : kType == uint32_t(TensorType::kQ4_1) ? 20
                                   : kType == uint32_t(TensorType::kQ5_0) ? 22
                                   : kType == uint32_t(TensorType::kQ5_1) ? 24
                                   : kType == uint32_t(TensorType::kQ4_K) ? 144
                                   : kType == uint32_t(TensorType::kQ5_K) ? 176
                                                                          : 210;
  static constexpr bool kMin = kType == uint32_t(TensorType::kQ4_1) || kType == uint32_t(TensorType::kQ5_1) ||
                               kType == uint32_t(TensorType::kQ4_K) || kType == uint32_t(TensorType::kQ5_K);
  static constexpr int kZeroShift = kType == uint32_t(TensorType::kQ4_0) ? 3  // 8 * xsum
                                    : kType == uint32_t(TensorType::kQ5_0) ? 4  // 16 * xsum
                                                                           : 0;
};

// Q4_0 and Q4_1 blocks are decoded in "split" order (see DecodeLegacy) and
// their activations permuted to match; every other format keeps the
// natural element order.
template <uint32_t kType>
inline constexpr bool kSplitNibbles = kType == uint32_t(TensorType::kQ4_0) || kType == uint32_t(TensorType::kQ4_1);

// Decodes block `b` of a legacy-format row into four int16x8 in activation
// order (unsigned values for the formats with a zero point or a min).
template <uint32_t kType>
HWY_INLINE void DecodeLegacy(const uint8_t* row, size_t b, v128_t* w) {
  const uint8_t* p = row + Fmt<kType>::kBytes * b;
  if constexpr (kType == uint32_t(TensorType::kQ8_0)) {
    WidenS(wasm_v128_load(p + 2), wasm_v128_load(p + 18), w);
  } else if constexpr (kSplitNibbles<kType>) {
    // Straight from the 16-bit lanes of the packed bytes: lane i holds
    // bytes 2i and 2i + 1, i.e. elements 2i (bits 0-3), 16 + 2i (4-7),
    // 2i + 1 (8-11) and 17 + 2i (12-15). The activations are permuted to
    // that order once per call (PrepareActivations), so no widening is
    // needed: one mask per vector, no extends.
    const v128_t q = wasm_v128_load(p + (Fmt<kType>::kMin ? 4 : 2));
    const v128_t m = wasm_i16x8_splat(0x000F);
    w[0] = wasm_v128_and(q, m);
    w[1] = wasm_v128_and(wasm_u16x8_shr(q, 4), m);
    w[2] = wasm_v128_and(wasm_u16x8_shr(q, 8), m);
    w[3] = wasm_u16x8_shr(q, 12);
  } else {  // Q5_0, Q5_1
    const size_t hoff = Fmt<kType>::kMin ? 4 : 2;
    v128_t h0, h1;
    HighBits32(p + hoff, &h0, &h1);
    const v128_t q = wasm_v128_load(p + hoff + 4);
    WidenU(wasm_v128_or(LowNibbles(q), h0), wasm_v128_or(HighNibbles(q), h1), w);
  }
}

// Decodes sub-block j (0-7) of the K-quant super-block at p. Q4_K / Q5_K
// give unsigned values whose scale is applied to the block sum; Q6_K gives
// signed values already multiplied by their 16-element scales.
template <uint32_t kType>
HWY_INLINE void DecodeK(const uint8_t* p, int j, v128_t* w) {
  if constexpr (kType == uint32_t(TensorType::kQ6_K)) {
    const int h = j / 4, k = j % 4;
    const uint8_t* lo = p + 64 * h + (k & 1 ? 32 : 0);
    const uint8_t* qh = p + 128 + 32 * h;
    const v128_t m4 = wasm_i8x16_splat(0x0F), m3 = wasm_i8x16_splat(0x03), c32 = wasm_i8x16_splat(32);
    v128_t v[2];
    for (int i = 0; i < 2; ++i) {
      const v128_t l = wasm_v128_load(lo + 16 * i);
      const v128_t l4 = wasm_v128_and(k >= 2 ? wasm_u16x8_shr(l, 4) : l, m4);
      const v128_t h2 = wasm_v128_and(wasm_u16x8_shr(wasm_v128_load(qh + 16 * i), 2 * k), m3);
      // (l4 | h2 << 4) - 32 in [-32, 31]; h2 << 4 stays inside its byte.
      v[i] = wasm_i8x16_sub(wasm_v128_or(l4, wasm_i16x8_shl(h2, 4)), c32);
    }
    WidenS(v[0], v[1], w);
    const int8_t* sc = reinterpret_cast<const int8_t*>(p + 192 + 8 * h + 2 * k);
    const v128_t s0 = wasm_i16x8_splat(sc[0]), s1 = wasm_i16x8_splat(sc[1]);
    // |w * scale| <= 32 * 128: exact in int16.
    w[0] = wasm_i16x8_mul(w[0], s0);
    w[1] = wasm_i16x8_mul(w[1], s0);
    w[2] = wasm_i16x8_mul(w[2], s1);
    w[3] = wasm_i16x8_mul(w[3], s1);
  } else {
    constexpr bool five = kType == uint32_t(TensorType::kQ5_K);
    const uint8_t* ql = p + (five ? 48 : 16) + 32 * (j / 2);
    const v128_t m4 = wasm_i8x16_splat(0x0F);
    v128_t v[2];
    for (int i = 0; i < 2; ++i) {
      const v128_t q = wasm_v128_load(ql + 16 * i);
      v[i] = wasm_v128_and((j & 1) ? wasm_u16x8_shr(q, 4) : q, m4);
      if constexpr (five) {
        const v128_t bit = wasm_i8x16_splat(int8_t(1 << j));
        const v128_t set = wasm_i8x16_eq(wasm_v128_and(wasm_v128_load(p + 16 + 16 * i), bit), bit);
        v[i] = wasm_v128_or(v[i], wasm_v128_and(set, wasm_i8x16_splat(0x10)));
      }
    }
    WidenU(v[0], v[1], w);
  }
}

// Per-group factors shared by every token: D_b and Dm_b for lanes b % 8 in
// two float32x4 each, and the integer multipliers of the block sum (K-quant
// scales) and of the activation sum (min scales).
struct GroupScales {
  v128_t d[2], dm[2];
  v128_t isc[2];  // Q4_K / Q5_K sub-block scales
  v128_t msc[2];  // min scales: M_b = msc * xsum_b
};

// The 6-bit scales and mins of a Q4_K / Q5_K super-block, as ScaleMinK4
// defines them, unpacked four at a time with 32-bit masks (ggml's trick):
// bytes 0-7 of the result are the scales, bytes 8-15 the mins.
HWY_INLINE v128_t ScalesMinsK4(const uint8_t* q) {
  uint32_t u[4];
  std::memcpy(u, q, 12);
  const uint32_t m6 = 0x3f3f3f3f, m4 = 0x0f0f0f0f, m2 = 0x03030303;
  u[3] = ((u[2] >> 4) & m4) | (((u[1] >> 6) & m2) << 4);
  const uint32_t mins_lo = u[1] & m6;
  u[1] = (u[2] & m4) | (((u[0] >> 6) & m2) << 4);
  u[2] = mins_lo;
  u[0] &= m6;
  return wasm_v128_load(u);
}

// The f16 at p + stride * k in lane k (load16_lane: one load-and-insert
// each).
HWY_INLINE v128_t Gather8Halves(const uint8_t* p, size_t stride) {
  v128_t v = wasm_i16x8_splat(0);
  v = wasm_v128_load16_lane(p, v, 0);
  v = wasm_v128_load16_lane(p + stride, v, 1);
  v = wasm_v128_load16_lane(p + 2 * stride, v, 2);
  v = wasm_v128_load16_lane(p + 3 * stride, v, 3);
  v = wasm_v128_load16_lane(p + 4 * stride, v, 4);
  v = wasm_v128_load16_lane(p + 5 * stride, v, 5);
  v = wasm_v128_load16_lane(p + 6 * stride, v, 6);
  return wasm_v128_load16_lane(p + 7 * stride, v, 7);
}

template <uint32_t kType>
HWY_INLINE void LoadGroupScales(const uint8_t* row, size_t g, GroupScales* s) {
  using F = Fmt<kType>;
  if constexpr (!F::kK) {
    const uint8_t* p = row + F::kBytes * 8 * g;
    const size_t B = F::kBytes;
    HalvesToFloatsFast(Gather8Halves(p, B), &s->d[0], &s->d[1]);
    if constexpr (F::kMin) HalvesToFloatsFast(Gather8Halves(p + 2, B), &s->dm[0], &s->dm[1]);
  } else if constexpr (kType == uint32_t(TensorType::kQ6_K)) {
    const uint8_t* p = row + F::kBytes * g;
    s->d[0] = s->d[1] = wasm_f32x4_splat(F16ToF32(Load16(p + 208)));
  } else {
    const uint8_t* p = row + F::kBytes * g;
    s->d[0] = s->d[1] = wasm_f32x4_splat(F16ToF32(Load16(p)));
    s->dm[0] = s->dm[1] = wasm_f32x4_splat(-F16ToF32(Load16(p + 2)));
    const v128_t sm = ScalesMinsK4(p + 4);
    const v128_t sc16 = wasm_u16x8_extend_low_u8x16(sm), m16 = wasm_u16x8_extend_high_u8x16(sm);
    s->isc[0] = wasm_u32x4_extend_low_u16x8(sc16);
    s->isc[1] = wasm_u32x4_extend_high_u16x8(sc16);
    s->msc[0] = wasm_u32x4_extend_low_u16x8(m16);
    s->msc[1] = wasm_u32x4_extend_high_u16x8(m16);
  }
}

// Decodes block k (0-7) of group g.
template <uint32_t kType>
HWY_INLINE void DecodeBlock(const uint8_t* row, size_t g, int k, v128_t* w) {
  if constexpr (Fmt<kType>::kK) {
    DecodeK<kType>(row + Fmt<kType>::kBytes * g, k, w);
  } else {
    DecodeLegacy<kType>(row, 8 * g + size_t(k), w);
  }
}

// The float steps for one token and one whole group: the exact I_b of its 8
// blocks (from the raw block sums) and acc[b % 8] += f_b.
template <uint32_t kType>
HWY_INLINE void Accumulate(const GroupScales& s, v128_t i_lo, v128_t i_hi, const float* dx, const int32_t* xs,
                           v128_t* acc) {
  using F = Fmt<kType>;
  v128_t iv[2] = {i_lo, i_hi};
  for (int h = 0; h < 2; ++h) {
    const v128_t dxv = wasm_v128_load(dx + 4 * h);
    v128_t xsv = wasm_i32x4_splat(0);
    if constexpr (F::kMin || F::kZeroShift != 0) xsv = wasm_v128_load(xs + 4 * h);
    if constexpr (F::kZeroShift != 0) iv[h] = wasm_i32x4_sub(iv[h], wasm_i32x4_shl(xsv, F::kZeroShift));
    if constexpr (F::kK && F::kMin) iv[h] = wasm_i32x4_mul(iv[h], s.isc[h]);
    const v128_t p = wasm_f32x4_mul(s.d[h], dxv);
    v128_t f = wasm_f32x4_mul(wasm_f32x4_convert_i32x4(iv[h]), p);
    if constexpr (F::kMin) {
      const v128_t q = wasm_f32x4_mul(s.dm[h], dxv);
      const v128_t mv = F::kK ? wasm_i32x4_mul(s.msc[h], xsv) : xsv;
      f = wasm_f32x4_add(f, wasm_f32x4_mul(wasm_f32x4_convert_i32x4(mv), q));
    }
    acc[h] = wasm_f32x4_add(acc[h], f);
  }
}

// A legacy row's last, partial group (valid < 8 blocks): the same steps,
// block by block, so nothing is read past the row or the activations.
template <uint32_t kType>
HWY_INLINE void AccumulateTail(const uint8_t* row, size_t g, size_t valid, const int16_t* x16, const float* dx,
                               const int32_t* xs, float* lanes) {
  using F = Fmt<kType>;
  for (size_t k = 0; k < valid; ++k) {
    v128_t w[4];
    DecodeLegacy<kType>(row, 8 * g + k, w);
    const v128_t z = wasm_i32x4_splat(0);
    int32_t i = wasm_i32x4_extract_lane(Reduce4(Dot32(w, x16 + 32 * k), z, z, z), 0);
    if constexpr (F::kZeroShift != 0) i -= xs[k] * (1 << F::kZeroShift);
    const uint8_t* p = row + F::kBytes * (8 * g + k);
    const float p_d = F16ToF32(Load16(p)) * dx[k];
    float f = static_cast<float>(i) * p_d;
    if constexpr (F::kMin) {
      const float q = F16ToF32(Load16(p + 2)) * dx[k];
      f = f + static_cast<float>(xs[k]) * q;
    }
    lanes[k] = lanes[k] + f;
  }
}

// V8 compiles each basic block with loads placed early and arithmetic
// late, ignoring register pressure: a straight-line stretch with many
// independent loads keeps them all live and spills (an unrolled group of 8
// blocks measured 30% slower). A store orders everything before it, so the
// decode path below works block by block in a loop that stores each block
// sum, and keeps its float accumulators in memory through StoreOrdered.
HWY_INLINE void StoreOrdered(v128_t* p, v128_t v) { *reinterpret_cast<volatile v128_t*>(p) = v; }
HWY_INLINE v128_t LoadOrdered(const v128_t* p) { return *reinterpret_cast<const volatile v128_t*>(p); }

// The float steps of one row's group (or partial group of nk < 8 blocks,
// kPartial) after its block sums: the group's scales, I_b, f_b and
// acc[b % 8] += f_b. A partial group's missing blocks get zero scales and
// zero activation factors (dxg, xsg zero-padded) and whatever integers
// sums[k >= nk] hold; their accumulator lanes are kept by a select, so
// every lane sees exactly the reference's adds.
template <uint32_t kType, bool kPartial>
HWY_INLINE void GroupFloats(const uint8_t* row, size_t g, size_t nk, const v128_t* sums, const float* dxg,
                            const int32_t* xsg, v128_t* acc, v128_t keep_lo, v128_t keep_hi) {
  using F = Fmt<kType>;
  GroupScales s{};
  if constexpr (!kPartial) {
    LoadGroupScales<kType>(row, g, &s);
  } else {
    const uint8_t* p = row + F::kBytes * 8 * g;
    alignas(16) uint16_t hbits[8] = {}, mbits[8] = {};
    for (size_t k = 0; k < nk; ++k) {
      hbits[k] = Load16(p + F::kBytes * k);
      if constexpr (F::kMin) mbits[k] = Load16(p + F::kBytes * k + 2);
    }
    HalvesToFloats(wasm_v128_load(hbits), &s.d[0], &s.d[1]);
    if constexpr (F::kMin) HalvesToFloats(wasm_v128_load(mbits), &s.dm[0], &s.dm[1]);
  }
  const v128_t old[2] = {LoadOrdered(acc), LoadOrdered(acc + 1)};
  v128_t a[2] = {old[0], old[1]};
  Accumulate<kType>(s, Reduce4(sums[0], sums[1], sums[2], sums[3]), Reduce4(sums[4], sums[5], sums[6], sums[7]), dxg,
                    xsg, a);
  if constexpr (kPartial) {
    a[0] = wasm_v128_bitselect(old[0], a[0], keep_lo);
    a[1] = wasm_v128_bitselect(old[1], a[1], keep_hi);
  }
  StoreOrdered(acc, a[0]);
  StoreOrdered(acc + 1, a[1]);
}

// Blocks 8g .. 8g + nk - 1 of kRows rows against the same activations: the
// exact block sums into sums[i][k] for row i; the activation loads are
// shared by the rows.
template <uint32_t kType, int kRows>
HWY_INLINE void GroupSums(const uint8_t* const* rows, size_t g, size_t nk, const int16_t* xg, v128_t (*sums)[8]) {
#pragma clang loop unroll(disable)
  for (size_t k = 0; k < nk; ++k) {
    const int16_t* xk = xg + 32 * k;
    const v128_t x0 = wasm_v128_load(xk), x1 = wasm_v128_load(xk + 8), x2 = wasm_v128_load(xk + 16),
                 x3 = wasm_v128_load(xk + 24);
    for (int i = 0; i < kRows; ++i) {
      v128_t wi[4];
      DecodeLegacy<kType>(rows[i], 8 * g + k, wi);
      sums[i][k] = wasm_i32x4_add(wasm_i32x4_add(wasm_i32x4_dot_i16x8(wi[0], x0), wasm_i32x4_dot_i16x8(wi[1], x1)),
                                  wasm_i32x4_add(wasm_i32x4_dot_i16x8(wi[2], x2), wasm_i32x4_dot_i16x8(wi[3], x3)));
    }
  }
}

// One token (decode) on a legacy format, rows [r_begin, r_end) (a multiple
// of kRows of them), kRows rows at a time sharing the activation loads. A
// row's last partial group (valid < 8 blocks, e.g. 4 of the 28 blocks of an
// 896-wide row) takes the vector path too (GroupFloats<kType, true>).
template <uint32_t kType, int kRows>
void MatvecLegacy(const Weights& w, const ActQ8& x, const int16_t* x16, float* y, size_t r_begin, size_t r_end) {
  const size_t nb = w.cols / kQBlock, full = nb / 8, tail = nb % 8;
  const float* dx = x.d.data();
  const int32_t* xs = x.sum.data();
  // The partial group's activation factors, zero-padded to 8 lanes (the
  // arrays end at nb), and the lanes it must leave alone.
  alignas(16) float dx_tail[8] = {};
  alignas(16) int32_t xs_tail[8] = {};
  alignas(16) int32_t keep_bits[8];
  for (size_t k = 0; k < tail; ++k) {
    dx_tail[k] = dx[8 * full + k];
    xs_tail[k] = xs[8 * full + k];
  }
  for (size_t k = 0; k < 8; ++k) keep_bits[k] = k < tail ? 0 : -1;
  v128_t sums[kRows][8], acc[2 * kRows], keep[2];
  // Kept in memory: recomputing the masks from `tail` costs more.
  StoreOrdered(keep, wasm_v128_load(keep_bits));
  StoreOrdered(keep + 1, wasm_v128_load(keep_bits + 4));
  // Row i of step j is r_begin + i * per + j: each of the kRows rows walks
  // its own contiguous stretch of the matrix, so the weights are read as
  // kRows sequential streams.
  const size_t per = (r_end - r_begin) / kRows;  // the caller passes a multiple of kRows
  for (size_t j = 0; j < per; ++j) {
    size_t ridx[kRows];
    const uint8_t* rows[kRows];
    for (int i = 0; i < kRows; ++i) {
      ridx[i] = r_begin + size_t(i) * per + j;
      rows[i] = static_cast<const uint8_t*>(w.data) + ridx[i] * w.row_bytes;
    }
    for (int i = 0; i < 2 * kRows; ++i) StoreOrdered(acc + i, wasm_f32x4_splat(0.0f));
    for (size_t g = 0; g < full; ++g) {
      GroupSums<kType, kRows>(rows, g, 8, x16 + 256 * g, sums);
      for (int i = 0; i < kRows; ++i) {
        GroupFloats<kType, false>(rows[i], g, 8, sums[i], dx + 8 * g, xs + 8 * g, acc + 2 * i, keep[0], keep[1]);
      }
    }
    if (tail != 0) {
      // sums[i][k] for k >= tail still hold the previous group's sums:
      // finite integers whose lanes the select in GroupFloats drops.
      GroupSums<kType, kRows>(rows, full, tail, x16 + 256 * full, sums);
      for (int i = 0; i < kRows; ++i) {
        GroupFloats<kType, true>(rows[i], full, tail, sums[i], dx_tail, xs_tail, acc + 2 * i, LoadOrdered(keep),
                                 LoadOrdered(keep + 1));
      }
    }
    for (int i = 0; i < kRows; ++i) {
      alignas(16) float lanes[8];
      wasm_v128_store(lanes, LoadOrdered(acc + 2 * i));
      wasm_v128_store(lanes + 4, LoadOrdered(acc + 2 * i + 1));
      for (int st = 4; st >= 1; st /= 2) {
        for (int k = 0; k < st; ++k) lanes[k] = lanes[k] + lanes[k + st];
      }
      y[ridx[i]] = lanes[0];
    }
  }
}

// Rows [r_begin, r_end) of one type. kOne: a single token (decode), where
// each block is decoded and dotted at once; otherwise a group's 8 decoded
// blocks are kept and reused for every token.
template <uint32_t kType, bool kOne>
void MatmulT(const Weights& w, const ActQ8& x, const int16_t* x16, float* y, size_t y_stride, size_t r_begin,
             size_t r_end) {
  const size_t nb = w.cols / kQBlock, full = nb / 8, tail = nb % 8;  // K-quant rows are whole groups
  const size_t n_tokens = x.n_tokens;
  LITHIUM_WASMQ_SCRATCH std::vector<v128_t> acc_buf;
  acc_buf.resize(2 * n_tokens);
  v128_t* acc = acc_buf.data();
  for (size_t r = r_begin; r < r_end; ++r) {
    const uint8_t* row = static_cast<const uint8_t*>(w.data) + r * w.row_bytes;
    for (size_t t = 0; t < n_tokens; ++t) acc[2 * t] = acc[2 * t + 1] = wasm_f32x4_splat(0.0f);
    for (size_t g = 0; g < full; ++g) {
      GroupScales s{};
      LoadGroupScales<kType>(row, g, &s);
      if constexpr (kOne) {
        const int16_t* xg = x16 + 256 * g;
        v128_t sums[8];
        for (int k = 0; k < 8; ++k) {
          v128_t wb[4];
          DecodeBlock<kType>(row, g, k, wb);
          sums[k] = Dot32(wb, xg + 32 * k);
        }
        Accumulate<kType>(s, Reduce4(sums[0], sums[1], sums[2], sums[3]), Reduce4(sums[4], sums[5], sums[6], sums[7]),
                          x.d.data() + 8 * g, x.sum.data() + 8 * g, acc);
      } else {
        v128_t wb[8][4];
        for (int k = 0; k < 8; ++k) DecodeBlock<kType>(row, g, k, wb[k]);
        for (size_t t = 0; t < n_tokens; ++t) {
          const int16_t* xg = x16 + t * w.cols + 256 * g;
          v128_t sums[8];
          for (int k = 0; k < 8; ++k) sums[k] = Dot32(wb[k], xg + 32 * k);
          Accumulate<kType>(s, Reduce4(sums[0], sums[1], sums[2], sums[3]),
                            Reduce4(sums[4], sums[5], sums[6], sums[7]), x.d.data() + t * nb + 8 * g,
                            x.sum.data() + t * nb + 8 * g, acc + 2 * t);
        }
      }
    }
    for (size_t t = 0; t < n_tokens; ++t) {
      alignas(16) float lanes[8];
      wasm_v128_store(lanes, acc[2 * t]);
      wasm_v128_store(lanes + 4, acc[2 * t + 1]);
      if constexpr (!Fmt<kType>::kK) {
        if (tail != 0) {
          AccumulateTail<kType>(row, full, tail, x16 + t * w.cols + 256 * full, x.d.data() + t * nb + 8 * full,
                                x.sum.data() + t * nb + 8 * full, lanes);
        }
      }
      for (int st = 4; st >= 1; st /= 2) {
        for (int k = 0; k < st; ++k) lanes[k] = lanes[k] + lanes[k + st];
      }
      y[t * y_stride + r] = lanes[0];
    }
  }
}

template <uint32_t kType>
void MatmulType(const Weights& w, const ActQ8& x, const int16_t* x16, float* y, size_t y_stride, size_t r_begin,
                size_t r_end) {
  if (x.n_tokens == 1 && !Fmt<kType>::kK) {
    // Four rows at a time, each from its own quarter of the range (four
    // sequential weight streams), the leftover rows one by one. Measured in
    // node 20 on the Qwen2.5-0.5B shapes: for cache-resident matrices any
    // number of rows beyond one helps (shared activation loads), but for
    // the real decode, where every matrix streams from DRAM, 2 to 8
    // adjacent rows were slower than one row, and 4 quarter-streams about
    // 20% faster than one row.
    const size_t bulk = r_begin + (r_end - r_begin) / 4 * 4;
    if (bulk > r_begin) MatvecLegacy<kType, 4>(w, x, x16, y, r_begin, bulk);
    if (bulk < r_end) MatvecLegacy<kType, 1>(w, x, x16, y, bulk, r_end);
  } else if (x.n_tokens == 1) {
    MatmulT<kType, true>(w, x, x16, y, y_stride, r_begin, r_end);
  } else {
    MatmulT<kType, false>(w, x, x16, y, y_stride, r_begin, r_end);
  }
}

}  // namespace wasmq

// The whole quantized matmul for rows [r_begin, r_end) on SIMD128. Returns
// false for a type without a fused path (none today; the generic path
// stays as the fallback).
HWY_INLINE bool MatmulQWasm(const Weights& w, const ActQ8& x, float* y, size_t y_stride, size_t r_begin,
                            size_t r_end) {
  using gguf::TensorType;
  const bool k_quant = w.type == uint32_t(TensorType::kQ4_K) || w.type == uint32_t(TensorType::kQ5_K) ||
                       w.type == uint32_t(TensorType::kQ6_K);
  // K-quant rows are whole super-blocks (the GGUF reader checks it); leave
  // anything else to the generic path rather than read past a row.
  if (k_quant && w.cols % 256 != 0) return false;
  // Activations widened to int16 once per call (cols * tokens values, small
  // next to the rows * cols weights).
  LITHIUM_WASMQ_SCRATCH std::vector<int16_t> x16_buf;
  x16_buf.resize(x.n_tokens * x.cols);
  int16_t* x16 = x16_buf.data();
  const bool split = w.type == uint32_t(TensorType::kQ4_0) || w.type == uint32_t(TensorType::kQ4_1);
  for (size_t i = 0; i < x.n_tokens * x.cols; i += 32) {
    const v128_t a = wasm_v128_load(x.q.data() + i), b = wasm_v128_load(x.q.data() + i + 16);
    v128_t v[4];
    if (split) {
      // The order of wasmq::DecodeLegacy's split nibbles: even elements
      // 0-14, 16-30, then odd elements 1-15, 17-31 (sign-extended bytes of
      // the 16-bit lanes).
      v[0] = wasm_i16x8_shr(wasm_i16x8_shl(a, 8), 8);
      v[1] = wasm_i16x8_shr(wasm_i16x8_shl(b, 8), 8);
      v[2] = wasm_i16x8_shr(a, 8);
      v[3] = wasm_i16x8_shr(b, 8);
    } else {
      wasmq::WidenS(a, b, v);
    }
    for (int k = 0; k < 4; ++k) wasm_v128_store(x16 + i + 8 * k, v[k]);
  }
  switch (static_cast<TensorType>(w.type)) {
    case TensorType::kQ8_0: wasmq::MatmulType<uint32_t(TensorType::kQ8_0)>(w, x, x16, y, y_stride, r_begin, r_end); return true;
    case TensorType::kQ4_0: wasmq::MatmulType<uint32_t(TensorType::kQ4_0)>(w, x, x16, y, y_stride, r_begin, r_end); return true;
    case TensorType::kQ4_1: wasmq::MatmulType<uint32_t(TensorType::kQ4_1)>(w, x, x16, y, y_stride, r_begin, r_end); return true;
    case TensorType::kQ5_0: wasmq::MatmulType<uint32_t(TensorType::kQ5_0)>(w, x, x16, y, y_stride, r_begin, r_end); return true;
    case TensorType::kQ5_1: wasmq::MatmulType<uint32_t(TensorType::kQ5_1)>(w, x, x16, y, y_stride, r_begin, r_end); return true;
    case TensorType::kQ4_K: wasmq::MatmulType<uint32_t(TensorType::kQ4_K)>(w, x, x16, y, y_stride, r_begin, r_end); return true;
    case TensorType::kQ5_K: wasmq::MatmulType<uint32_t(TensorType::kQ5_K)>(w, x, x16, y, y_stride, r_begin, r_end); return true;
    case TensorType::kQ6_K: wasmq::MatmulType<uint32_t(TensorType::kQ6_K)>(w, x, x16, y, y_stride, r_begin, r_end); return true;
    default: return false;
  }
}

#undef LITHIUM_WASMQ_SCRATCH
