#include "tools/lithium/chat_prompt.h"

#include "tools/lithium/common.h"

namespace lithium::cli {

Result<tokenizer::ChatTemplate> LoadChatTemplate(const gguf::File& file, const std::string& template_file) {
  std::string source;
  std::string where;
  if (!template_file.empty()) {
    LI_ASSIGN_OR_RETURN(source, ReadTextFile(template_file));
    where = template_file;
  } else {
    auto t = file.GetString("tokenizer.chat_template");
    if (!t.ok()) {
      return Status::Invalid(file.path() + ": the model has no tokenizer.chat_template; give one with --template FILE");
    }
    source = *t;
    where = file.path() + " (tokenizer.chat_template)";
  }
  auto compiled = tokenizer::ChatTemplate::Compile(source);
  if (!compiled.ok()) return compiled.status().WithContext(where);
  return compiled;
}

Result<std::vector<int32_t>> ChatPromptTokens(const tokenizer::ChatTemplate& tmpl, const tokenizer::Tokenizer& tok,
                                              const nlohmann::ordered_json& messages, bool add_generation_prompt,
                                              std::string* rendered) {
  const auto& v = tok.vocab();
  auto token_text = [&](int32_t id) { return id >= 0 && id < tok.n_vocab() ? v.tokens[size_t(id)] : std::string(); };
  auto ctx = tokenizer::MakeChatContext(messages, add_generation_prompt, token_text(v.bos), token_text(v.eos));
  LI_ASSIGN_OR_RETURN(std::string text, tmpl.Render(ctx));
  if (rendered) *rendered = text;
  // The template writes BOS itself where the model wants it.
  return tok.Encode(text, /*add_bos=*/false, /*parse_special=*/true);
}

}  // namespace lithium::cli
