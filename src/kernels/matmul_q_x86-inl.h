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

// The whole quantized matmul for rows [r_begin, r_end), fused: decode a
// group of 8 blocks once, then for every token compute the 8 exact I_b,
// the float terms f_b = float(I_b) * (D_b * dx_b) [+ float(M_b) * (Dm_b * dx_b)]
// and acc[b % 8] += f_b in one vector (lane = b % 8, since groups start at
// multiples of 8). A last partial group adds +0.0 in its unused lanes,
// which leaves the sums unchanged (an accumulator is never -0.0).
// Returns false when the type has no fused path.
HWY_INLINE bool MatmulQX86(const Weights& w, const ActQ8& x, float* y, size_t y_stride, size_t r_begin,
                           size_t r_end) {
  X86Format fmt;
  if (!X86FormatOf(w.type, &fmt)) return false;
  const size_t nb = w.cols / kQBlock;
  const size_t groups = (nb + 7) / 8;
  const bool has_min = fmt.has_m != 0;
  const bool unsigned_w = DecodesUnsigned(w.type);
  const int32_t bias = Bias(w.type);
  const bool need_xsum = has_min || bias != 0;
  // Per-token accumulators as plain floats: std::vector<__m256> would drop
  // the vector type's 32-byte alignment (GCC ignores attributes on template
  // arguments).
  thread_local std::vector<float> acc_buf;
  acc_buf.resize(8 * x.n_tokens);
  float* acc = acc_buf.data();
  for (size_t r = r_begin; r < r_end; ++r) {
    const uint8_t* row = static_cast<const uint8_t*>(w.data) + r * w.row_bytes;
    for (size_t t = 0; t < x.n_tokens; ++t) _mm256_storeu_ps(acc + 8 * t, _mm256_setzero_ps());
    for (size_t g = 0; g < groups; ++g) {
      const size_t valid = nb - 8 * g < 8 ? nb - 8 * g : 8;  // K-quant rows are whole groups
      const uint8_t* grow = row;
      const size_t gidx = g;
      // A partial group is decoded in place when the 8-block read stays
      // inside the tensor (the next row follows; a legacy row is longer
      // than the 7 blocks read past its end), else block by block.
      const bool in_place = valid == 8 || r + 1 < w.rows;
      DecodedBlock blk[8];
      if (in_place) {
        Decode8(w.type, grow, gidx, blk);
        for (size_t k = valid; k < 8; ++k) blk[k].w = _mm256_setzero_si256();  // past the row
      } else {
        Decode8(w.type, grow, gidx, blk, valid);
      }
      // D_b, Dm_b and the integer min scales of the 8 blocks.
      __m256 dv, dmv = _mm256_setzero_ps();
      __m256i msc = _mm256_setzero_si256();
      if (!fmt.k_quant) {
        __m128i dh = _mm_setzero_si128(), mh = _mm_setzero_si128();
        alignas(16) uint16_t d16[8], m16[8];
        const uint8_t* p0 = grow + fmt.bytes * 8 * gidx + fmt.d_off;
        if (valid == 8) {
          for (size_t k = 0; k < 8; ++k) d16[k] = Load16(p0 + fmt.bytes * k);
          if (has_min) {
            for (size_t k = 0; k < 8; ++k) m16[k] = Load16(p0 + fmt.bytes * k + 2);
          }
        } else {
          for (size_t k = 0; k < 8; ++k) {
            d16[k] = k < valid ? Load16(p0 + fmt.bytes * k) : 0;
            m16[k] = has_min && k < valid ? Load16(p0 + fmt.bytes * k + 2) : 0;
          }
        }
        dh = _mm_load_si128(reinterpret_cast<const __m128i*>(d16));
        dv = _mm256_cvtph_ps(dh);
        if (has_min) {
          mh = _mm_load_si128(reinterpret_cast<const __m128i*>(m16));
          dmv = _mm256_cvtph_ps(mh);
          msc = _mm256_set1_epi32(1);
        }
      } else {
        const uint8_t* p = grow + fmt.bytes * gidx;
        dv = _mm256_set1_ps(F16ToF32(Load16(p + fmt.d_off)));
        if (has_min) {
          dmv = _mm256_set1_ps(-F16ToF32(Load16(p + 2)));
          alignas(32) int32_t ms[8];
          for (int j = 0; j < 8; ++j) {
            uint8_t sc, m;
            ScaleMinK4(j, p + 4, &sc, &m);
            ms[j] = m;
          }
          msc = _mm256_load_si256(reinterpret_cast<const __m256i*>(ms));
        }
      }
      const __m256 lane_mask = _mm256_castsi256_ps(
          _mm256_cmpgt_epi32(_mm256_set1_epi32(int32_t(valid)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)));
      for (size_t t = 0; t < x.n_tokens; ++t) {
        const int8_t* xq = x.q.data() + t * x.cols + 256 * g;
        const float* dxp = x.d.data() + t * nb + 8 * g;
        const int32_t* xsp = x.sum.data() + t * nb + 8 * g;
        __m256 dx;
        __m256i iv, xsv = _mm256_setzero_si256();
        // Past a row's end these read the next token's blocks or ActQ8's
        // slack; those lanes hold zero weights and are masked below.
        dx = _mm256_loadu_ps(dxp);
        if (need_xsum) xsv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xsp));
        iv = unsigned_w ? Dot8Unsigned(blk, xq) : Dot8(blk, xq);
        if (bias != 0) iv = _mm256_sub_epi32(iv, _mm256_mullo_epi32(_mm256_set1_epi32(bias), xsv));
        const __m256 p = _mm256_mul_ps(dv, dx);
        __m256 f = _mm256_mul_ps(_mm256_cvtepi32_ps(iv), p);
        if (has_min) {
          const __m256 q = _mm256_mul_ps(dmv, dx);
          const __m256i mv = _mm256_mullo_epi32(msc, xsv);
          f = _mm256_add_ps(f, _mm256_mul_ps(_mm256_cvtepi32_ps(mv), q));
        }
        _mm256_storeu_ps(acc + 8 * t, _mm256_add_ps(_mm256_loadu_ps(acc + 8 * t), _mm256_and_ps(f, lane_mask)));
      }
    }
    for (size_t t = 0; t < x.n_tokens; ++t) {
      float* lanes = acc + 8 * t;
      for (int s = 4; s >= 1; s /= 2) {
        for (int k = 0; k < s; ++k) lanes[k] = lanes[k] + lanes[k + s];
      }
      y[t * y_stride + r] = lanes[0];
    }
  }
  return true;
}
