// lithium chat: an interactive multi-turn conversation. Each turn renders
// the whole conversation with the chat template; the session keeps the KV
// cache, so only the tokens after the common prefix are evaluated.
#include <unistd.h>

#include <cstdio>
#include <string>

#include "nlohmann/json.hpp"
#include "src/engine/generate.h"
#include "tools/lithium/args.h"
#include "tools/lithium/chat_prompt.h"
#include "tools/lithium/commands.h"
#include "tools/lithium/common.h"

namespace lithium::cli {

int CmdChat(int argc, char** argv) {
  std::string model_path, system_prompt, template_file, simd;
  int64_t n_predict = 512, top_k = 40, seed = 0, threads = 0, n_ctx = 0;
  float temp = 0.8f, top_p = 0.95f, min_p = 0.05f;
  Args args("chat", "lithium chat -m MODEL [--system TEXT] [options]   (one user message per line; /reset, /exit)");
  args.String(&model_path, "-m,--model", "FILE", "GGUF model file with a chat template");
  args.String(&system_prompt, "--system", "TEXT", "system message at the start of the conversation");
  args.String(&template_file, "--template", "FILE", "a Jinja chat template instead of the model's");
  args.Int(&n_predict, "-n,--n-predict", "N", "maximum tokens per answer (default 512)");
  args.Float(&temp, "--temp", "T", "temperature; 0 = greedy (default 0.8)");
  args.Int(&top_k, "--top-k", "K", "top-k; 0 = off (default 40)");
  args.Float(&top_p, "--top-p", "P", "top-p; 1 = off (default 0.95)");
  args.Float(&min_p, "--min-p", "P", "min-p; 0 = off (default 0.05)");
  args.Int(&seed, "--seed", "S", "sampling seed (default 0)");
  args.Int(&threads, "-t,--threads", "N", "threads (default: all cores)");
  args.Int(&n_ctx, "-c,--ctx-size", "N", "context size (default: the model's, at most 4096)");
  args.String(&simd, "--simd", "TARGET", "force a kernel target (env LITHIUM_SIMD)");
  Status st = args.Parse(argc, argv, 2);
  if (!st.ok()) return ReportError(st);
  if (args.help_requested()) {
    std::fputs(args.Help().c_str(), stdout);
    return kExitOk;
  }
  if (model_path.empty()) return ReportError(Status::Usage("lithium chat: -m MODEL is required"));
  if (n_predict < 1 || top_k < 0 || seed < 0 || threads < 0) return ReportError(Status::Usage("lithium chat: bad -n, --top-k, --seed or -t"));
  auto target = SelectTarget(simd);
  if (!target.ok()) return ReportError(target.status());
  auto loaded = LoadModel(model_path, false, false);
  if (!loaded.ok()) return ReportError(loaded.status());
  Loaded& l = *loaded;
  auto tmpl = LoadChatTemplate(*l.file, template_file);
  if (!tmpl.ok()) return ReportError(tmpl.status());
  const auto& cfg = l.model->config();
  if (n_ctx == 0) n_ctx = cfg.n_ctx_train < 4096 ? cfg.n_ctx_train : 4096;
  if (n_ctx < 1 || n_ctx > cfg.n_ctx_train) return ReportError(Status::Usage("-c is out of range for this model"));

  engine::Generator gen(*l.model, *l.tokenizer, (*target)->ops, threads ? int(threads) : DefaultThreads(), n_ctx);
  engine::Session session;
  nlohmann::ordered_json messages = nlohmann::ordered_json::array();
  if (!system_prompt.empty()) messages.push_back({{"role", "system"}, {"content", system_prompt}});
  const bool interactive = isatty(STDIN_FILENO);
  char* line = nullptr;
  size_t cap = 0;
  int turn = 0;
  for (;;) {
    if (interactive) std::fputs("> ", stderr);
    ssize_t got = getline(&line, &cap, stdin);
    if (got < 0) break;
    std::string text(line, size_t(got));
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    if (text.empty()) continue;
    if (text == "/exit") break;
    if (text == "/reset") {
      messages = nlohmann::ordered_json::array();
      if (!system_prompt.empty()) messages.push_back({{"role", "system"}, {"content", system_prompt}});
      continue;
    }
    messages.push_back({{"role", "user"}, {"content", text}});
    auto ids = ChatPromptTokens(*tmpl, *l.tokenizer, messages, true);
    if (!ids.ok()) {
      ReportError(ids.status());
      messages.erase(messages.size() - 1);
      continue;
    }
    engine::GenerateRequest req;
    req.prompt = *ids;
    req.n_predict = int32_t(std::min<int64_t>(n_predict, n_ctx - int64_t(ids->size())));
    req.sampling.temperature = temp;
    req.sampling.top_k = int32_t(top_k);
    req.sampling.top_p = top_p;
    req.sampling.min_p = min_p;
    req.sampling.seed = uint64_t(seed) + uint64_t(turn++);
    if (req.n_predict < 1) {
      ReportError(Status::OutOfRange("the conversation fills the context of " + std::to_string(n_ctx) +
                                     " tokens; /reset to start again"));
      messages.erase(messages.size() - 1);
      continue;
    }
    auto res = gen.Generate(req, [](const std::string& s) {
      std::fwrite(s.data(), 1, s.size(), stdout);
      std::fflush(stdout);
    }, nullptr, &session);
    std::fputc('\n', stdout);
    if (!res.ok()) {
      ReportError(res.status());
      messages.erase(messages.size() - 1);
      continue;
    }
    messages.push_back({{"role", "assistant"}, {"content", res->text}});
    std::fprintf(stderr, "lithium: %zu prompt tokens (%lld reused from the cache), %zu generated, %.1f tok/s, fingerprint %s\n",
                 ids->size(), static_cast<long long>(res->reused_prompt_tokens), res->tokens.size(),
                 res->timings.decode_tokens_per_s(), res->fingerprint.c_str());
  }
  std::free(line);
  return kExitOk;
}

}  // namespace lithium::cli
