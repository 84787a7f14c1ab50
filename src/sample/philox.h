// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2,
// 3", SC'11): a counter-based generator. A draw is a pure function of
// (key, counter), so the sampler keys it by (seed, position) and no hidden
// state can make a batched run differ from a lone one (DESIGN.md rule 6).
#pragma once

#include <array>
#include <cstdint>

namespace lithium::sample {

inline std::array<uint32_t, 4> Philox4x32(std::array<uint32_t, 4> ctr, std::array<uint32_t, 2> key) {
  constexpr uint32_t kM0 = 0xD2511F53u, kM1 = 0xCD9E8D57u;
  constexpr uint32_t kW0 = 0x9E3779B9u, kW1 = 0xBB67AE85u;
  for (int round = 0; round < 10; ++round) {
    uint64_t p0 = uint64_t(kM0) * ctr[0];
    uint64_t p1 = uint64_t(kM1) * ctr[2];
    uint32_t hi0 = uint32_t(p0 >> 32), lo0 = uint32_t(p0);
    uint32_t hi1 = uint32_t(p1 >> 32), lo1 = uint32_t(p1);
    ctr = {hi1 ^ ctr[1] ^ key[0], lo1, hi0 ^ ctr[3] ^ key[1], lo0};
    key[0] += kW0;
    key[1] += kW1;
  }
  return ctr;
}

// A uniform double in [0, 1) for (seed, position, stream): 53 random bits.
// `stream` separates independent uses at the same position.
inline double UniformAt(uint64_t seed, uint64_t position, uint32_t stream = 0) {
  auto r = Philox4x32({uint32_t(position), uint32_t(position >> 32), stream, 0},
                      {uint32_t(seed), uint32_t(seed >> 32)});
  uint64_t bits = (uint64_t(r[0]) << 32) | r[1];
  return double(bits >> 11) * (1.0 / 9007199254740992.0);
}

}  // namespace lithium::sample
