// Per-target quantized matmul (see quant.h for the canonical order).
// Included once per target by ops_hwy.cc. Each weight row is unpacked once
// to int8 (exact) and reused for every token; the int8 dots are exact
// integer sums, and the float combine repeats CombineBlocksRef step by step.

#if defined(LITHIUM_KERNELS_MATMUL_Q_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef LITHIUM_KERNELS_MATMUL_Q_INL_H_
#undef LITHIUM_KERNELS_MATMUL_Q_INL_H_
#else
#define LITHIUM_KERNELS_MATMUL_Q_INL_H_
#endif

#include <vector>

#include "hwy/highway.h"
#include "src/kernels/quant.h"
#include "src/kernels/quant_blocks.h"
#include "src/kernels/unpack.h"

HWY_BEFORE_NAMESPACE();
namespace lithium::kernels::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

void QuantizeActivationBlocks(const float* x, size_t b_begin, size_t b_end, ActQ8* out) {
  const hn::CappedTag<float, 32> d;
  const hn::RebindToSigned<decltype(d)> di;
  const hn::Rebind<int8_t, decltype(di)> d8;
  const size_t N = hn::Lanes(d);
  const auto magic = hn::Set(d, 12582912.0f);
  for (size_t b = b_begin; b < b_end; ++b) {
    const float* xb = x + b * kQBlock;
    // The maximum magnitude is exact in any order.
    auto vmax = hn::Zero(d);
    for (size_t i = 0; i < kQBlock; i += N) vmax = hn::Max(vmax, hn::Abs(hn::LoadU(d, xb + i)));
    const float amax = hn::GetLane(hn::MaxOfLanes(d, vmax));
    const float scale = amax / 127.0f;
    const float id = amax > 0.0f ? 127.0f / amax : 0.0f;
    const auto vid = hn::Set(d, id);
    auto vsum = hn::Zero(di);
    for (size_t i = 0; i < kQBlock; i += N) {
      // Round half to even exactly as RoundHalfEven does.
      const auto r = hn::Sub(hn::Add(hn::Mul(hn::LoadU(d, xb + i), vid), magic), magic);
      const auto qi = hn::ConvertTo(di, r);  // in [-127, 127]: the narrowing is exact
      hn::StoreU(hn::DemoteTo(d8, qi), d8, out->q.data() + b * kQBlock + i);
      vsum = hn::Add(vsum, qi);
    }
    out->d[b] = scale;
    out->sum[b] = hn::GetLane(hn::SumOfLanes(di, vsum));  // an integer sum: exact in any order
  }
}

void QuantizeActivations(const float* x, size_t n_tokens, size_t cols, ActQ8* out) {
  out->Resize(n_tokens, cols);
  QuantizeActivationBlocks(x, 0, n_tokens * cols / kQBlock, out);
}

// Exact dot of 16 int8 pairs.
HWY_INLINE int32_t Dot16(const int8_t* w, const int8_t* x) {
  const hn::CappedTag<int16_t, 16> d16;
  const hn::Rebind<int8_t, decltype(d16)> d8;
  const hn::Repartition<int32_t, decltype(d16)> d32;
  const size_t N = hn::Lanes(d16);
  auto s0 = hn::Zero(d32), s1 = hn::Zero(d32);
  for (size_t i = 0; i < 16; i += N) {
    const auto a = hn::PromoteTo(d16, hn::LoadU(d8, w + i));
    const auto c = hn::PromoteTo(d16, hn::LoadU(d8, x + i));
    s0 = hn::ReorderWidenMulAccumulate(d32, a, c, s0, s1);
  }
  return hn::GetLane(hn::SumOfLanes(d32, hn::Add(s0, s1)));
}

// The float combine of quant.h: acc[b % 8] += f_b, then the tree.
HWY_INLINE float CombineBlocks(const int32_t* ib, const int32_t* mb, const float* db, const float* dmb,
                               const float* dx, size_t nb, bool has_min) {
  const hn::CappedTag<float, 8> d;
  const hn::RebindToSigned<decltype(d)> di;
  const size_t N = hn::Lanes(d);
  const size_t V = 8 / N;
  hn::Vec<decltype(d)> acc[8];
  for (size_t v = 0; v < V; ++v) acc[v] = hn::Zero(d);
  size_t b = 0;
  for (; b + 8 <= nb; b += 8) {
    for (size_t v = 0; v < V; ++v) {
      const size_t o = b + v * N;
      const auto dxv = hn::LoadU(d, dx + o);
      const auto p = hn::Mul(hn::LoadU(d, db + o), dxv);
      auto f = hn::Mul(hn::ConvertTo(d, hn::LoadU(di, ib + o)), p);
      if (has_min) {
        const auto q = hn::Mul(hn::LoadU(d, dmb + o), dxv);
        f = hn::Add(f, hn::Mul(hn::ConvertTo(d, hn::LoadU(di, mb + o)), q));
      }
      acc[v] = hn::Add(acc[v], f);
    }
  }
  HWY_ALIGN float lanes[8];
  for (size_t v = 0; v < V; ++v) hn::StoreU(acc[v], d, lanes + v * N);
  for (; b < nb; ++b) {
    const float p = db[b] * dx[b];
    float f = static_cast<float>(ib[b]) * p;
    if (has_min) {
      const float q = dmb[b] * dx[b];
      f = f + static_cast<float>(mb[b]) * q;
    }
    lanes[b % 8] = lanes[b % 8] + f;
  }
  for (int s = 4; s >= 1; s /= 2) {
    for (int k = 0; k < s; ++k) lanes[k] = lanes[k] + lanes[k + s];
  }
  return lanes[0];
}

#if HWY_TARGET == HWY_AVX2 || HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX3_DL
#include "src/kernels/matmul_q_x86-inl.h"
#endif
#if HWY_TARGET == HWY_WASM
#include "src/kernels/matmul_q_wasm-inl.h"
#endif

// The integer terms I_b (exact) and M_b of a row for every token, and the
// block factors D_b, Dm_b. Fused SIMD paths read the packed quants directly;
// other targets (and leftover blocks) unpack the row to int8 first.
void RowTerms(const Weights& w, size_t r, const ActQ8& x, std::vector<int8_t>& w8,
              std::vector<UnpackedBlock>& blocks, std::vector<int32_t>& msc, int32_t* ib, int32_t* mb,
              float* db, float* dmb) {
  const size_t nb = w.cols / kQBlock;
  const uint8_t* row = static_cast<const uint8_t*>(w.data) + r * w.row_bytes;
  RowBlockScales(w.type, row, w.cols, db, dmb, msc.data());
  size_t done = 0;  // blocks whose I_b the fused path computed
#if HWY_TARGET == HWY_AVX2 || HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX3_DL
  if (RowDotsX86(w.type, row, x, nb, ib)) done = nb / 8 * 8;
#endif
  if (done < nb) {
    // Only the leftover blocks. K-quant rows are whole super-blocks (8
    // blocks), so `done` is a block boundary of every format here.
    uint64_t be = 0, bb = 0;
    gguf::TensorTypeBlock(w.type, &be, &bb);
    const size_t first = done * kQBlock / be;  // in the format's blocks
    UnpackRow(w.type, row + first * bb, w.cols - done * kQBlock, w8.data() + done * kQBlock, blocks.data() + done);
  }
  for (size_t t = 0; t < x.n_tokens; ++t) {
    const int8_t* xq = x.q.data() + t * x.cols;
    const int32_t* xs = x.sum.data() + t * nb;
    for (size_t b = done; b < nb; ++b) {
      const UnpackedBlock& u = blocks[b];
      ib[t * nb + b] = u.s0 * Dot16(&w8[32 * b], xq + 32 * b) + u.s1 * Dot16(&w8[32 * b + 16], xq + 32 * b + 16);
    }
    for (size_t b = 0; b < nb; ++b) mb[t * nb + b] = msc[b] * xs[b];
  }
}

void MatmulQ(const Weights& w, const ActQ8& x, float* y, size_t y_stride, size_t r_begin, size_t r_end) {
#if HWY_TARGET == HWY_AVX2 || HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX3_DL
  if (MatmulQX86(w, x, y, y_stride, r_begin, r_end)) return;
#endif
#if HWY_TARGET == HWY_WASM
  if (MatmulQWasm(w, x, y, y_stride, r_begin, r_end)) return;
#endif
  const size_t nb = w.cols / kQBlock;
  const bool has_min = TypeHasMin(w.type);
  std::vector<int8_t> w8(w.cols);
  std::vector<UnpackedBlock> blocks(nb);
  std::vector<int32_t> ib(x.n_tokens * nb), mb(x.n_tokens * nb), msc(nb);
  std::vector<float> db(nb), dmb(nb);
  for (size_t r = r_begin; r < r_end; ++r) {
    RowTerms(w, r, x, w8, blocks, msc, ib.data(), mb.data(), db.data(), dmb.data());
    for (size_t t = 0; t < x.n_tokens; ++t) {
      y[t * y_stride + r] = CombineBlocks(ib.data() + t * nb, mb.data() + t * nb, db.data(), dmb.data(),
                                          x.d.data() + t * nb, nb, has_min);
    }
  }
}

}  // namespace lithium::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // include guard
