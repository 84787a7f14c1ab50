#include "src/base/mapped_file.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#if !defined(__wasi__)
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

namespace lithium {

std::shared_ptr<MappedFile> MappedFile::FromMemory(const void* data, size_t size, std::string name) {
  std::shared_ptr<MappedFile> f(new MappedFile());
  f->data_ = static_cast<const uint8_t*>(data);
  f->size_ = size;
  f->path_ = std::move(name);
  f->kind_ = Kind::kBorrowed;
  return f;
}

std::shared_ptr<MappedFile> MappedFile::FromOwnedBuffer(void* data, size_t size, std::string name) {
  std::shared_ptr<MappedFile> f(new MappedFile());
  f->data_ = static_cast<const uint8_t*>(data);
  f->size_ = size;
  f->path_ = std::move(name);
  f->kind_ = Kind::kHeap;
  return f;
}

#if !defined(__wasi__)
Result<std::shared_ptr<MappedFile>> MappedFile::Open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::Io(path + ": " + std::strerror(errno));
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int e = errno;
    ::close(fd);
    return Status::Io(path + ": " + std::strerror(e));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status::Io(path + ": not a regular file");
  }
  std::shared_ptr<MappedFile> f(new MappedFile());
  f->path_ = path;
  f->size_ = static_cast<size_t>(st.st_size);
  if (f->size_ == 0) {
    ::close(fd);
    f->kind_ = Kind::kBorrowed;
    static const uint8_t kEmpty[1] = {0};
    f->data_ = kEmpty;
    return f;
  }
  void* p = ::mmap(nullptr, f->size_, PROT_READ, MAP_PRIVATE, fd, 0);
  int e = errno;
  ::close(fd);
  if (p == MAP_FAILED) return Status::Io(path + ": mmap failed: " + std::strerror(e));
  f->data_ = static_cast<const uint8_t*>(p);
  f->kind_ = Kind::kMmap;
  return f;
}

MappedFile::~MappedFile() {
  if (kind_ == Kind::kMmap) ::munmap(const_cast<uint8_t*>(data_), size_);
  if (kind_ == Kind::kHeap) std::free(const_cast<uint8_t*>(data_));
}
#else
// WASI has no mmap: read the file once into a 64-byte aligned buffer.
Result<std::shared_ptr<MappedFile>> MappedFile::Open(const std::string& path) {
  FILE* fp = std::fopen(path.c_str(), "rb");
  if (!fp) return Status::Io(path + ": " + std::strerror(errno));
  if (std::fseek(fp, 0, SEEK_END) != 0) {
    std::fclose(fp);
    return Status::Io(path + ": cannot seek");
  }
  long end = std::ftell(fp);
  std::fseek(fp, 0, SEEK_SET);
  if (end < 0) {
    std::fclose(fp);
    return Status::Io(path + ": cannot tell size");
  }
  size_t size = static_cast<size_t>(end);
  size_t alloc = (size + 63) / 64 * 64 + 64;
  void* buf = std::aligned_alloc(64, alloc);
  if (!buf) {
    std::fclose(fp);
    return Status::Io(path + ": cannot allocate " + std::to_string(size) +
                      " bytes (wasm32 memory is limited to 4 GB)");
  }
  size_t got = size ? std::fread(buf, 1, size, fp) : 0;
  std::fclose(fp);
  if (got != size) {
    std::free(buf);
    return Status::Io(path + ": short read");
  }
  return FromOwnedBuffer(buf, size, path);
}

MappedFile::~MappedFile() {
  if (kind_ == Kind::kHeap) std::free(const_cast<uint8_t*>(data_));
}
#endif

}  // namespace lithium
