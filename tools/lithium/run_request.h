// The request a `lithium run` performs, as its JSON result records it:
// shared by `run`, `run --batch` (one per input line) and `replay` (read
// back from a result), so the three agree field for field.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "nlohmann/json.hpp"
#include "src/base/status.h"
#include "src/engine/constraint.h"
#include "src/engine/generate.h"
#include "src/tokenizer/tokenizer.h"

namespace lithium::cli {

struct RunSpec {
  std::vector<int32_t> prompt;  // tokenized, BOS or chat template applied
  int64_t n_predict = 128, top_k = 40, seed = 0, repeat_last_n = 64, ctx_size = 0, ubatch = 512;
  float temp = 0.8f, top_p = 0.95f, min_p = 0.05f, repeat_penalty = 1.0f;
  std::vector<std::string> stop;
  bool add_bos = true, chat = false;
  engine::ConstraintSpec constraint;
  std::string constraint_source;  // "" = unconstrained
};

// Where and how the run happened (not part of the request).
struct RunContext {
  std::string model_path, sha256, arch, simd_target;
  int threads = 1;
  double load_ms = 0;
};

// The generate request for a spec; compiles its constraint, if any, for
// this tokenizer (each call builds a fresh matcher).
Result<engine::GenerateRequest> BuildRequest(const RunSpec& spec, const tokenizer::Tokenizer& tok);

// The `run --format json` object (without policy fields, which
// FinishPolicy adds).
nlohmann::ordered_json ResultJson(const RunSpec& spec, const RunContext& ctx, const engine::GenerateResult& r);

// Reads a spec back from a result object; errors name the missing or
// malformed field.
Result<RunSpec> SpecFromResult(const nlohmann::ordered_json& j);

}  // namespace lithium::cli
