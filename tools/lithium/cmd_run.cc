// lithium run: generate text from a prompt.
#include <cstdio>
#include <string>
#include <vector>

#include "nlohmann/json.hpp"
#include "src/engine/generate.h"
#include "tools/lithium/args.h"
#include "tools/lithium/commands.h"
#include "tools/lithium/common.h"

namespace lithium::cli {

int CmdRun(int argc, char** argv) {
  std::string model_path, prompt, prompt_file, prompt_tokens, simd, format = "text", dump_logits;
  std::vector<std::string> stop;
  int64_t n_predict = 128, top_k = 40, seed = 0, threads = 0, ubatch = 512, n_ctx = 0, repeat_last_n = 64;
  float temp = 0.8f, top_p = 0.95f, min_p = 0.05f, repeat_penalty = 1.0f;
  bool no_bos = false;
  Args args("run", "lithium run -m MODEL [-p TEXT | -f FILE] [options]");
  args.String(&model_path, "-m,--model", "FILE", "GGUF model file");
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
  args.String(&format, "--format", "text|json", "text streams tokens; json prints one result object");
  args.String(&dump_logits, "--dump-logits", "FILE", "write each step's float32 logits row (fingerprint order)");
  Status st = args.Parse(argc, argv, 2);
  if (!st.ok()) return ReportError(st);
  if (args.help_requested()) {
    std::fputs(args.Help().c_str(), stdout);
    return kExitOk;
  }
  if (model_path.empty()) return ReportError(Status::Usage("lithium run: -m MODEL is required (no default model is embedded yet)"));
  if (format != "text" && format != "json") return ReportError(Status::Usage("--format must be text or json"));
  if (int(!prompt.empty()) + int(!prompt_file.empty()) + int(!prompt_tokens.empty()) > 1) {
    return ReportError(Status::Usage("use one of -p, -f and --prompt-tokens"));
  }
  if (!prompt_file.empty()) {
    auto text = ReadTextFile(prompt_file);
    if (!text.ok()) return ReportError(text.status());
    prompt = *text;
  }
  if (n_predict < 0 || n_predict > (1 << 20)) return ReportError(Status::Usage("-n must be in [0, 1048576]"));
  if (top_k < 0 || top_k > (1 << 30)) return ReportError(Status::Usage("--top-k must be >= 0"));
  if (threads < 0 || threads > 1024) return ReportError(Status::Usage("-t must be in [1, 1024]"));
  if (ubatch < 1 || ubatch > 65536) return ReportError(Status::Usage("--ubatch must be in [1, 65536]"));
  if (seed < 0) return ReportError(Status::Usage("--seed must be >= 0"));
  if (repeat_last_n < 0 || repeat_last_n > (1 << 20)) return ReportError(Status::Usage("--repeat-last-n must be >= 0"));

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

  Result<std::vector<int32_t>> prompt_ids = prompt_tokens.empty() ? l.tokenizer->Encode(prompt, !no_bos, false)
                                                                   : ParseTokenList(prompt_tokens, l.tokenizer->n_vocab());
  if (!prompt_ids.ok()) return ReportError(prompt_ids.status());

  engine::GenerateRequest req;
  req.prompt = *prompt_ids;
  req.n_predict = int32_t(n_predict);
  req.sampling.temperature = temp;
  req.sampling.top_k = int32_t(top_k);
  req.sampling.top_p = top_p;
  req.sampling.min_p = min_p;
  req.sampling.repeat_penalty = repeat_penalty;
  req.sampling.repeat_last_n = int32_t(repeat_last_n);
  req.sampling.seed = uint64_t(seed);
  req.stop = stop;
  req.ubatch = int32_t(ubatch);

  FILE* dump = nullptr;
  if (!dump_logits.empty()) {
    dump = std::fopen(dump_logits.c_str(), "wb");
    if (!dump) return ReportError(Status::Io(dump_logits + ": cannot open for writing"));
  }
  int n_threads = int(threads);
  if (n_threads == 0) n_threads = DefaultThreads();
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
  auto res = gen.Generate(req, on_text, dump ? engine::LogitsSink(on_logits) : nullptr);
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
                 "%s, %d threads\nlithium: fingerprint %s\n",
                 req.prompt.size(), r.tokens.size(), r.finish_reason.c_str(), r.timings.prefill_tokens_per_s(),
                 r.timings.decode_tokens_per_s(), (*target)->name.c_str(), n_threads, r.fingerprint.c_str());
    return kExitOk;
  }
  nlohmann::ordered_json j;
  j["text"] = r.text;
  j["tokens"] = r.tokens;
  j["prompt_tokens"] = req.prompt;
  j["finish_reason"] = r.finish_reason;
  j["fingerprint"] = r.fingerprint;
  j["model"] = {{"path", model_path}, {"sha256", l.sha256}, {"arch", cfg.arch}};
  j["params"] = {{"n_predict", n_predict}, {"temperature", temp}, {"top_k", top_k}, {"top_p", top_p},
                 {"min_p", min_p}, {"repeat_penalty", repeat_penalty}, {"repeat_last_n", repeat_last_n},
                 {"seed", seed}, {"stop", stop}, {"ctx_size", n_ctx}, {"ubatch", ubatch},
                 {"add_bos", !no_bos && prompt_tokens.empty()}};
  j["simd_target"] = (*target)->name;
  j["threads"] = n_threads;
  j["timings"] = {{"load_ms", l.load_ms}, {"ttft_ms", r.timings.ttft_ms},
                  {"prefill_tokens_per_s", r.timings.prefill_tokens_per_s()},
                  {"decode_tokens_per_s", r.timings.decode_tokens_per_s()}};
  std::string out = j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
  std::printf("%s\n", out.c_str());
  return kExitOk;
}

}  // namespace lithium::cli
