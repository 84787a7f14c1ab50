// Chat prompts: render the model's chat template (tokenizer.chat_template,
// or a --template file) over a conversation and tokenize the result with its
// special tokens recognised.
#pragma once

#include <string>
#include <vector>

#include "nlohmann/json.hpp"
#include "src/base/status.h"
#include "src/gguf/gguf.h"
#include "src/tokenizer/chat_template.h"
#include "src/tokenizer/tokenizer.h"

namespace lithium::cli {

// The template in `template_file` if given, else the model's. A model
// without one is an error naming the key: there is no silent fallback.
Result<tokenizer::ChatTemplate> LoadChatTemplate(const gguf::File& file, const std::string& template_file);

// Renders `messages` (a JSON array of {role, content}) and tokenizes the
// text; BOS comes from the template's own bos_token, never added twice.
Result<std::vector<int32_t>> ChatPromptTokens(const tokenizer::ChatTemplate& tmpl, const tokenizer::Tokenizer& tok,
                                              const nlohmann::ordered_json& messages, bool add_generation_prompt,
                                              std::string* rendered = nullptr);

}  // namespace lithium::cli
