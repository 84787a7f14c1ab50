// The default model: models/fraud-triage-q8_0.gguf compiled into the binary
// (default_model_blob.S), so `lithium run` and `lithium inspect` work on a
// fresh machine with no model file. Builds without it (wasm, or
// -DLITHIUM_EMBED_MODEL=OFF) report that clearly instead.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "src/base/mapped_file.h"
#include "src/base/status.h"

namespace lithium::cli {

// The name results record as the model path; LoadModel and replay accept it
// in place of a file.
inline constexpr std::string_view kDefaultModelName = "embedded:fraud-triage-q8_0.gguf";

// True when `path` names the embedded model: empty (no -m) or kDefaultModelName.
bool IsDefaultModelPath(const std::string& path);

// The embedded GGUF bytes as a borrowed MappedFile (they live in the
// binary's read-only data), or an error when this build has none.
Result<std::shared_ptr<MappedFile>> OpenDefaultModel();

}  // namespace lithium::cli
