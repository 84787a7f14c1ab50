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

 private:
  void Block(const uint8_t* p);
  uint32_t h_[8];
  uint8_t buf_[64];
  size_t buf_len_ = 0;
  uint64_t total_ = 0;
};

}  // namespace lithium
