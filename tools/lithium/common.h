// Pieces shared by the subcommands: loading a model with its tokenizer,
// picking the kernel target, printing errors.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "src/base/status.h"
#include "src/gguf/gguf.h"
#include "src/kernels/kernels.h"
#include "src/model/model.h"
#include "src/tokenizer/tokenizer.h"

namespace lithium::cli {

// Exit codes (DESIGN.md): 0 success, 1 a check failed (verify, replay),
// 2 bad input or usage.
inline constexpr int kExitOk = 0;
inline constexpr int kExitBadInput = 2;

// Prints "lithium: <message>" on one line and returns the exit code.
int ReportError(const Status& s);

struct Loaded {
  std::shared_ptr<gguf::File> file;
  std::unique_ptr<model::Model> model;          // null for vocab-only loads
  std::unique_ptr<tokenizer::Tokenizer> tokenizer;
  std::string sha256;                            // of the whole file
  double load_ms = 0;
};

// Opens a GGUF file, its tokenizer and (unless vocab_only) its weights.
Result<Loaded> LoadModel(const std::string& path, bool vocab_only, bool hash);

// --simd or LITHIUM_SIMD, else the best target; errors list the choices.
Result<const kernels::Target*> SelectTarget(const std::string& flag);

// Parses "1,2,3" or "[1, 2, 3]" into token ids, each in [0, n_vocab).
Result<std::vector<int32_t>> ParseTokenList(const std::string& text, int32_t n_vocab);

// "896 x 151936" for a tensor's dims.
std::string ShapeString(const std::vector<uint64_t>& dims);

// Reads a whole file (prompt files, JSON inputs).
Result<std::string> ReadTextFile(const std::string& path);

}  // namespace lithium::cli
