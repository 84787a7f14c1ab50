// lithium: deterministic local inference. Subcommands are thin: they parse
// flags, call the library and print.
#include <cstdio>
#include <cstring>
#include <string>

#if !defined(LITHIUM_NO_THREADS)
#include <thread>
#endif
#if defined(__wasi__)
#include <cstdlib>
#include <unistd.h>
#endif

#include "tools/lithium/commands.h"

namespace lithium::cli {

int DefaultThreads() {
#if defined(LITHIUM_NO_THREADS)
  return 1;
#else
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : int(n);
#endif
}

}  // namespace lithium::cli

namespace {

const char* kUsage =
    "lithium: deterministic local inference for small language models\n"
    "\n"
    "usage: lithium COMMAND [options]   (lithium COMMAND --help for its options)\n"
    "\n"
    "commands:\n"
    "  run        generate text from a prompt; --format json prints the result with its fingerprint;\n"
    "             --batch FILE.jsonl runs many requests together, each with the bits it gets alone\n"
    "  inspect    show a GGUF file's metadata, tensors and hyperparameters\n"
    "  tokenize   print the token ids of a text as a JSON array\n"
    "  quantize   convert a model's float weights to q8_0, q4_0, q4_k_m, ...\n"
    "  bench      prefill (pp) and decode (tg) tokens/s, peak RSS and a fingerprint\n"
    "  chat       an interactive multi-turn conversation with the model's chat template\n"
    "  template   render a chat template for a conversation and print the prompt\n"
    "  replay     re-run a run --format json result: exit 0 when every token and the fingerprint match\n"
    "  verify     check an output (and its input) against a policy: exit 0 pass, 1 violations, 2 error\n";

}  // namespace

int main(int argc, char** argv) {
#if defined(__wasi__)
  // WASI has no working directory: wasi-libc resolves relative paths against
  // "/". The node launcher (tools/wasm/lithium.mjs) preopens the host
  // directories under their own absolute paths and passes the host's cwd in
  // PWD, so relative paths mean what they mean natively.
  if (const char* pwd = std::getenv("PWD"); pwd != nullptr && pwd[0] == '/') (void)chdir(pwd);
#endif
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) {
    std::fputs(kUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  std::string cmd = argv[1];
  if (cmd == "run") return lithium::cli::CmdRun(argc, argv);
  if (cmd == "inspect") return lithium::cli::CmdInspect(argc, argv);
  if (cmd == "tokenize") return lithium::cli::CmdTokenize(argc, argv);
  if (cmd == "quantize") return lithium::cli::CmdQuantize(argc, argv);
  if (cmd == "bench") return lithium::cli::CmdBench(argc, argv);
  if (cmd == "chat") return lithium::cli::CmdChat(argc, argv);
  if (cmd == "template") return lithium::cli::CmdTemplate(argc, argv);
  if (cmd == "verify") return lithium::cli::CmdVerify(argc, argv);
  if (cmd == "replay") return lithium::cli::CmdReplay(argc, argv);
  std::fprintf(stderr, "lithium: unknown command '%s' (see lithium --help)\n", cmd.c_str());
  return 2;
}
