// Compiles ops-inl.h once per SIMD target and lists the targets that were
// compiled. Entry points are declared per target by hand (Highway 1.0.3 has
// no HWY_VISIT_TARGETS).
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "src/kernels/ops_hwy.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "src/base/half.h"
#include "src/kernels/ops-inl.h"
#include "src/kernels/matmul_q-inl.h"

HWY_BEFORE_NAMESPACE();
namespace lithium::kernels::HWY_NAMESPACE {

void FillOps(Ops* ops) {
  ops->dot = &Dot;
  ops->matmul = &Matmul;
  ops->rmsnorm = &RmsNorm;
  ops->softmax = &Softmax;
  ops->swiglu = &Swiglu;
  ops->add = &AddVec;
  ops->rope = &Rope;
  ops->attention = &Attention;
  ops->exp = &ExpVec;
  ops->quantize_act = &QuantizeActivations;
  ops->quantize_act_blocks = &QuantizeActivationBlocks;
  ops->matmul_q = &MatmulQ;
}

}  // namespace lithium::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include "src/kernels/hwy_targets.h"

namespace lithium::kernels {

#define LITHIUM_ADD_TARGET(BIT, NS, NAME) \
  out.push_back(HwyTargetEntry{BIT, NAME, &NS::FillOps});

std::vector<HwyTargetEntry> CompiledHwyTargets() {
  std::vector<HwyTargetEntry> out;
  // Best first.
#if HWY_TARGETS & HWY_AVX3_DL
  LITHIUM_ADD_TARGET(HWY_AVX3_DL, N_AVX3_DL, "avx512_dl")
#endif
#if HWY_TARGETS & HWY_AVX3
  LITHIUM_ADD_TARGET(HWY_AVX3, N_AVX3, "avx512")
#endif
#if HWY_TARGETS & HWY_AVX2
  LITHIUM_ADD_TARGET(HWY_AVX2, N_AVX2, "avx2")
#endif
#if HWY_TARGETS & HWY_SSE4
  LITHIUM_ADD_TARGET(HWY_SSE4, N_SSE4, "sse4")
#endif
#if HWY_TARGETS & HWY_SSSE3
  LITHIUM_ADD_TARGET(HWY_SSSE3, N_SSSE3, "ssse3")
#endif
#if HWY_TARGETS & HWY_NEON
  LITHIUM_ADD_TARGET(HWY_NEON, N_NEON, "neon")
#endif
#if HWY_TARGETS & HWY_WASM
  LITHIUM_ADD_TARGET(HWY_WASM, N_WASM, "wasm_simd128")
#endif
#if HWY_TARGETS & HWY_EMU128
  LITHIUM_ADD_TARGET(HWY_EMU128, N_EMU128, "emu128")
#endif
#if HWY_TARGETS & HWY_SCALAR
  LITHIUM_ADD_TARGET(HWY_SCALAR, N_SCALAR, "hwy_scalar")
#endif
  return out;
}

}  // namespace lithium::kernels
#endif  // HWY_ONCE
