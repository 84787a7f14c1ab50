// SHA-256 (FIPS 180-4), written here rather than taken from OpenSSL because
// the fingerprint must be computed identically inside WebAssembly.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace lithium {

class Sha256 {
 public:
  Sha256();
  void Update(const void* data, size_t size);
  std::array<uint8_t, 32> Finish();
  std::string FinishHex();

  static std::string Hex(const void* data, size_t size);

  // Whether whole blocks go through the x86 SHA extensions (SHA-NI): true on
  // CPUs that have them unless a test turned them off. Same digest either way;
  // the instructions hash about 5x faster than the portable code, which
  // matters for the per-step logits fingerprint and the model-file hash.
  static bool HardwareEnabled();
  // Tests compare both paths; returns whether the hardware path exists.
  static bool SetHardwareForTesting(bool enabled);

 private:
  void Block(const uint8_t* p);
  void Blocks(const uint8_t* p, size_t n);
  uint32_t h_[8];
  uint8_t buf_[64];
  size_t buf_len_ = 0;
  uint64_t total_ = 0;
};

}  // namespace lithium
