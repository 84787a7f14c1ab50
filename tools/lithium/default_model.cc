#include "tools/lithium/default_model.h"

#include <cstddef>
#include <cstdint>

#ifdef LITHIUM_EMBED_MODEL
// Defined in default_model_blob.S (.incbin of the GGUF, 64-byte aligned so
// tensor data keeps the file's 32-byte alignment in memory).
extern "C" const uint8_t lithium_default_model_begin[];
extern "C" const uint8_t lithium_default_model_end[];
#endif

namespace lithium::cli {

bool IsDefaultModelPath(const std::string& path) { return path.empty() || path == kDefaultModelName; }

Result<std::shared_ptr<MappedFile>> OpenDefaultModel() {
#ifdef LITHIUM_EMBED_MODEL
  const size_t n = size_t(lithium_default_model_end - lithium_default_model_begin);
  return MappedFile::FromMemory(lithium_default_model_begin, n, std::string(kDefaultModelName));
#else
  return Status::Usage(
      "no model given (-m FILE) and this build has no embedded default model "
      "(it is embedded in native builds with LITHIUM_EMBED_MODEL=ON)");
#endif
}

}  // namespace lithium::cli
