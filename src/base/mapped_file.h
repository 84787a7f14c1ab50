// A read-only view of a whole file. On POSIX hosts the file is mmap'd, so a
// model's tensor data is never copied; on wasm32-wasi (no mmap) it is read
// once into one aligned heap buffer, which is then the only copy.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "src/base/status.h"

namespace lithium {

class MappedFile {
 public:
  static Result<std::shared_ptr<MappedFile>> Open(const std::string& path);
  // Wraps bytes already in memory (tests, the wasm API's ArrayBuffer). The
  // caller keeps them alive for the MappedFile's lifetime.
  static std::shared_ptr<MappedFile> FromMemory(const void* data, size_t size, std::string name);
  // Takes ownership of a heap buffer allocated with std::malloc/aligned_alloc.
  static std::shared_ptr<MappedFile> FromOwnedBuffer(void* data, size_t size, std::string name);

  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  MappedFile() = default;
  enum class Kind { kMmap, kHeap, kBorrowed };
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  std::string path_;
  Kind kind_ = Kind::kBorrowed;
};

}  // namespace lithium
