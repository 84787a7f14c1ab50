// lithium tokenize: prints the token ids of a text as a JSON array.
#include <cstdio>
#include <string>

#include "tools/lithium/args.h"
#include "tools/lithium/commands.h"
#include "tools/lithium/common.h"

namespace lithium::cli {

int CmdTokenize(int argc, char** argv) {
  std::string model_path, prompt, prompt_file;
  bool no_bos = false, parse_special = false;
  Args args("tokenize", "lithium tokenize -m MODEL (-p TEXT | -f FILE) [--no-bos] [--parse-special]");
  args.String(&model_path, "-m,--model", "FILE", "GGUF model or vocabulary file");
  args.String(&prompt, "-p,--prompt", "TEXT", "text to tokenize");
  args.String(&prompt_file, "-f,--file", "FILE", "read the text from a file (bytes as they are)");
  args.Flag(&no_bos, "--no-bos", "do not prepend BOS");
  args.Flag(&parse_special, "--parse-special", "recognise the text of special tokens such as <s>");
  Status st = args.Parse(argc, argv, 2);
  if (!st.ok()) return ReportError(st);
  if (args.help_requested()) {
    std::fputs(args.Help().c_str(), stdout);
    return kExitOk;
  }
  if (model_path.empty()) return ReportError(Status::Usage("lithium tokenize: -m MODEL is required"));
  if (args.WasSet("-p") || args.WasSet("--prompt")) {
    if (!prompt_file.empty()) return ReportError(Status::Usage("use -p or -f, not both"));
  } else if (!prompt_file.empty()) {
    auto text = ReadTextFile(prompt_file);
    if (!text.ok()) return ReportError(text.status());
    prompt = *text;
  } else {
    return ReportError(Status::Usage("lithium tokenize: give -p TEXT or -f FILE"));
  }
  auto loaded = LoadModel(model_path, true, false);
  if (!loaded.ok()) return ReportError(loaded.status());
  auto ids = loaded->tokenizer->Encode(prompt, !no_bos, parse_special);
  if (!ids.ok()) return ReportError(ids.status());
  std::string out = "[";
  for (size_t i = 0; i < ids->size(); ++i) out += (i ? ", " : "") + std::to_string((*ids)[i]);
  out += "]\n";
  std::fputs(out.c_str(), stdout);
  return kExitOk;
}

}  // namespace lithium::cli
