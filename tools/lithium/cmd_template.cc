// lithium template: renders a chat template for a conversation and prints
// the prompt exactly as the model will see it (no trailing newline added),
// so that it can be diffed against Hugging Face's apply_chat_template.
#include <cstdio>
#include <string>

#include "nlohmann/json.hpp"
#include "src/gguf/gguf.h"
#include "src/tokenizer/chat_template.h"
#include "src/tokenizer/tokenizer.h"
#include "tools/lithium/args.h"
#include "tools/lithium/commands.h"
#include "tools/lithium/common.h"

namespace lithium::cli {
namespace {

Result<nlohmann::ordered_json> ReadJsonFile(const std::string& path) {
  LI_ASSIGN_OR_RETURN(std::string text, ReadTextFile(path));
  nlohmann::ordered_json j = nlohmann::ordered_json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::Invalid(path + ": not valid JSON");
  return j;
}

struct ModelTemplate {
  std::string source, bos, eos;
};

// The template and the BOS/EOS token texts of a GGUF file.
Result<ModelTemplate> LoadModelTemplate(const std::string& path) {
  LI_ASSIGN_OR_RETURN(auto file, gguf::File::Open(path));
  ModelTemplate t;
  auto source = file->GetString("tokenizer.chat_template");
  if (!source.ok()) {
    if (source.status().code() == StatusCode::kNotFound) {
      return Status::NotFound(path + ": no tokenizer.chat_template in the model; give one with --template FILE");
    }
    return source.status();
  }
  t.source = *source;
  auto vocab = tokenizer::LoadVocab(*file);
  if (!vocab.ok()) return vocab.status().WithContext(path);
  if (vocab->bos >= 0) t.bos = vocab->tokens[static_cast<size_t>(vocab->bos)];
  if (vocab->eos >= 0) t.eos = vocab->tokens[static_cast<size_t>(vocab->eos)];
  return t;
}

}  // namespace

int CmdTemplate(int argc, char** argv) {
  std::string model_path, template_path, messages_path, tools_path, bos, eos, date;
  bool add_generation_prompt = false;
  Args args("template",
            "lithium template (-m MODEL | --template FILE) --messages FILE.json [--add-generation-prompt]\n"
            "                 [--bos TEXT] [--eos TEXT] [--tools FILE.json] [--date YYYY-MM-DD]");
  args.String(&model_path, "-m,--model", "FILE", "GGUF model: its tokenizer.chat_template and BOS/EOS tokens");
  args.String(&template_path, "--template", "FILE", "a Jinja chat template (the text of chat_template)");
  args.String(&messages_path, "--messages", "FILE",
              "a JSON array of messages, or a JSON object of template variables holding \"messages\"");
  args.Flag(&add_generation_prompt, "--add-generation-prompt", "end with the opening of an assistant turn");
  args.String(&bos, "--bos", "TEXT", "bos_token (default: the model's BOS token, else empty)");
  args.String(&eos, "--eos", "TEXT", "eos_token (default: the model's EOS token, else empty)");
  args.String(&tools_path, "--tools", "FILE", "a JSON array of tool definitions, passed as tools");
  args.String(&date, "--date", "YYYY-MM-DD",
              "the date strftime_now() returns (default: none, so templates use their own)");
  Status st = args.Parse(argc, argv, 2);
  if (!st.ok()) return ReportError(st);
  if (args.help_requested()) {
    std::fputs(args.Help().c_str(), stdout);
    return kExitOk;
  }
  if (model_path.empty() == template_path.empty()) {
    return ReportError(Status::Usage("lithium template: give exactly one of -m MODEL and --template FILE"));
  }
  if (messages_path.empty()) return ReportError(Status::Usage("lithium template: --messages FILE is required"));

  ModelTemplate tmpl;
  if (!model_path.empty()) {
    auto t = LoadModelTemplate(model_path);
    if (!t.ok()) return ReportError(t.status());
    tmpl = std::move(t).value();
  } else {
    auto text = ReadTextFile(template_path);
    if (!text.ok()) return ReportError(text.status());
    tmpl.source = std::move(text).value();
  }

  auto messages = ReadJsonFile(messages_path);
  if (!messages.ok()) return ReportError(messages.status());
  // Flags win over the variables in the messages file, which win over the
  // model's defaults.
  nlohmann::ordered_json context;
  if (messages->is_array()) {
    context = tokenizer::MakeChatContext(*messages, add_generation_prompt, tmpl.bos, tmpl.eos);
  } else if (messages->is_object()) {
    context = tokenizer::MakeChatContext(nlohmann::ordered_json::array(), false, tmpl.bos, tmpl.eos);
    for (auto it = messages->begin(); it != messages->end(); ++it) context[it.key()] = it.value();
    if (add_generation_prompt) context["add_generation_prompt"] = true;
  } else {
    return ReportError(Status::Invalid(messages_path + ": expected a JSON array of messages or an object"));
  }
  if (args.WasSet("--bos")) context["bos_token"] = bos;
  if (args.WasSet("--eos")) context["eos_token"] = eos;
  if (!tools_path.empty()) {
    auto tools = ReadJsonFile(tools_path);
    if (!tools.ok()) return ReportError(tools.status());
    context["tools"] = *tools;
  }

  tokenizer::ChatTemplateOptions options;
  if (!date.empty()) {
    auto d = tokenizer::ParseChatTemplateDate(date);
    if (!d.ok()) return ReportError(Status::Usage(d.status().message()));
    options.now = *d;
  }
  auto compiled = tokenizer::ChatTemplate::Compile(tmpl.source);
  if (!compiled.ok()) {
    return ReportError(compiled.status().WithContext(model_path.empty() ? template_path : model_path));
  }
  auto out = compiled->Render(context, options);
  if (!out.ok()) return ReportError(out.status().WithContext(model_path.empty() ? template_path : model_path));
  std::fwrite(out->data(), 1, out->size(), stdout);
  std::fflush(stdout);
  return kExitOk;
}

}  // namespace lithium::cli
