// AVX2 integer block dots for the quantized matmul, used by the AVX2 and
// AVX-512 targets (included from matmul_q-inl.h inside the target's
// namespace, so the intrinsics compile with that target's attributes).
//
// Each packed weight block is decoded once into 32 int8 lanes and an int16
// multiplier vector (1, or the K-quant sub-block scales), then dotted with
// every token's activation block: maddubs(|w|, sign(x, w)) pairs bytes into
// int16 (at most 2 * 128 * 127, no saturation), madd applies the multipliers
// into int32. The results are exact integers, equal to the reference's I_b
// by construction; the float steps stay in CombineBlocks.

// <immintrin.h> is already included by Highway's x86 headers, outside any
// namespace; this file is included inside the target's namespace.

// Eight int32 vectors -> one vector of their eight horizontal sums.
HWY_INLINE __m256i HorizontalSums8(const __m256i* v) {
  const __m256i s01 = _mm256_hadd_epi32(v[0], v[1]);
  const __m256i s23 = _mm256_hadd_epi32(v[2], v[3]);
  const __m256i s45 = _mm256_hadd_epi32(v[4], v[5]);
  const __m256i s67 = _mm256_hadd_epi32(v[6], v[7]);
  const __m256i s0123 = _mm256_hadd_epi32(s01, s23);
  const __m256i s4567 = _mm256_hadd_epi32(s45, s67);
  const __m256i lo = _mm256_permute2x128_si256(s0123, s4567, 0x20);
  const __m256i hi = _mm256_permute2x128_si256(s0123, s4567, 0x31);
  return _mm256_add_epi32(lo, hi);
}

// Spreads 32 bits to 32 bytes: byte i is 0xFF where bit i is set.
HWY_INLINE __m256i BytesFromBits32(uint32_t bits) {
  const __m256i shuf = _mm256_setr_epi64x(0x0000000000000000LL, 0x0101010101010101LL, 0x0202020202020202LL,
                                          0x0303030303030303LL);
  __m256i b = _mm256_shuffle_epi8(_mm256_set1_epi32(int32_t(bits)), shuf);
  const __m256i bit_mask = _mm256_set1_epi64x(0x7fbfdfeff7fbfdfeLL);
  b = _mm256_or_si256(b, bit_mask);
  return _mm256_cmpeq_epi8(b, _mm256_set1_epi64x(-1));
}

// Low nibbles of 16 bytes in lanes 0-15, high nibbles in lanes 16-31.
HWY_INLINE __m256i Nibbles16(const uint8_t* p) {
  const __m128i q = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const __m128i m = _mm_set1_epi8(0x0F);
  const __m128i lo = _mm_and_si128(q, m);
  const __m128i hi = _mm_and_si128(_mm_srli_epi16(q, 4), m);
  return _mm256_set_m128i(hi, lo);
}

struct DecodedBlock {
  __m256i w;      // 32 int8 weights in activation order
  __m256i mul16;  // int16 multipliers for madd
};

// Decodes the 8 blocks [8g, 8g + 8) of a row (block index within the row).
// Returns false for types without a fast path.
HWY_INLINE bool Decode8(uint32_t type, const uint8_t* row, size_t g, DecodedBlock* out, size_t valid = 8) {
  if (valid < 8) {
    // A row's last, partial group (legacy formats only: K-quant rows are
    // whole groups). Blocks past the row decode to zero weights.
    const __m256i z = _mm256_setzero_si256(), ones = _mm256_set1_epi16(1);
    DecodedBlock tmp[8];
    for (int k = 0; k < 8; ++k) tmp[k] = {z, ones};
    uint64_t be = 0, bb = 0;
    gguf::TensorTypeBlock(type, &be, &bb);
    alignas(32) uint8_t one[8 * 34];
    for (size_t k = 0; k < valid; ++k) {
      // Decode block k alone from a copy at group position 0.
      std::memcpy(one, row + bb * (8 * g + k), bb);
      DecodedBlock d8[8];
      std::memset(one + bb, 0, sizeof(one) - bb);
      if (!Decode8(type, one, 0, d8, 8)) return false;
      tmp[k] = d8[0];
    }
    for (int k = 0; k < 8; ++k) out[k] = tmp[k];
    return true;
  }
  using gguf::TensorType;
  const __m256i ones = _mm256_set1_epi16(1);
  switch (static_cast<TensorType>(type)) {
    case TensorType::kQ8_0:
      for (int k = 0; k < 8; ++k) {
        const uint8_t* p = row + 34 * (8 * g + k);
        out[k] = {_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 2)), ones};
      }
      return true;
    case TensorType::kQ4_0:
      for (int k = 0; k < 8; ++k) {
        const uint8_t* p = row + 18 * (8 * g + k);
        out[k] = {Nibbles16(p + 2), ones};  // unsigned; Bias() subtracts 8 * xsum
      }
      return true;
    case TensorType::kQ4_1:
      for (int k = 0; k < 8; ++k) out[k] = {Nibbles16(row + 20 * (8 * g + k) + 4), ones};
      return true;
    case TensorType::kQ5_0:
    case TensorType::kQ5_1: {
      const bool min = type == uint32_t(TensorType::kQ5_1);
      const size_t bytes = min ? 24 : 22, hoff = min ? 4 : 2;
      for (int k = 0; k < 8; ++k) {
        const uint8_t* p = row + bytes * (8 * g + k);
        const __m256i hi = _mm256_and_si256(BytesFromBits32(Load32(p + hoff)), _mm256_set1_epi8(0x10));
        // Unsigned; for Q5_0, Bias() subtracts 16 * xsum.
        out[k] = {_mm256_or_si256(Nibbles16(p + hoff + 4), hi), ones};
      }
      return true;
    }
    case TensorType::kQ4_K:
    case TensorType::kQ5_K: {
      // Group g is exactly super-block g: its eight 32-element sub-blocks.
      const bool five = type == uint32_t(TensorType::kQ5_K);
      const uint8_t* p = row + (five ? 176 : 144) * g;
      const uint8_t* ql = p + (five ? 48 : 16);
      const __m256i m4 = _mm256_set1_epi8(0x0F);
      const __m256i qh = five ? _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 16)) : _mm256_setzero_si256();
      for (int j = 0; j < 8; ++j) {
        uint8_t sc, m;
        ScaleMinK4(j, p + 4, &sc, &m);
        const __m256i q = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(ql + 32 * (j / 2)));
        __m256i w = _mm256_and_si256((j & 1) ? _mm256_srli_epi16(q, 4) : q, m4);
        if (five) {
          const __m256i h = _mm256_and_si256(_mm256_srli_epi16(qh, j), _mm256_set1_epi8(1));
          w = _mm256_or_si256(w, _mm256_slli_epi16(h, 4));
        }
        out[j] = {w, _mm256_set1_epi16(int16_t(sc))};
      }
      return true;
    }
    case TensorType::kQ6_K: {
      const uint8_t* p = row + 210 * g;
      const int8_t* scales = reinterpret_cast<const int8_t*>(p + 192);
      const __m256i m4 = _mm256_set1_epi8(0x0F), m3 = _mm256_set1_epi8(3);
      for (int h = 0; h < 2; ++h) {
        const __m256i qh = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 128 + 32 * h));
        for (int k = 0; k < 4; ++k) {
          const __m256i lo = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 64 * h + (k & 1 ? 32 : 0)));
          const __m256i l4 = _mm256_and_si256(k >= 2 ? _mm256_srli_epi16(lo, 4) : lo, m4);
          const __m256i h2 = _mm256_and_si256(_mm256_srli_epi16(qh, 2 * k), m3);
          const __m256i w = _mm256_sub_epi8(_mm256_or_si256(l4, _mm256_slli_epi16(h2, 4)), _mm256_set1_epi8(32));
          const int16_t s0 = scales[8 * h + 2 * k], s1 = scales[8 * h + 2 * k + 1];
          out[4 * h + k] = {w, _mm256_setr_epi16(s0, s0, s0, s0, s0, s0, s0, s0, s1, s1, s1, s1, s1, s1, s1, s1)};
        }
      }
      return true;
    }
    default:
      return false;
  }
}

// Formats decoded to unsigned values (0..31): the dot needs no sign trick,
// and a format's zero point b is applied exactly as I_b = sum(u * x) - b * xsum_b.
HWY_INLINE bool DecodesUnsigned(uint32_t type) {
  using gguf::TensorType;
  return type != uint32_t(TensorType::kQ8_0) && type != uint32_t(TensorType::kQ6_K);
}
HWY_INLINE int32_t Bias(uint32_t type) {
  using gguf::TensorType;
  return type == uint32_t(TensorType::kQ4_0) ? 8 : type == uint32_t(TensorType::kQ5_0) ? 16 : 0;
}

// I values (before any bias) of 8 unsigned decoded blocks against one
// token's 8 activation blocks: maddubs(u, x) needs no sign fix-up.
HWY_INLINE __m256i Dot8Unsigned(const DecodedBlock* blk, const int8_t* x) {
  __m256i v[8];
  for (int k = 0; k < 8; ++k) {
    const __m256i xv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + 32 * k));
    v[k] = _mm256_madd_epi16(_mm256_maddubs_epi16(blk[k].w, xv), blk[k].mul16);
  }
  return HorizontalSums8(v);
}

// I values of 8 decoded blocks against one token's 8 activation blocks.
HWY_INLINE __m256i Dot8(const DecodedBlock* blk, const int8_t* x) {
  __m256i v[8];
  for (int k = 0; k < 8; ++k) {
    const __m256i xv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + 32 * k));
    const __m256i p16 = _mm256_maddubs_epi16(_mm256_sign_epi8(blk[k].w, blk[k].w), _mm256_sign_epi8(xv, blk[k].w));
    v[k] = _mm256_madd_epi16(p16, blk[k].mul16);
  }
  return HorizontalSums8(v);
}

// Fills ib[t * nb + b] for every token and block of a row, 8 blocks at a
// time; the caller handles nb % 8 leftover blocks. Returns false when the
// type has no fast path.
HWY_INLINE bool RowDotsX86(uint32_t type, const uint8_t* row, const ActQ8& x, size_t nb, int32_t* ib) {
  DecodedBlock blk[8];
  for (size_t g = 0; g < nb / 8; ++g) {
    if (!Decode8(type, row, g, blk)) return false;
    for (size_t t = 0; t < x.n_tokens; ++t) {
      const int8_t* xq = x.q.data() + t * x.cols + 256 * g;
      __m256i iv = DecodesUnsigned(type) ? Dot8Unsigned(blk, xq) : Dot8(blk, xq);
      if (Bias(type) != 0) {
        const __m256i xsv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x.sum.data() + t * nb + 8 * g));
        iv = _mm256_sub_epi32(iv, _mm256_mullo_epi32(_mm256_set1_epi32(Bias(type)), xsv));
      }
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(ib + t * nb + 8 * g), iv);
    }
  }
  return true;
}

// Block layout facts for the fused path: bytes per format block, and where
// its f16 scale (and min) sit; K-quants have one scale per super-block.
struct X86Format {
  size_t bytes;        // bytes per format block
  size_t d_off;        // offset of the f16 scale (legacy formats)
  int has_m;           // f16 min at d_off + 2 (Q4_1, Q5_1)
  bool k_quant;
};

HWY_INLINE bool X86FormatOf(uint32_t type, X86Format* f) {
  using gguf::TensorType;
  switch (static_cast<TensorType>(type)) {
    case TensorType::kQ8_0: *f = {34, 0, 0, false}; return true;
    case TensorType::kQ4_0: *f = {18, 0, 0, false}; return true;
    case TensorType::kQ4_1: *f = {20, 0, 1, false}; return true;
    case TensorType::kQ5_0: *f = {22, 0, 0, false}; return true;
    case TensorType::kQ5_1: *f = {24, 0, 1, false}; return true;
    case TensorType::kQ4_K: *f = {144, 0, 1, true}; return true;
    case TensorType::kQ5_K: *f = {176, 0, 1, true}; return true;
    case TensorType::kQ6_K: *f = {210, 208, 0, true}; return true;
    default: return false;
  }
}

// One block of a group, decoded for the one-token path: the same values as
// Decode8's out[k], but built per block so that a decode step (one token per
// call) keeps eight int32 partial sums in registers instead of spilling 16
// decoded vectors to the stack. `grp` is the group's first byte: block 8g of
// a legacy row, super-block g of a K-quant row.
template <uint32_t kType>
HWY_INLINE DecodedBlock DecodeBlockT(const uint8_t* grp, int k) {
  using gguf::TensorType;
  constexpr TensorType t = static_cast<TensorType>(kType);
  const __m256i ones = _mm256_set1_epi16(1);
  if constexpr (t == TensorType::kQ8_0) {
    return {_mm256_loadu_si256(reinterpret_cast<const __m256i*>(grp + 34 * k + 2)), ones};
  } else if constexpr (t == TensorType::kQ4_0 || t == TensorType::kQ4_1) {
    // Low nibbles to lanes 0-15, high nibbles to 16-31: one broadcast load,
    // a per-half shift and a mask (the 64-bit shift's carried bits are masked).
    const uint8_t* q = grp + (t == TensorType::kQ4_0 ? 18 : 20) * k + (t == TensorType::kQ4_0 ? 2 : 4);
    const __m256i b = _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(q)));
    return {_mm256_and_si256(_mm256_srlv_epi64(b, _mm256_setr_epi64x(0, 0, 4, 4)), _mm256_set1_epi8(0x0F)), ones};
  } else if constexpr (t == TensorType::kQ5_0 || t == TensorType::kQ5_1) {
    constexpr size_t bytes = t == TensorType::kQ5_1 ? 24 : 22, hoff = t == TensorType::kQ5_1 ? 4 : 2;
    const uint8_t* p = grp + bytes * k;
    const __m256i hi = _mm256_and_si256(BytesFromBits32(Load32(p + hoff)), _mm256_set1_epi8(0x10));
    return {_mm256_or_si256(Nibbles16(p + hoff + 4), hi), ones};
  } else if constexpr (t == TensorType::kQ4_K || t == TensorType::kQ5_K) {
    // The sub-block scale is applied to the block's integer sum afterwards
    // (GroupDot1): sc * sum(q * x) is the same exact integer as sum((sc * q) * x).
    constexpr bool five = t == TensorType::kQ5_K;
    const __m256i q = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(grp + (five ? 48 : 16) + 32 * (k / 2)));
    __m256i w = _mm256_and_si256((k & 1) ? _mm256_srli_epi16(q, 4) : q, _mm256_set1_epi8(0x0F));
    if constexpr (five) {
      const __m256i qh = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(grp + 16));
      const __m256i h = _mm256_and_si256(_mm256_srli_epi16(qh, k), _mm256_set1_epi8(1));
      w = _mm256_or_si256(w, _mm256_slli_epi16(h, 4));
    }
    return {w, ones};
  } else {
    static_assert(t == TensorType::kQ6_K);
    const int h = k / 4, j = k % 4;
    const __m256i qh = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(grp + 128 + 32 * h));
    const __m256i lo = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(grp + 64 * h + (j & 1 ? 32 : 0)));
    const __m256i l4 = _mm256_and_si256(j >= 2 ? _mm256_srli_epi16(lo, 4) : lo, _mm256_set1_epi8(0x0F));
    const __m256i h2 = _mm256_and_si256(_mm256_srli_epi16(qh, 2 * j), _mm256_set1_epi8(3));
    const __m256i w = _mm256_sub_epi8(_mm256_or_si256(l4, _mm256_slli_epi16(h2, 4)), _mm256_set1_epi8(32));
    const int8_t* scales = reinterpret_cast<const int8_t*>(grp + 192);
    const int16_t s0 = scales[8 * h + 2 * j], s1 = scales[8 * h + 2 * j + 1];
    return {w, _mm256_setr_epi16(s0, s0, s0, s0, s0, s0, s0, s0, s1, s1, s1, s1, s1, s1, s1, s1)};
  }
}

// The eight 6-bit sub-block scales and mins of a Q4_K / Q5_K super-block
// (ScaleMinK4 for j = 0..7) as int32 lanes, from the 12 packed bytes at q.
HWY_INLINE void KScalesMins8(const uint8_t* q, __m256i* sc, __m256i* m) {
  const uint32_t u0 = Load32(q), u1 = Load32(q + 4), u2 = Load32(q + 8);
  const uint32_t sc_lo = u0 & 0x3f3f3f3fu, m_lo = u1 & 0x3f3f3f3fu;
  const uint32_t sc_hi = (u2 & 0x0f0f0f0fu) | ((u0 >> 2) & 0x30303030u);
  const uint32_t m_hi = ((u2 >> 4) & 0x0f0f0f0fu) | ((u1 >> 2) & 0x30303030u);
  *sc = _mm256_cvtepu8_epi32(_mm_cvtsi64_si128(int64_t(uint64_t(sc_lo) | (uint64_t(sc_hi) << 32))));
  *m = _mm256_cvtepu8_epi32(_mm_cvtsi64_si128(int64_t(uint64_t(m_lo) | (uint64_t(m_hi) << 32))));
}

// The 8 exact I values (before any bias) of one group against one token:
// decode and dot fused block by block. Blocks at or past `valid` (a legacy
// row's partial last group) are not read and give 0.
template <uint32_t kType>
HWY_INLINE __m256i GroupDot1(const uint8_t* grp, const int8_t* xq, size_t valid = 8) {
  constexpr bool q6k = kType == uint32_t(gguf::TensorType::kQ6_K);
  // Q6_K: the 16 int8 scales widened once per super-block into two vectors
  // holding scales 0-7 (8-15) in both halves; block k's multipliers
  // (scale 2k' in the low half, 2k'+1 in the high half) are one byte shuffle.
  __m256i s6[2] = {_mm256_setzero_si256(), _mm256_setzero_si256()};
  if constexpr (q6k) {
    const __m256i s16 = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(grp + 192)));
    s6[0] = _mm256_permute4x64_epi64(s16, 0x44);
    s6[1] = _mm256_permute4x64_epi64(s16, 0xEE);
  }
  __m256i v[8];
  for (int k = 0; k < 8; ++k) {
    if (size_t(k) >= valid) {
      v[k] = _mm256_setzero_si256();
      continue;
    }
    DecodedBlock b = DecodeBlockT<kType>(grp, k);
    if constexpr (q6k) {
      const int j = k % 4;
      const char lo0 = char(4 * j), lo1 = char(4 * j + 1), hi0 = char(4 * j + 2), hi1 = char(4 * j + 3);
      const __m256i ctrl = _mm256_setr_epi8(lo0, lo1, lo0, lo1, lo0, lo1, lo0, lo1, lo0, lo1, lo0, lo1, lo0, lo1,
                                            lo0, lo1, hi0, hi1, hi0, hi1, hi0, hi1, hi0, hi1, hi0, hi1, hi0, hi1,
                                            hi0, hi1, hi0, hi1);
      b.mul16 = _mm256_shuffle_epi8(s6[k / 4], ctrl);
    }
    const __m256i xv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xq + 32 * k));
    if (DecodesUnsigned(kType)) {
      v[k] = _mm256_madd_epi16(_mm256_maddubs_epi16(b.w, xv), b.mul16);
    } else {
      v[k] = _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_sign_epi8(b.w, b.w), _mm256_sign_epi8(xv, b.w)), b.mul16);
    }
  }
  if constexpr (kType == uint32_t(gguf::TensorType::kQ4_K) || kType == uint32_t(gguf::TensorType::kQ5_K)) {
    __m256i sc, m;
    KScalesMins8(grp + 4, &sc, &m);
    return _mm256_mullo_epi32(HorizontalSums8(v), sc);
  }
  return HorizontalSums8(v);
}

// Eight f16 values at `p`, `p + stride`, ... as floats; only the first
// `valid` are read, the others are 0. Inserting each into a vector avoids
// the store-forwarding stall of eight 2-byte stores read back by one
// 16-byte load.
HWY_INLINE __m256 LoadF16Strided8(const uint8_t* p, size_t stride, size_t valid = 8) {
  if (valid == 8) {
    __m128i h = _mm_cvtsi32_si128(Load16(p));
    h = _mm_insert_epi16(h, Load16(p + stride), 1);
    h = _mm_insert_epi16(h, Load16(p + 2 * stride), 2);
    h = _mm_insert_epi16(h, Load16(p + 3 * stride), 3);
    h = _mm_insert_epi16(h, Load16(p + 4 * stride), 4);
    h = _mm_insert_epi16(h, Load16(p + 5 * stride), 5);
    h = _mm_insert_epi16(h, Load16(p + 6 * stride), 6);
    h = _mm_insert_epi16(h, Load16(p + 7 * stride), 7);
    return _mm256_cvtph_ps(h);
  }
  alignas(16) uint16_t h16[8];
  for (size_t k = 0; k < 8; ++k) h16[k] = k < valid ? Load16(p + stride * k) : 0;
  return _mm256_cvtph_ps(_mm_load_si128(reinterpret_cast<const __m128i*>(h16)));
}

template <uint32_t kType>
struct X86Traits {
  static constexpr bool kHasMin = kType == uint32_t(gguf::TensorType::kQ4_1) ||
                                  kType == uint32_t(gguf::TensorType::kQ5_1) ||
                                  kType == uint32_t(gguf::TensorType::kQ4_K) ||
                                  kType == uint32_t(gguf::TensorType::kQ5_K);
  static constexpr bool kKQuant = kType == uint32_t(gguf::TensorType::kQ4_K) ||
                                  kType == uint32_t(gguf::TensorType::kQ5_K) ||
                                  kType == uint32_t(gguf::TensorType::kQ6_K);
};

// A group's block factors: D_b, Dm_b and the integer min scales of its 8
// blocks (blocks past `valid` get zeros).
struct GroupScales {
  __m256 d, dm;
  __m256i msc;
};

template <uint32_t kType>
HWY_INLINE GroupScales LoadGroupScales(const uint8_t* grp, size_t valid) {
  X86Format fmt;
  X86FormatOf(kType, &fmt);
  constexpr bool has_min = X86Traits<kType>::kHasMin;
  GroupScales s{_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_si256()};
  if constexpr (!X86Traits<kType>::kKQuant) {
    if (valid == 8) {
      s.d = LoadF16Strided8(grp + fmt.d_off, fmt.bytes);
      if constexpr (has_min) s.dm = LoadF16Strided8(grp + fmt.d_off + 2, fmt.bytes);
    } else {
      s.d = LoadF16Strided8(grp + fmt.d_off, fmt.bytes, valid);
      if constexpr (has_min) s.dm = LoadF16Strided8(grp + fmt.d_off + 2, fmt.bytes, valid);
    }
    if constexpr (has_min) s.msc = _mm256_set1_epi32(1);
  } else {
    s.d = _mm256_set1_ps(F16ToF32(Load16(grp + fmt.d_off)));
    if constexpr (has_min) {
      s.dm = _mm256_set1_ps(-F16ToF32(Load16(grp + 2)));
      __m256i sc;
      KScalesMins8(grp + 4, &sc, &s.msc);
    }
  }
  return s;
}

// The float terms of one group for one token, from its 8 exact I values:
// f_b = float(I_b - bias * xsum_b) * (D_b * dx_b) [+ float(msc_b * xsum_b) * (Dm_b * dx_b)].
template <uint32_t kType>
HWY_INLINE __m256 GroupTermsF(__m256i iv, const GroupScales& s, const float* dxp, const int32_t* xsp) {
  constexpr bool has_min = X86Traits<kType>::kHasMin;
  constexpr int32_t bias = kType == uint32_t(gguf::TensorType::kQ4_0)   ? 8
                           : kType == uint32_t(gguf::TensorType::kQ5_0) ? 16
                                                                        : 0;
  const __m256 dx = _mm256_loadu_ps(dxp);
  __m256i xsv = _mm256_setzero_si256();
  if constexpr (has_min || bias != 0) xsv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xsp));
  if constexpr (bias != 0) iv = _mm256_sub_epi32(iv, _mm256_mullo_epi32(_mm256_set1_epi32(bias), xsv));
  __m256 f = _mm256_mul_ps(_mm256_cvtepi32_ps(iv), _mm256_mul_ps(s.d, dx));
  if constexpr (has_min) {
    const __m256i mv = _mm256_mullo_epi32(s.msc, xsv);
    f = _mm256_add_ps(f, _mm256_mul_ps(_mm256_cvtepi32_ps(mv), _mm256_mul_ps(s.dm, dx)));
  }
  return f;
}

// One group of a row for every token: decode its 8 blocks once, then per
// token the 8 I values and acc[t][b % 8] += f_b. A partial group (legacy
// formats' row tail) adds +0.0 in its unused lanes, which leaves the sums
// unchanged (an accumulator is never -0.0).
template <uint32_t kType>
HWY_NOINLINE void GroupAllTokens(const Weights& w, const ActQ8& x, size_t r, size_t g, size_t t_begin,
                                 size_t t_end, float* acc) {
  const size_t nb = w.cols / kQBlock;
  const size_t valid = nb - 8 * g < 8 ? nb - 8 * g : 8;
  X86Format fmt;
  X86FormatOf(kType, &fmt);
  const uint8_t* row = static_cast<const uint8_t*>(w.data) + r * w.row_bytes;
  const uint8_t* grp = row + (X86Traits<kType>::kKQuant ? fmt.bytes * g : fmt.bytes * 8 * g);
  const GroupScales s = LoadGroupScales<kType>(grp, valid);
  DecodedBlock blk[8];
  // A partial group is decoded in place when the 8-block read stays inside
  // the tensor (the rows after this one hold the 8 - valid blocks read past
  // its end), else block by block. Rows shorter than a group (64-wide test
  // models) need several following rows.
  if (valid == 8 || (w.rows - r - 1) * w.row_bytes >= (8 - valid) * fmt.bytes) {
    Decode8(kType, row, g, blk);
    for (size_t k = valid; k < 8; ++k) blk[k].w = _mm256_setzero_si256();  // past the row
  } else {
    Decode8(kType, row, g, blk, valid);
  }
  const __m256 lane_mask = _mm256_castsi256_ps(
      _mm256_cmpgt_epi32(_mm256_set1_epi32(int32_t(valid)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)));
  for (size_t t = t_begin; t < t_end; ++t) {
    const int8_t* xq = x.q.data() + t * x.cols + 256 * g;
    // Past a row's end dx and xsum read the next token's blocks or ActQ8's
    // slack; those lanes hold zero weights and are masked.
    const __m256i iv = DecodesUnsigned(kType) ? Dot8Unsigned(blk, xq) : Dot8(blk, xq);
    const __m256 f = GroupTermsF<kType>(iv, s, x.d.data() + t * nb + 8 * g, x.sum.data() + t * nb + 8 * g);
    float* at = acc + 8 * (t - t_begin);
    _mm256_storeu_ps(at, _mm256_add_ps(_mm256_loadu_ps(at), _mm256_and_ps(f, lane_mask)));
  }
}

// acc[0..7] -> the row's value: acc[k] += acc[k + s] for s = 4, 2, 1.
HWY_INLINE float TreeSum8(const float* lanes_in) {
  float lanes[8];
  for (int k = 0; k < 8; ++k) lanes[k] = lanes_in[k];
  for (int s = 4; s >= 1; s /= 2) {
    for (int k = 0; k < s; ++k) lanes[k] = lanes[k] + lanes[k + s];
  }
  return lanes[0];
}

// ---------------------------------------------------------------------------
// Small batches: a decode step of a few sequences (1..kSmallBatchMax tokens).
//
// GroupAllTokens decodes a group once but then, per token, reduces eight
// per-block vectors horizontally (HorizontalSums8: 6 hadd + 2 permutes + 8
// madd): for 2..8 tokens that per-token reduction, not the decode, is the
// cost. This path lays a group out "transposed" instead: vector i's 32-bit
// lane j holds elements 4i..4i+3 of block j (of the group), for the weights
// (decoded once per group) and for the activations (re-laid out once per
// call, SmallBatchAct). Then maddubs(V_i, X_i) summed over i = 0..7 leaves
// block j's exact integer dot in lane j: per token 8 maddubs, 7 adds and one
// madd, with no shuffles. The integers are the same exact I_b, and the float
// steps are GroupTermsF's, in the same order (acc[t][b % 8] += f_b, then
// TreeSum8): the bits equal the one-token and the many-token paths'.
// ---------------------------------------------------------------------------

// Up to 8 tokens (kernels_bench, Q4_0 4864 x 896, per token: 8 tokens cost
// about what 2 x 4 do, so more would only add register spills); the
// many-token path's tiles take over above. For one token the 4-bit formats
// take this path too (about 25% faster than GroupDot1 here: no hadd);
// Q8_0's one-token transpose costs more than the reduction it saves.
constexpr size_t kSmallBatchMax = 8;

template <uint32_t kType>
constexpr bool SmallBatchType() {
  using gguf::TensorType;
  return kType == uint32_t(TensorType::kQ4_0) || kType == uint32_t(TensorType::kQ4_1) ||
         kType == uint32_t(TensorType::kQ8_0);
}
template <uint32_t kType>
constexpr size_t SmallBatchMin() {
  return kType == uint32_t(gguf::TensorType::kQ8_0) ? 2 : 1;
}

// The activations of n tokens in the transposed layout, per group g and
// token t (group-major, so a row's pass reads them in order):
//   q[((g * n + t) * 8 + i) * 32 + 4 * j + c] = x_t[32 * (8g + j) + 4i + c]
//   d[(g * n + t) * 8 + j] = dx of block 8g + j, xs[...] = its xsum (times
//   the format's bias, for Q4_0 / Q5_0)
// Blocks past a row's end (a partial last group) are zeros: their lanes
// then give I = 0 and f = 0 * (0 * 0) = +0.0, which the one-token path adds
// too (it masks them to +0.0).
struct SmallBatchAct {
  size_t n = 0, groups = 0;
  std::vector<int8_t> q;
  std::vector<float> d;
  std::vector<int32_t> xs;
};

// In place: r[j]'s word i -> r[i]'s word j (an 8x8 transpose of int32).
HWY_INLINE void Transpose8x8Epi32(__m256i* r) {
  const __m256i t0 = _mm256_unpacklo_epi32(r[0], r[1]), t1 = _mm256_unpackhi_epi32(r[0], r[1]);
  const __m256i t2 = _mm256_unpacklo_epi32(r[2], r[3]), t3 = _mm256_unpackhi_epi32(r[2], r[3]);
  const __m256i t4 = _mm256_unpacklo_epi32(r[4], r[5]), t5 = _mm256_unpackhi_epi32(r[4], r[5]);
  const __m256i t6 = _mm256_unpacklo_epi32(r[6], r[7]), t7 = _mm256_unpackhi_epi32(r[6], r[7]);
  const __m256i u0 = _mm256_unpacklo_epi64(t0, t2), u1 = _mm256_unpackhi_epi64(t0, t2);
  const __m256i u2 = _mm256_unpacklo_epi64(t1, t3), u3 = _mm256_unpackhi_epi64(t1, t3);
  const __m256i u4 = _mm256_unpacklo_epi64(t4, t6), u5 = _mm256_unpackhi_epi64(t4, t6);
  const __m256i u6 = _mm256_unpacklo_epi64(t5, t7), u7 = _mm256_unpackhi_epi64(t5, t7);
  r[0] = _mm256_permute2x128_si256(u0, u4, 0x20);
  r[1] = _mm256_permute2x128_si256(u1, u5, 0x20);
  r[2] = _mm256_permute2x128_si256(u2, u6, 0x20);
  r[3] = _mm256_permute2x128_si256(u3, u7, 0x20);
  r[4] = _mm256_permute2x128_si256(u0, u4, 0x31);
  r[5] = _mm256_permute2x128_si256(u1, u5, 0x31);
  r[6] = _mm256_permute2x128_si256(u2, u6, 0x31);
  r[7] = _mm256_permute2x128_si256(u3, u7, 0x31);
}

HWY_INLINE void BuildSmallBatchAct(const ActQ8& x, int32_t bias, SmallBatchAct* out) {
  const size_t n = x.n_tokens, nb = x.cols / kQBlock, groups = (nb + 7) / 8;
  out->n = n;
  out->groups = groups;
  out->q.resize(groups * n * 256);
  out->d.resize(groups * n * 8);
  out->xs.resize(groups * n * 8);
  for (size_t g = 0; g < groups; ++g) {
    const size_t valid = nb - 8 * g < 8 ? nb - 8 * g : 8;
    for (size_t t = 0; t < n; ++t) {
      const size_t o = g * n + t;
      __m256i r[8];
      for (size_t j = 0; j < 8; ++j) {
        r[j] = j < valid ? _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x.q.data() + t * x.cols +
                                                                                32 * (8 * g + j)))
                         : _mm256_setzero_si256();
      }
      Transpose8x8Epi32(r);
      for (size_t i = 0; i < 8; ++i) {
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(out->q.data() + (o * 8 + i) * 32), r[i]);
      }
      for (size_t j = 0; j < 8; ++j) {
        const size_t b = t * nb + 8 * g + j;
        out->d[o * 8 + j] = j < valid ? x.d[b] : 0.0f;
        out->xs[o * 8 + j] = j < valid ? (bias != 0 ? bias * x.sum[b] : x.sum[b]) : 0;
      }
    }
  }
}

// LoadF16Strided8 for a partial group without branches or a stack round
// trip: lanes at or past `valid` read lane 0's value (inside the row) and
// are then cleared.
HWY_INLINE __m256 LoadF16Strided8Partial(const uint8_t* p, size_t stride, size_t valid) {
  __m128i h = _mm_setzero_si128();
  h = _mm_insert_epi16(h, Load16(p), 0);
  h = _mm_insert_epi16(h, Load16(p + (1 < valid ? stride : 0)), 1);
  h = _mm_insert_epi16(h, Load16(p + (2 < valid ? 2 * stride : 0)), 2);
  h = _mm_insert_epi16(h, Load16(p + (3 < valid ? 3 * stride : 0)), 3);
  h = _mm_insert_epi16(h, Load16(p + (4 < valid ? 4 * stride : 0)), 4);
  h = _mm_insert_epi16(h, Load16(p + (5 < valid ? 5 * stride : 0)), 5);
  h = _mm_insert_epi16(h, Load16(p + (6 < valid ? 6 * stride : 0)), 6);
  h = _mm_insert_epi16(h, Load16(p + (7 < valid ? 7 * stride : 0)), 7);
  const __m128i mask = _mm_cmpgt_epi16(_mm_set1_epi16(int16_t(valid)), _mm_setr_epi16(0, 1, 2, 3, 4, 5, 6, 7));
  return _mm256_cvtph_ps(_mm_and_si128(h, mask));
}

// Block j's 16 bytes at p + stride * j (zeros past `valid`) in the low half
// and block j + 4's in the high half.
HWY_INLINE __m256i LoadBlockPair16(const uint8_t* p, size_t stride, size_t j, size_t valid) {
  const __m128i z = _mm_setzero_si128();
  const __m128i lo = j < valid ? _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + stride * j)) : z;
  const __m128i hi = j + 4 < valid ? _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + stride * (j + 4))) : z;
  return _mm256_inserti128_si256(_mm256_castsi128_si256(lo), hi, 1);
}

// From y_j = [block j | block k_j] (16 quant bytes each, 4-bit formats):
// a 4x4 transpose of words per half, then each word split into its low and
// high nibbles, so v[i] (v[i + 4]) holds elements 4i.. (16 + 4i..) of each
// block in its lane. Byte m of a block holds elements m and m + 16.
HWY_INLINE void NibblesTransposed(const __m256i* y, __m256i* v) {
  const __m256i t0 = _mm256_unpacklo_epi32(y[0], y[1]), t1 = _mm256_unpackhi_epi32(y[0], y[1]);
  const __m256i t2 = _mm256_unpacklo_epi32(y[2], y[3]), t3 = _mm256_unpackhi_epi32(y[2], y[3]);
  const __m256i w[4] = {_mm256_unpacklo_epi64(t0, t2), _mm256_unpackhi_epi64(t0, t2), _mm256_unpacklo_epi64(t1, t3),
                        _mm256_unpackhi_epi64(t1, t3)};
  const __m256i m4 = _mm256_set1_epi8(0x0F);
  for (int i = 0; i < 4; ++i) {
    v[i] = _mm256_and_si256(w[i], m4);
    v[i + 4] = _mm256_and_si256(_mm256_srli_epi16(w[i], 4), m4);
  }
}

// A group's 8 blocks, transposed (v[i]'s lane j = elements 4i..4i+3 of
// block j); blocks at or past `valid` are not read (their lanes are
// don't-cares: the activations there are zero).
template <uint32_t kType>
HWY_INLINE void DecodeGroupTransposed(const uint8_t* grp, size_t valid, __m256i* v) {
  using gguf::TensorType;
  constexpr TensorType t = static_cast<TensorType>(kType);
  if constexpr (t == TensorType::kQ8_0) {
    for (size_t j = 0; j < 8; ++j) {
      v[j] = j < valid ? _mm256_loadu_si256(reinterpret_cast<const __m256i*>(grp + 34 * j + 2))
                       : _mm256_setzero_si256();
    }
    Transpose8x8Epi32(v);
  } else {
    static_assert(t == TensorType::kQ4_0 || t == TensorType::kQ4_1);
    // Byte m of a block's 16 quant bytes holds element m (low nibble) and
    // m + 16 (high nibble): word i (i < 4) gives elements 4i.. and 16 + 4i...
    constexpr size_t bytes = t == TensorType::kQ4_0 ? 18 : 20, qoff = t == TensorType::kQ4_0 ? 2 : 4;
    const uint8_t* q = grp + qoff;
    __m256i y[4];
    for (size_t j = 0; j < 4; ++j) y[j] = LoadBlockPair16(q, bytes, j, valid);
    // y_j = [block j | block j + 4].
    NibblesTransposed(y, v);
  }
}

// The exact I values (lane j = block j, before any bias) of a transposed
// group against one token's transposed activations.
template <uint32_t kType>
HWY_INLINE __m256i SmallDot(const __m256i* v, const __m256i* av, const int8_t* xq) {
  const __m256i ones = _mm256_set1_epi16(1);
  if constexpr (kType == uint32_t(gguf::TensorType::kQ8_0)) {
    // Signed weights: maddubs(|w|, sign(x, w)) pairs reach 2 * 128 * 127,
    // so each goes to int32 before the sum.
    __m256i s = _mm256_setzero_si256();
    for (int i = 0; i < 8; ++i) {
      const __m256i xv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xq + 32 * i));
      s = _mm256_add_epi32(s, _mm256_madd_epi16(_mm256_maddubs_epi16(av[i], _mm256_sign_epi8(xv, v[i])), ones));
    }
    return s;
  } else {
    // 4-bit unsigned weights: each int16 lane sums 2 products per vector,
    // 16 over the eight, at most 16 * 15 * 127 = 30480 in magnitude (|x| <= 127).
    __m256i p = _mm256_maddubs_epi16(v[0], _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xq)));
    for (int i = 1; i < 8; ++i) {
      const __m256i xv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xq + 32 * i));
      p = _mm256_add_epi16(p, _mm256_maddubs_epi16(v[i], xv));
    }
    return _mm256_madd_epi16(p, ones);
  }
}

// The row's value from its accumulator: TreeSum8's adds, lane by lane
// (acc[k] + acc[k + s] for s = 4, 2, 1), in vector registers.
HWY_INLINE float TreeSum8V(__m256 a) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// The float terms of one group for one token from its exact I values,
// GroupTermsF's steps: f_b = float(I_b - bias * xsum_b) * (D_b * dx_b)
// [+ float(xsum_b) * (Dm_b * dx_b)] (the legacy formats' min scale is 1).
template <uint32_t kType, typename VF, typename VI>
HWY_INLINE VF SmallTerms(VI iv, VF d, VF dm, VF dx, VI xsv) {
  constexpr bool has_min = X86Traits<kType>::kHasMin;
  if constexpr (sizeof(VF) == 32) {
    if constexpr (kType == uint32_t(gguf::TensorType::kQ4_0)) iv = _mm256_sub_epi32(iv, xsv);  // 8 * xsum
    VF f = _mm256_mul_ps(_mm256_cvtepi32_ps(iv), _mm256_mul_ps(d, dx));
    if constexpr (has_min) f = _mm256_add_ps(f, _mm256_mul_ps(_mm256_cvtepi32_ps(xsv), _mm256_mul_ps(dm, dx)));
    return f;
  } else {
    if constexpr (kType == uint32_t(gguf::TensorType::kQ4_0)) iv = _mm_sub_epi32(iv, xsv);
    VF f = _mm_mul_ps(_mm_cvtepi32_ps(iv), _mm_mul_ps(d, dx));
    if constexpr (has_min) f = _mm_add_ps(f, _mm_mul_ps(_mm_cvtepi32_ps(xsv), _mm_mul_ps(dm, dx)));
    return f;
  }
}

// One group (`valid` blocks, 8 for a full one) of a row for kN tokens:
// decoded once, then acc[t] += each token's f.
template <uint32_t kType, size_t kN>
HWY_INLINE void SmallGroup(const uint8_t* grp, size_t valid, const SmallBatchAct& xa, size_t g, __m256* acc) {
  X86Format fmt;
  X86FormatOf(kType, &fmt);
  constexpr bool has_min = X86Traits<kType>::kHasMin;
  __m256i v[8], av[8];
  DecodeGroupTransposed<kType>(grp, valid, v);
  if constexpr (kType == uint32_t(gguf::TensorType::kQ8_0)) {
    for (int i = 0; i < 8; ++i) av[i] = _mm256_sign_epi8(v[i], v[i]);
  }
  GroupScales s;
  if (valid == 8) {
    s = LoadGroupScales<kType>(grp, 8);
  } else {
    // The same values as LoadGroupScales(grp, valid).
    s.d = LoadF16Strided8Partial(grp + fmt.d_off, fmt.bytes, valid);
    s.dm = has_min ? LoadF16Strided8Partial(grp + fmt.d_off + 2, fmt.bytes, valid) : _mm256_setzero_ps();
  }
  for (size_t t = 0; t < kN; ++t) {
    const size_t o = g * kN + t;
    const __m256i iv = SmallDot<kType>(v, av, xa.q.data() + o * 256);
    const __m256 dx = _mm256_loadu_ps(xa.d.data() + o * 8);
    const __m256i xsv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xa.xs.data() + o * 8));
    acc[t] = _mm256_add_ps(acc[t], SmallTerms<kType>(iv, s.d, s.dm, dx, xsv));
  }
}

// SmallGroup for a full group of a 4-bit format, with decoding and dots
// interleaved: each of the 4 transposed words is split into its two nibble
// vectors just before every token's two maddubs use them, so only 2 decoded
// vectors are live instead of 8. With 4 tokens the 8-vector form needs more
// than the 16 ymm registers (the compiler spilled decoded vectors and the
// scales on every group). The int16 sums reach the same exact values in any
// order (|sum| <= 16 * 15 * 128 < 32768 at every step), so I is unchanged.
template <uint32_t kType, size_t kN>
HWY_INLINE void SmallGroup4Bit(const uint8_t* grp, const SmallBatchAct& xa, size_t g, __m256* acc) {
  constexpr bool q40 = kType == uint32_t(gguf::TensorType::kQ4_0);
  constexpr size_t bytes = q40 ? 18 : 20, qoff = q40 ? 2 : 4;
  const uint8_t* q = grp + qoff;
  const __m256i y0 = LoadBlockPair16(q, bytes, 0, 8), y1 = LoadBlockPair16(q, bytes, 1, 8);
  const __m256i y2 = LoadBlockPair16(q, bytes, 2, 8), y3 = LoadBlockPair16(q, bytes, 3, 8);
  const __m256i t0 = _mm256_unpacklo_epi32(y0, y1), t1 = _mm256_unpackhi_epi32(y0, y1);
  const __m256i t2 = _mm256_unpacklo_epi32(y2, y3), t3 = _mm256_unpackhi_epi32(y2, y3);
  const __m256i m4 = _mm256_set1_epi8(0x0F);
  const int8_t* xq = xa.q.data() + g * kN * 256;
  __m256i p[kN];
  auto dots = [&](__m256i w, int i) {
    const __m256i lo = _mm256_and_si256(w, m4), hi = _mm256_and_si256(_mm256_srli_epi16(w, 4), m4);
    for (size_t t = 0; t < kN; ++t) {
      const int8_t* x = xq + t * 256;
      const __m256i a = _mm256_maddubs_epi16(lo, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + 32 * i)));
      const __m256i b =
          _mm256_maddubs_epi16(hi, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + 32 * (i + 4))));
      p[t] = i == 0 ? _mm256_add_epi16(a, b) : _mm256_add_epi16(p[t], _mm256_add_epi16(a, b));
      // Keeps the sum in a register here: otherwise GCC hoists all 32
      // maddubs of the group ahead of the adds and spills their results.
      asm("" : "+x"(p[t]));
    }
  };
  dots(_mm256_unpacklo_epi64(t0, t2), 0);
  dots(_mm256_unpackhi_epi64(t0, t2), 1);
  dots(_mm256_unpacklo_epi64(t1, t3), 2);
  dots(_mm256_unpackhi_epi64(t1, t3), 3);
  const GroupScales s = LoadGroupScales<kType>(grp, 8);
  const __m256i ones = _mm256_set1_epi16(1);
  for (size_t t = 0; t < kN; ++t) {
    const size_t o = g * kN + t;
    const __m256i iv = _mm256_madd_epi16(p[t], ones);
    const __m256 dx = _mm256_loadu_ps(xa.d.data() + o * 8);
    const __m256i xsv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xa.xs.data() + o * 8));
    acc[t] = _mm256_add_ps(acc[t], SmallTerms<kType>(iv, s.d, s.dm, dx, xsv));
  }
}

// A 4-bit row's last group when it has at most 4 blocks (896 columns end
// in 4): lanes 0-3 only, in 128-bit vectors. Lanes 4-7 add +0.0, as the
// one-token path's mask does.
template <uint32_t kType, size_t kN>
HWY_INLINE void SmallGroupHalf(const uint8_t* grp, size_t valid, const SmallBatchAct& xa, size_t g, __m256* acc) {
  X86Format fmt;
  X86FormatOf(kType, &fmt);
  constexpr bool has_min = X86Traits<kType>::kHasMin;
  const uint8_t* q = grp + (kType == uint32_t(gguf::TensorType::kQ4_0) ? 2 : 4);
  __m128i y[4];
  for (size_t j = 0; j < 4; ++j) {
    y[j] = j < valid ? _mm_loadu_si128(reinterpret_cast<const __m128i*>(q + fmt.bytes * j)) : _mm_setzero_si128();
  }
  const __m128i t0 = _mm_unpacklo_epi32(y[0], y[1]), t1 = _mm_unpackhi_epi32(y[0], y[1]);
  const __m128i t2 = _mm_unpacklo_epi32(y[2], y[3]), t3 = _mm_unpackhi_epi32(y[2], y[3]);
  const __m128i w[4] = {_mm_unpacklo_epi64(t0, t2), _mm_unpackhi_epi64(t0, t2), _mm_unpacklo_epi64(t1, t3),
                        _mm_unpackhi_epi64(t1, t3)};
  const __m128i m4 = _mm_set1_epi8(0x0F), ones = _mm_set1_epi16(1);
  __m128i v[8];
  for (int i = 0; i < 4; ++i) {
    v[i] = _mm_and_si128(w[i], m4);
    v[i + 4] = _mm_and_si128(_mm_srli_epi16(w[i], 4), m4);
  }
  const __m128 d = _mm256_castps256_ps128(LoadF16Strided8Partial(grp + fmt.d_off, fmt.bytes, valid));
  const __m128 dm = has_min ? _mm256_castps256_ps128(LoadF16Strided8Partial(grp + fmt.d_off + 2, fmt.bytes, valid))
                            : _mm_setzero_ps();
  for (size_t t = 0; t < kN; ++t) {
    const size_t o = g * kN + t;
    const int8_t* xq = xa.q.data() + o * 256;
    __m128i p = _mm_maddubs_epi16(v[0], _mm_loadu_si128(reinterpret_cast<const __m128i*>(xq)));
    for (int i = 1; i < 8; ++i) {
      p = _mm_add_epi16(p, _mm_maddubs_epi16(v[i], _mm_loadu_si128(reinterpret_cast<const __m128i*>(xq + 32 * i))));
    }
    const __m128i iv = _mm_madd_epi16(p, ones);
    const __m128 dx = _mm_loadu_ps(xa.d.data() + o * 8);
    const __m128i xsv = _mm_loadu_si128(reinterpret_cast<const __m128i*>(xa.xs.data() + o * 8));
    acc[t] = _mm256_add_ps(acc[t], _mm256_zextps128_ps256(SmallTerms<kType>(iv, d, dm, dx, xsv)));
  }
}

// The short last groups (at most 4 blocks) of two 4-bit rows a and b at
// once, in one 256-bit pass: lanes 0-3 hold row a's blocks, lanes 4-7 row
// b's, against the group's activations broadcast to both halves. Each lane
// computes SmallTerms' value for its block, so acc_a gets row a's four terms
// and +0.0 in lanes 4-7, and acc_b row b's four terms moved to lanes 0-3:
// what SmallGroupHalf adds for each row alone (896-column rows end in such a
// group; done per row it costs a whole 8-block pass per token for 4 blocks).
template <uint32_t kType, size_t kN>
HWY_INLINE void SmallTailPair(const uint8_t* grp_a, const uint8_t* grp_b, size_t valid, const SmallBatchAct& xa,
                              size_t g, __m256* acc_a, __m256* acc_b) {
  X86Format fmt;
  X86FormatOf(kType, &fmt);
  constexpr bool has_min = X86Traits<kType>::kHasMin;
  constexpr size_t qoff = kType == uint32_t(gguf::TensorType::kQ4_0) ? 2 : 4;
  __m256i y[4];
  for (size_t j = 0; j < 4; ++j) {
    y[j] = j < valid ? _mm256_inserti128_si256(
                           _mm256_castsi128_si256(
                               _mm_loadu_si128(reinterpret_cast<const __m128i*>(grp_a + qoff + fmt.bytes * j))),
                           _mm_loadu_si128(reinterpret_cast<const __m128i*>(grp_b + qoff + fmt.bytes * j)), 1)
                     : _mm256_setzero_si256();
  }
  __m256i v[8];
  NibblesTransposed(y, v);  // lanes 0-3 row a's blocks, 4-7 row b's
  const __m256i ones = _mm256_set1_epi16(1);
  auto pair_scales = [&](size_t off) {
    const __m128 a = _mm256_castps256_ps128(LoadF16Strided8Partial(grp_a + off, fmt.bytes, valid));
    const __m128 b = _mm256_castps256_ps128(LoadF16Strided8Partial(grp_b + off, fmt.bytes, valid));
    return _mm256_insertf128_ps(_mm256_castps128_ps256(a), b, 1);
  };
  const __m256 d = pair_scales(fmt.d_off);
  const __m256 dm = has_min ? pair_scales(fmt.d_off + 2) : _mm256_setzero_ps();
  for (size_t t = 0; t < kN; ++t) {
    const size_t o = g * kN + t;
    const int8_t* xq = xa.q.data() + o * 256;
    auto x_i = [&](int i) {  // lanes 0-3 of the group's vector i, in both halves
      return _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(xq + 32 * i)));
    };
    __m256i p = _mm256_maddubs_epi16(v[0], x_i(0));
    for (int i = 1; i < 8; ++i) p = _mm256_add_epi16(p, _mm256_maddubs_epi16(v[i], x_i(i)));
    const __m256i iv = _mm256_madd_epi16(p, ones);
    const __m256 dx = _mm256_broadcast_ps(reinterpret_cast<const __m128*>(xa.d.data() + o * 8));
    const __m256i xsv =
        _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(xa.xs.data() + o * 8)));
    const __m256 f = SmallTerms<kType>(iv, d, dm, dx, xsv);
    acc_a[t] = _mm256_add_ps(acc_a[t], _mm256_blend_ps(f, _mm256_setzero_ps(), 0xF0));
    acc_b[t] = _mm256_add_ps(acc_b[t], _mm256_permute2f128_ps(f, f, 0x81));
  }
}

// Rows [r_begin, r_end) for kN tokens: groups in order, acc[t][b % 8] += f_b,
// then TreeSum8: the canonical order.
template <uint32_t kType, size_t kN>
HWY_NOINLINE void MatmulSmallX86T(const Weights& w, const SmallBatchAct& xa, float* y, size_t y_stride,
                                  size_t r_begin, size_t r_end) {
  X86Format fmt;
  X86FormatOf(kType, &fmt);
  const size_t nb = w.cols / kQBlock, full = nb / 8, tail = nb - 8 * full;
  constexpr bool four_bit = kType != uint32_t(gguf::TensorType::kQ8_0);
  auto full_groups = [&](const uint8_t* row, __m256* acc) {
    for (size_t t = 0; t < kN; ++t) acc[t] = _mm256_setzero_ps();
    for (size_t g = 0; g < full; ++g) {
      if constexpr (four_bit) {
        SmallGroup4Bit<kType, kN>(row + fmt.bytes * 8 * g, xa, g, acc);
      } else {
        SmallGroup<kType, kN>(row + fmt.bytes * 8 * g, 8, xa, g, acc);
      }
    }
  };
  size_t r = r_begin;
  if (four_bit && tail != 0 && tail <= 4) {
    // Rows in pairs, their short last groups in one pass.
    for (; r + 2 <= r_end; r += 2) {
      const uint8_t* row_a = static_cast<const uint8_t*>(w.data) + r * w.row_bytes;
      const uint8_t* row_b = row_a + w.row_bytes;
      __m256 acc_a[kN], acc_b[kN];
      full_groups(row_a, acc_a);
      full_groups(row_b, acc_b);
      SmallTailPair<kType, kN>(row_a + fmt.bytes * 8 * full, row_b + fmt.bytes * 8 * full, tail, xa, full, acc_a,
                               acc_b);
      for (size_t t = 0; t < kN; ++t) {
        y[t * y_stride + r] = TreeSum8V(acc_a[t]);
        y[t * y_stride + r + 1] = TreeSum8V(acc_b[t]);
      }
    }
  }
  for (; r < r_end; ++r) {
    const uint8_t* row = static_cast<const uint8_t*>(w.data) + r * w.row_bytes;
    __m256 acc[kN];
    full_groups(row, acc);
    if (tail != 0) {
      const uint8_t* grp = row + fmt.bytes * 8 * full;
      if (four_bit && tail <= 4) {
        SmallGroupHalf<kType, kN>(grp, tail, xa, full, acc);
      } else {
        SmallGroup<kType, kN>(grp, tail, xa, full, acc);
      }
    }
    for (size_t t = 0; t < kN; ++t) y[t * y_stride + r] = TreeSum8V(acc[t]);
  }
}

template <uint32_t kType>
HWY_INLINE void MatmulSmallX86(const Weights& w, const ActQ8& x, float* y, size_t y_stride, size_t r_begin,
                               size_t r_end) {
  // The pool hands a thread several row ranges of one matmul: the layout is
  // built once per quantization (and bias) per thread.
  thread_local SmallBatchAct xa;
  thread_local uint64_t xa_version = 0;
  thread_local int32_t xa_bias = -1;
  const int32_t bias = kType == uint32_t(gguf::TensorType::kQ4_0) ? 8 : 0;
  if (x.version == 0 || x.version != xa_version || bias != xa_bias) {
    BuildSmallBatchAct(x, bias, &xa);
    xa_version = x.version;
    xa_bias = bias;
  }
  switch (x.n_tokens) {
#define LITHIUM_SMALL_CASE(N) \
  case N:                     \
    return MatmulSmallX86T<kType, N>(w, xa, y, y_stride, r_begin, r_end);
    LITHIUM_SMALL_CASE(1)
    LITHIUM_SMALL_CASE(2)
    LITHIUM_SMALL_CASE(3)
    LITHIUM_SMALL_CASE(4)
    LITHIUM_SMALL_CASE(5)
    LITHIUM_SMALL_CASE(6)
    LITHIUM_SMALL_CASE(7)
    LITHIUM_SMALL_CASE(8)
#undef LITHIUM_SMALL_CASE
    default:
      break;
  }
}

// The whole quantized matmul for rows [r_begin, r_end), fused: the exact
// I_b of every block and token, the float terms f_b, and acc[b % 8] += f_b
// in one vector (lane = b % 8, since groups start at multiples of 8).
// A decode step of up to 8 tokens takes the transposed small-batch path
// (MatmulSmallX86); a single token of the other formats the per-block fused
// path (GroupDot1) with the accumulator in a register; more tokens the tiles
// of GroupAllTokens. Their integers are the same exact sums and their float
// steps the same, so the bits do not depend on the path.
template <uint32_t kType>
HWY_NOINLINE void MatmulQX86T(const Weights& w, const ActQ8& x, float* y, size_t y_stride, size_t r_begin,
                              size_t r_end) {
  X86Format fmt;
  X86FormatOf(kType, &fmt);
  const size_t nb = w.cols / kQBlock;
  const size_t full_groups = nb / 8, groups = (nb + 7) / 8;
  const size_t n_tokens = x.n_tokens;
  // Per-token accumulators as plain floats: std::vector<__m256> would drop
  // the vector type's 32-byte alignment (GCC ignores attributes on template
  // arguments).
  thread_local std::vector<float> acc_buf;
  acc_buf.resize(8 * n_tokens);
  float* acc = acc_buf.data();
  const int8_t* xq = x.q.data();
  const float* xd = x.d.data();
  const int32_t* xs = x.sum.data();
  if constexpr (SmallBatchType<kType>()) {
    if (n_tokens >= SmallBatchMin<kType>() && n_tokens <= kSmallBatchMax) {
      MatmulSmallX86<kType>(w, x, y, y_stride, r_begin, r_end);
      return;
    }
  }
  if (n_tokens == 1) {
    for (size_t r = r_begin; r < r_end; ++r) {
      const uint8_t* row = static_cast<const uint8_t*>(w.data) + r * w.row_bytes;
      __m256 a = _mm256_setzero_ps();
      for (size_t g = 0; g < full_groups; ++g) {
        const uint8_t* grp = row + (X86Traits<kType>::kKQuant ? fmt.bytes * g : fmt.bytes * 8 * g);
        const GroupScales s = LoadGroupScales<kType>(grp, 8);
        const __m256i iv = GroupDot1<kType>(grp, xq + 256 * g);
        a = _mm256_add_ps(a, GroupTermsF<kType>(iv, s, xd + 8 * g, xs + 8 * g));
      }
      if (full_groups < groups) {
        // The partial last group of a legacy row (e.g. 896 = 3.5 groups).
        const size_t g = full_groups, valid = nb - 8 * g;
        const uint8_t* grp = row + fmt.bytes * 8 * g;
        const GroupScales s = LoadGroupScales<kType>(grp, valid);
        const __m256i iv = GroupDot1<kType>(grp, xq + 256 * g, valid);
        // dx and xsum past the row read ActQ8's slack: masked to +0.0.
        const __m256 lane_mask = _mm256_castsi256_ps(
            _mm256_cmpgt_epi32(_mm256_set1_epi32(int32_t(valid)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)));
        a = _mm256_add_ps(a, _mm256_and_ps(GroupTermsF<kType>(iv, s, xd + 8 * g, xs + 8 * g), lane_mask));
      }
      _mm256_storeu_ps(acc, a);
      y[r] = TreeSum8(acc);
    }
    return;
  }
  // Many tokens (prefill, batches): tiles of rows x tokens, so the tile's
  // activations stay in L2 (about 256 KB) and its rows' weights in L1/L2
  // while every pair is computed; without tiling each row streams all the
  // tokens' activations (2.5 MB for a 512-token FFN-down input) from L3.
  // Each (row, token) value still sums its groups in order: same bits.
  constexpr size_t kRowTile = 16;
  size_t tok_tile = (size_t(256) << 10) / (w.cols == 0 ? 1 : w.cols);
  tok_tile = tok_tile < 8 ? 8 : tok_tile > 128 ? 128 : tok_tile;
  for (size_t r0 = r_begin; r0 < r_end; r0 += kRowTile) {
    const size_t r1 = r0 + kRowTile < r_end ? r0 + kRowTile : r_end;
    for (size_t t0 = 0; t0 < n_tokens; t0 += tok_tile) {
      const size_t t1 = t0 + tok_tile < n_tokens ? t0 + tok_tile : n_tokens;
      for (size_t r = r0; r < r1; ++r) {
        for (size_t t = t0; t < t1; ++t) _mm256_storeu_ps(acc + 8 * (t - t0), _mm256_setzero_ps());
        for (size_t g = 0; g < groups; ++g) GroupAllTokens<kType>(w, x, r, g, t0, t1, acc);
        for (size_t t = t0; t < t1; ++t) y[t * y_stride + r] = TreeSum8(acc + 8 * (t - t0));
      }
    }
  }
}

// Returns false when the type has no fused path.
HWY_INLINE bool MatmulQX86(const Weights& w, const ActQ8& x, float* y, size_t y_stride, size_t r_begin,
                           size_t r_end) {
  using gguf::TensorType;
  switch (static_cast<TensorType>(w.type)) {
#define LITHIUM_X86_CASE(T)                                                 \
  case TensorType::T:                                                       \
    MatmulQX86T<uint32_t(TensorType::T)>(w, x, y, y_stride, r_begin, r_end); \
    return true;
    LITHIUM_X86_CASE(kQ8_0)
    LITHIUM_X86_CASE(kQ4_0)
    LITHIUM_X86_CASE(kQ4_1)
    LITHIUM_X86_CASE(kQ5_0)
    LITHIUM_X86_CASE(kQ5_1)
    LITHIUM_X86_CASE(kQ4_K)
    LITHIUM_X86_CASE(kQ5_K)
    LITHIUM_X86_CASE(kQ6_K)
#undef LITHIUM_X86_CASE
    default:
      return false;
  }
}
