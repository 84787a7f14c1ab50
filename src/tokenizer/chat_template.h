// Chat templates: turns a conversation into the prompt text a chat model
// was trained on, by running the Jinja2 program that GGUF files carry in
// tokenizer.chat_template (and Hugging Face's tokenizer_config.json in
// "chat_template").
//
// The interpreter is built in (no Python, no exceptions, no regex library,
// so it builds for wasm32-wasi) and renders the output byte for byte as
// Hugging Face's apply_chat_template does with jinja2: the same whitespace
// rules (trim_blocks, lstrip_blocks), the same Python semantics for values,
// the same tojson (ensure_ascii=False). It covers the Jinja subset that real
// templates use: for (with loop.*, else, filters, break/continue), if, set
// (also set blocks and namespace attributes), macros, with, filter blocks,
// the common filters and tests, str/dict/list methods, slicing.
//
// Anything outside that subset (include, call blocks, an unknown filter,
// ...) is an error naming the construct with its line and column, found when
// the template is compiled; errors while rendering (raise_exception, an
// undefined value used in arithmetic) also carry a line and column. A
// template that is not valid Jinja is an error, never a crash.
//
// Determinism: rendering depends only on the template, the context and the
// options. strftime_now() returns the date given in the options; when no
// date is given strftime_now is undefined, and templates that check for it
// (Llama 3.x) fall back to their built-in date.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "nlohmann/json.hpp"
#include "src/base/status.h"

namespace lithium::tokenizer {

namespace jinja {
struct Program;
}

// A calendar date and time for strftime_now(), interpreted in no time zone.
struct ChatTemplateDate {
  int year = 2024, month = 1, day = 1;
  int hour = 0, minute = 0, second = 0;
};

// Parses "YYYY-MM-DD" (optionally followed by "THH:MM:SS" or " HH:MM:SS").
Result<ChatTemplateDate> ParseChatTemplateDate(std::string_view text);

struct ChatTemplateOptions {
  // The date strftime_now() reports; absent means strftime_now is undefined.
  std::optional<ChatTemplateDate> now;
  // Bounds on a render, so that a hostile template cannot exhaust memory or
  // time: the output (and any string built on the way), and the number of
  // evaluation steps.
  size_t max_output_bytes = size_t{64} << 20;
  int64_t max_steps = 20'000'000;
};

class ChatTemplate {
 public:
  ChatTemplate() = default;  // renders nothing but an error; use Compile

  // Lexes and parses the template. Syntax errors and unsupported constructs
  // are errors of the form "chat template: line L, column C: ...".
  static Result<ChatTemplate> Compile(std::string_view source);

  // Renders with the variables of `context`, a JSON object (messages,
  // add_generation_prompt, bos_token, ...; see MakeChatContext). A compiled
  // template can be rendered any number of times, also concurrently.
  Result<std::string> Render(const nlohmann::ordered_json& context,
                             const ChatTemplateOptions& options = {}) const;

 private:
  std::shared_ptr<const jinja::Program> program_;
};

// The variables Hugging Face's apply_chat_template passes to a template:
// messages, tools (null when there are none, as there), documents (null),
// add_generation_prompt, bos_token and eos_token.
nlohmann::ordered_json MakeChatContext(const nlohmann::ordered_json& messages, bool add_generation_prompt,
                                       const std::string& bos_token, const std::string& eos_token,
                                       const nlohmann::ordered_json& tools = nullptr);

// Compile and Render in one call.
Result<std::string> RenderChatTemplate(std::string_view source, const nlohmann::ordered_json& context,
                                       const ChatTemplateOptions& options = {});

}  // namespace lithium::tokenizer
