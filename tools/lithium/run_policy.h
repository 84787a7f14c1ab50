// `lithium run --policy FILE [--max-retries N] [--policy-input FILE]`:
// generate, verify the output against the policy (src/verify), and on a
// violation ask again with the violations appended to the prompt and a
// derived seed. Kept apart from cmd_run.cc so `run` calls it in a few lines,
// and so the wasm build (no Z3) links a stub instead (run_policy_stub.cc).
#pragma once

#include <memory>
#include <string>

#include "nlohmann/json.hpp"
#include "src/base/status.h"
#include "src/engine/generate.h"
#include "src/tokenizer/tokenizer.h"
#include "tools/lithium/args.h"

namespace lithium::cli {

struct PolicyFlags {
  std::string policy;        // --policy FILE
  std::string input;         // --policy-input FILE: the `input` the rules see
  int64_t max_retries = 0;   // --max-retries N
};
void AddPolicyFlags(Args* args, PolicyFlags* flags);

// A loaded policy and, after generation, every attempt. Opaque here.
struct PolicyRun;

// Loads the policy and its input (null when --policy is absent). Load-time
// warnings go to stderr.
Result<std::shared_ptr<PolicyRun>> PreparePolicy(const PolicyFlags& flags);

// The policy's output JSON Schema as text ("" without a policy or schema),
// so `run --policy` can constrain decoding to it.
std::string PolicyOutputSchema(const PolicyRun* run);

// Without a policy (run == null), exactly gen.Generate(req, ...). With one,
// up to 1 + max_retries generations until one passes; returns the last.
// Schema-constrained decoding is not applied here: pass --json-schema with
// the policy's schema for that (docs/policy.md).
Result<engine::GenerateResult> GenerateWithPolicy(PolicyRun* run, engine::Generator& gen,
                                                  const tokenizer::Tokenizer& tok, const engine::GenerateRequest& req,
                                                  const engine::TextSink& on_text, const engine::LogitsSink& on_logits);

// Adds policy, confidence, verification and attempts to a JSON result (j
// non-null), or prints a one-line verdict on stderr (j null). Returns the
// exit code: 0, or 1 when the last attempt failed verification.
int FinishPolicy(const PolicyRun* run, nlohmann::ordered_json* j);

}  // namespace lithium::cli
