// Internal: the Highway targets compiled into ops_hwy.cc.
#pragma once

#include <cstdint>
#include <vector>

#include "src/kernels/kernels.h"

namespace lithium::kernels {

struct HwyTargetEntry {
  int64_t bit;  // HWY_AVX2, ...
  const char* name;
  void (*fill)(Ops*);
};

std::vector<HwyTargetEntry> CompiledHwyTargets();

}  // namespace lithium::kernels
