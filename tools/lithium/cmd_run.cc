// lithium run: generate text from a prompt.
#include <cstdio>
#include <string>
#include <vector>

#include "nlohmann/json.hpp"
#include "src/engine/constraint.h"
#include "src/engine/generate.h"
#include "tools/lithium/args.h"
#include "tools/lithium/chat_prompt.h"
#include "tools/lithium/commands.h"
#include "tools/lithium/common.h"
#include "tools/lithium/default_model.h"
#include "tools/lithium/run_batch.h"
#include "tools/lithium/run_policy.h"
#include "tools/lithium/run_request.h"

namespace lithium::cli {

int CmdRun(int argc, char** argv) {
  std::string model_path, prompt, prompt_file, prompt_tokens, simd, format = "text", dump_logits;
  std::vector<std::string> stop;
  int64_t n_predict = 128, top_k = 40, seed = 0, threads = 0, ubatch = 512, n_ctx = 0, repeat_last_n = 64;
  float temp = 0.8f, top_p = 0.95f, min_p = 0.05f, repeat_penalty = 1.0f;
  bool no_bos = false;
  std::string json_schema_file, grammar_file, regex;
  bool schema_strict = false;
  Args args("run", "lithium run -m MODEL [-p TEXT | -f FILE | --batch FILE.jsonl] [options]");
  args.String(&model_path, "-m,--model", "FILE", "GGUF model file (default: the embedded fraud-triage model)");
  args.String(&prompt, "-p,--prompt", "TEXT", "prompt text");
  args.String(&prompt_file, "-f,--file", "FILE", "read the prompt from a file");
  args.String(&prompt_tokens, "--prompt-tokens", "IDS", "the prompt as token ids, e.g. 1,403,407 or [1, 403] (no BOS added)");
  args.Int(&n_predict, "-n,--n-predict", "N", "maximum tokens to generate (default 128)");
  args.Float(&temp, "--temp", "T", "temperature; 0 = greedy (default 0.8)");
  args.Int(&top_k, "--top-k", "K", "keep the K most likely tokens; 0 = off (default 40)");
  args.Float(&top_p, "--top-p", "P", "nucleus sampling; 1 = off (default 0.95)");
  args.Float(&min_p, "--min-p", "P", "drop tokens below P times the top probability; 0 = off (default 0.05)");
  args.Float(&repeat_penalty, "--repeat-penalty", "X", "penalise recently seen tokens; 1 = off (default 1)");
  args.Int(&repeat_last_n, "--repeat-last-n", "N", "how many recent tokens the penalty sees (default 64)");
  args.Int(&seed, "--seed", "S", "sampling seed (default 0); draws are keyed by (seed, position)");
  args.Strings(&stop, "--stop", "STR", "stop when the output contains STR (repeatable)");
  args.Int(&threads, "-t,--threads", "N", "threads (default: all cores); results do not depend on it");
  args.Int(&ubatch, "--ubatch", "N", "prompt tokens per forward step (default 512); results do not depend on it");
  args.Int(&n_ctx, "-c,--ctx-size", "N", "context size (default: the model's, at most 4096)");
  args.String(&simd, "--simd", "TARGET", "force a kernel target (scalar, sse4, avx2, avx512, ...); env LITHIUM_SIMD");
  args.Flag(&no_bos, "--no-bos", "do not prepend the BOS token");
  bool chat = false;
  std::string system_prompt, template_file;
  args.Flag(&chat, "--chat", "wrap the prompt as a user message in the model's chat template");
  args.String(&system_prompt, "--system", "TEXT", "with --chat: a system message before the user's");
  args.String(&template_file, "--template", "FILE", "with --chat: a Jinja chat template instead of the model's");
  args.String(&format, "--format", "text|json", "text streams tokens; json prints one result object");
  args.String(&dump_logits, "--dump-logits", "FILE", "write each step's float32 logits row (fingerprint order)");
  args.String(&json_schema_file, "--json-schema", "FILE", "constrain the output to JSON valid against this JSON Schema");
  args.String(&grammar_file, "--grammar", "FILE", "constrain the output to this GBNF grammar (llama.cpp syntax)");
  args.String(&regex, "--regex", "RE", "constrain the output to match this regular expression in full");
  args.Flag(&schema_strict, "--json-schema-strict", "with --json-schema: absent additionalProperties means false");
  PolicyFlags policy_flags;
  AddPolicyFlags(&args, &policy_flags);
  BatchFlags batch_flags;
  AddBatchFlags(&args, &batch_flags);
  Status st = args.Parse(argc, argv, 2);
  if (!st.ok()) return ReportError(st);
  if (args.help_requested()) {
    std::fputs(args.Help().c_str(), stdout);
    return kExitOk;
  }
  // No -m: the embedded default model (tools/lithium/default_model.h).
  if (model_path.empty()) model_path = std::string(kDefaultModelName);
  if (format != "text" && format != "json") return ReportError(Status::Usage("--format must be text or json"));
  if (int(!prompt.empty()) + int(!prompt_file.empty()) + int(!prompt_tokens.empty()) > 1) {
    return ReportError(Status::Usage("use one of -p, -f and --prompt-tokens"));
  }
  if (!prompt_file.empty()) {
    auto text = ReadTextFile(prompt_file);
    if (!text.ok()) return ReportError(text.status());
    prompt = *text;
  }
  if (int(!json_schema_file.empty()) + int(!grammar_file.empty()) + int(!regex.empty()) > 1) {
    return ReportError(Status::Usage("use one of --json-schema, --grammar and --regex"));
  }
  engine::ConstraintSpec constraint;
  std::string constraint_source;
  if (!json_schema_file.empty() || !grammar_file.empty()) {
    const std::string& file = json_schema_file.empty() ? grammar_file : json_schema_file;
    auto text = ReadTextFile(file);
    if (!text.ok()) return ReportError(text.status());
    constraint.kind = json_schema_file.empty() ? engine::ConstraintKind::kGbnf : engine::ConstraintKind::kJsonSchema;
    constraint.text = *text;
    constraint_source = file;
  } else if (!regex.empty()) {
    constraint.kind = engine::ConstraintKind::kRegex;
    constraint.text = regex;
    constraint_source = regex;
  }
  constraint.schema_options.forbid_additional_properties = schema_strict;
  if (n_predict < 0 || n_predict > (1 << 20)) return ReportError(Status::Usage("-n must be in [0, 1048576]"));
  if (top_k < 0 || top_k > (1 << 30)) return ReportError(Status::Usage("--top-k must be >= 0"));
  if (threads < 0 || threads > 1024) return ReportError(Status::Usage("-t must be in [1, 1024]"));
  if (ubatch < 1 || ubatch > 65536) return ReportError(Status::Usage("--ubatch must be in [1, 65536]"));
  if (seed < 0) return ReportError(Status::Usage("--seed must be >= 0"));
  if (repeat_last_n < 0 || repeat_last_n > (1 << 20)) return ReportError(Status::Usage("--repeat-last-n must be >= 0"));

  auto policy_run = PreparePolicy(policy_flags);  // null without --policy
  if (!policy_run.ok()) return ReportError(policy_run.status());
  // With --policy and no other constraint, decoding is constrained to the
  // policy's output schema, so the output always parses and fits it.
  if (constraint_source.empty()) {
    std::string schema = PolicyOutputSchema(policy_run->get());
    if (!schema.empty()) {
      constraint.kind = engine::ConstraintKind::kJsonSchema;
      constraint.text = schema;
      constraint_source = policy_flags.policy + " (output schema)";
    }
  }
  auto target = SelectTarget(simd);
  if (!target.ok()) return ReportError(target.status());
  auto loaded = LoadModel(model_path, false, true);
  if (!loaded.ok()) return ReportError(loaded.status());
  Loaded& l = *loaded;
  const auto& cfg = l.model->config();
  if (n_ctx == 0) n_ctx = cfg.n_ctx_train < 4096 ? cfg.n_ctx_train : 4096;
  if (n_ctx < 1 || n_ctx > cfg.n_ctx_train) {
    return ReportError(Status::Usage("-c must be in [1, " + std::to_string(cfg.n_ctx_train) + "] for this model"));
  }

  int n_threads = int(threads);
  if (n_threads == 0) n_threads = DefaultThreads();
  RunSpec spec;
  spec.n_predict = n_predict;
  spec.temp = temp;
  spec.top_k = top_k;
  spec.top_p = top_p;
  spec.min_p = min_p;
  spec.repeat_penalty = repeat_penalty;
  spec.repeat_last_n = repeat_last_n;
  spec.seed = seed;
  spec.stop = stop;
  spec.ctx_size = n_ctx;
  spec.ubatch = ubatch;
  spec.add_bos = !no_bos && prompt_tokens.empty() && !chat;
  spec.chat = chat;
  spec.constraint = constraint;
  spec.constraint_source = constraint_source;
  RunContext run_ctx{model_path, l.sha256, cfg.arch, (*target)->name, n_threads, l.load_ms};
  if (!batch_flags.file.empty()) {
    // One request per line; the flags above are each line's defaults.
    if (!prompt.empty() || !prompt_tokens.empty() || !dump_logits.empty() || !policy_flags.policy.empty()) {
      return ReportError(Status::Usage("--batch takes the prompts from its file: drop -p, -f, --prompt-tokens, "
                                       "--dump-logits and --policy"));
    }
    spec.add_bos = !no_bos;
    return RunBatch(batch_flags, spec, run_ctx, l, (*target)->ops, system_prompt, template_file);
  }

  if (chat && !prompt_tokens.empty()) return ReportError(Status::Usage("--chat needs -p or -f, not --prompt-tokens"));
  if (!chat && (!system_prompt.empty() || !template_file.empty())) {
    return ReportError(Status::Usage("--system and --template need --chat"));
  }
  Result<std::vector<int32_t>> prompt_ids = std::vector<int32_t>{};
  if (chat) {
    auto tmpl = LoadChatTemplate(*l.file, template_file);
    if (!tmpl.ok()) return ReportError(tmpl.status());
    nlohmann::ordered_json messages = nlohmann::ordered_json::array();
    if (!system_prompt.empty()) messages.push_back({{"role", "system"}, {"content", system_prompt}});
    messages.push_back({{"role", "user"}, {"content", prompt}});
    prompt_ids = ChatPromptTokens(*tmpl, *l.tokenizer, messages, true);
  } else if (prompt_tokens.empty()) {
    prompt_ids = l.tokenizer->Encode(prompt, !no_bos, false);
  } else {
    prompt_ids = ParseTokenList(prompt_tokens, l.tokenizer->n_vocab());
  }
  if (!prompt_ids.ok()) return ReportError(prompt_ids.status());

  spec.prompt = *prompt_ids;
  auto built = BuildRequest(spec, *l.tokenizer);
  if (!built.ok()) return ReportError(built.status());
  engine::GenerateRequest& req = *built;

  FILE* dump = nullptr;
  if (!dump_logits.empty()) {
    dump = std::fopen(dump_logits.c_str(), "wb");
    if (!dump) return ReportError(Status::Io(dump_logits + ": cannot open for writing"));
  }
  engine::Generator gen(*l.model, *l.tokenizer, (*target)->ops, n_threads, n_ctx);
  auto on_text = [&](const std::string& s) {
    if (format == "text") {
      std::fwrite(s.data(), 1, s.size(), stdout);
      std::fflush(stdout);
    }
  };
  bool dump_ok = true;
  auto on_logits = [&](const std::vector<float>& row) {
    if (dump && std::fwrite(row.data(), sizeof(float), row.size(), dump) != row.size()) dump_ok = false;
  };
  auto res = GenerateWithPolicy(policy_run->get(), gen, *l.tokenizer, req, on_text,
                                dump ? engine::LogitsSink(on_logits) : nullptr);
  if (dump && std::fclose(dump) != 0) dump_ok = false;
  if (!res.ok()) {
    if (format == "text") std::fputc('\n', stdout);
    return ReportError(res.status());
  }
  if (!dump_ok) return ReportError(Status::Io(dump_logits + ": write failed"));

  const auto& r = *res;
  if (format == "text") {
    std::fputc('\n', stdout);
    std::fprintf(stderr,
                 "\nlithium: %zu prompt tokens, %zu generated (%s) | prefill %.1f tok/s, decode %.1f tok/s | "
                 "%s, %d threads\nlithium: fingerprint %s\n%s",
                 req.prompt.size(), r.tokens.size(), r.finish_reason.c_str(), r.timings.prefill_tokens_per_s(),
                 r.timings.decode_tokens_per_s(), (*target)->name.c_str(), n_threads, r.fingerprint.c_str(),
                 constraint_source.empty() ? ""
                                           : ("lithium: constraint " + std::string(engine::ConstraintKindName(constraint.kind)) +
                                              " " + constraint_source + "\n").c_str());
    return FinishPolicy(policy_run->get(), nullptr);
  }
  nlohmann::ordered_json j = ResultJson(spec, run_ctx, r);
  const int exit_code = FinishPolicy(policy_run->get(), &j);  // adds verification and attempts
  std::string out = j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
  std::printf("%s\n", out.c_str());
  return exit_code;
}

}  // namespace lithium::cli
