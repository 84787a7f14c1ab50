// `lithium run --batch FILE.jsonl [--parallel N] [--prefix-cache MB]`: one
// request per input line, run together by the batch engine (continuous
// batching, chunked prefill, prefix cache), one result line per request in
// input order. Each result is the object `lithium run --format json` prints
// for that request alone, with the same tokens and fingerprint.
#pragma once

#include <cstdint>
#include <string>

#include "src/kernels/kernels.h"
#include "tools/lithium/args.h"
#include "tools/lithium/common.h"
#include "tools/lithium/run_request.h"

namespace lithium::cli {

struct BatchFlags {
  std::string file;             // --batch FILE.jsonl
  int64_t parallel = 4;         // --parallel N
  int64_t prefix_cache_mb = 256;  // --prefix-cache MB (0 = off)
};
void AddBatchFlags(Args* args, BatchFlags* flags);

// `defaults` holds the command line's sampling flags, which each line may
// override. Exit 0 when every line succeeded, 2 when any line was bad (its
// result line is {"line": N, "error": "..."}; the other lines still run).
int RunBatch(const BatchFlags& flags, const RunSpec& defaults, const RunContext& ctx, const Loaded& l,
             const kernels::Ops& ops, const std::string& system_prompt, const std::string& template_file);

}  // namespace lithium::cli
