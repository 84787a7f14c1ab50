// The wasm build has no Z3, valijson or yaml-cpp, hence no policies: the
// flags exist (so usage is the same everywhere) and say so when used.
#include "tools/lithium/commands.h"
#include "tools/lithium/common.h"
#include "tools/lithium/run_policy.h"

namespace lithium::cli {

struct PolicyRun {};

void AddPolicyFlags(Args* args, PolicyFlags* flags) {
  args->String(&flags->policy, "--policy", "FILE", "verify the output against this policy (native builds only)");
  args->String(&flags->input, "--policy-input", "FILE", "JSON object the policy's rules see as `input`");
  args->Int(&flags->max_retries, "--max-retries", "N", "with --policy: ask again up to N times on a violation");
}

Result<std::shared_ptr<PolicyRun>> PreparePolicy(const PolicyFlags& flags) {
  if (flags.policy.empty() && flags.input.empty() && flags.max_retries == 0) return std::shared_ptr<PolicyRun>();
  return Status::Unsupported("--policy needs Z3, which this build (WebAssembly) does not have");
}

Result<engine::GenerateResult> GenerateWithPolicy(PolicyRun*, engine::Generator& gen, const tokenizer::Tokenizer&,
                                                  const engine::GenerateRequest& req, const engine::TextSink& on_text,
                                                  const engine::LogitsSink& on_logits) {
  return gen.Generate(req, on_text, on_logits);
}

int FinishPolicy(const PolicyRun*, nlohmann::ordered_json*) { return kExitOk; }

std::string PolicyOutputSchema(const PolicyRun*) { return ""; }

int CmdVerify(int, char**) {
  return ReportError(Status::Unsupported("lithium verify needs Z3, which this build (WebAssembly) does not have"));
}

}  // namespace lithium::cli
