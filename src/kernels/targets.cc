// Which kernel tables this binary has and which this CPU can run.
#include <mutex>

#include "hwy/targets.h"
#include "src/kernels/hwy_targets.h"
#include "src/kernels/kernels.h"

namespace lithium::kernels {
namespace {

int64_t RuntimeSupportedTargets() {
#if defined(__wasm__)
  // Debian ships libhwy for the host only: on wasm the compiled targets are
  // exactly the static one, which the engine requires (SIMD128).
  return HWY_STATIC_TARGET | HWY_TARGETS;
#else
  return hwy::SupportedTargets();
#endif
}

std::vector<Target> BuildTargets() {
  std::vector<Target> out;
  Target ref;
  ref.name = "scalar";
  FillReferenceOps(&ref.ops);
  out.push_back(ref);
  const int64_t supported = RuntimeSupportedTargets();
  for (const HwyTargetEntry& e : CompiledHwyTargets()) {
    if ((supported & e.bit) == 0) continue;
    Target t;
    t.name = e.name;
    e.fill(&t.ops);
    out.push_back(t);
  }
  return out;
}

}  // namespace

const std::vector<Target>& AvailableTargets() {
  static const std::vector<Target> targets = BuildTargets();
  return targets;
}

const Target& BestTarget() {
  const auto& t = AvailableTargets();
  // Index 0 is the scalar reference; the Highway list is best first.
  return t.size() > 1 ? t[1] : t[0];
}

const Target* FindTarget(const std::string& name) {
  for (const Target& t : AvailableTargets()) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

std::vector<std::string> CompiledTargetNames() {
  std::vector<std::string> names{"scalar"};
  for (const HwyTargetEntry& e : CompiledHwyTargets()) names.push_back(e.name);
  return names;
}

}  // namespace lithium::kernels
