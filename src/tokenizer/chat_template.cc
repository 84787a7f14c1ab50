// The public face of the Jinja interpreter: compile once, render many times.
#include "src/tokenizer/chat_template.h"

#include <utility>

#include "src/tokenizer/jinja_ast.h"
#include "src/tokenizer/jinja_eval.h"

namespace lithium::tokenizer {

Result<ChatTemplateDate> ParseChatTemplateDate(std::string_view text) {
  auto bad = [&] {
    return Status::Invalid("date '" + std::string(text) + "' is not YYYY-MM-DD[THH:MM:SS]");
  };
  auto digits = [&](size_t pos, size_t n, int* out) {
    if (pos + n > text.size()) return false;
    int v = 0;
    for (size_t k = pos; k < pos + n; ++k) {
      if (text[k] < '0' || text[k] > '9') return false;
      v = v * 10 + (text[k] - '0');
    }
    *out = v;
    return true;
  };
  ChatTemplateDate d;
  if (!digits(0, 4, &d.year) || text.size() < 10 || text[4] != '-' || !digits(5, 2, &d.month) || text[7] != '-' ||
      !digits(8, 2, &d.day)) {
    return bad();
  }
  if (text.size() > 10) {
    if (text.size() != 19 || (text[10] != 'T' && text[10] != ' ') || !digits(11, 2, &d.hour) || text[13] != ':' ||
        !digits(14, 2, &d.minute) || text[16] != ':' || !digits(17, 2, &d.second)) {
      return bad();
    }
  }
  static const int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (d.year % 4 == 0 && d.year % 100 != 0) || d.year % 400 == 0;
  if (d.month < 1 || d.month > 12 || d.day < 1 || d.day > kDays[d.month - 1] ||
      (d.month == 2 && d.day == 29 && !leap) || d.hour > 23 || d.minute > 59 || d.second > 59) {
    return bad();
  }
  return d;
}

Result<ChatTemplate> ChatTemplate::Compile(std::string_view source) {
  LI_ASSIGN_OR_RETURN(std::unique_ptr<jinja::Program> program, jinja::Parse(source));
  ChatTemplate t;
  t.program_ = std::move(program);
  return t;
}

Result<std::string> ChatTemplate::Render(const nlohmann::ordered_json& context,
                                         const ChatTemplateOptions& options) const {
  if (!program_) return Status::Internal("chat template: Render called on a template that was not compiled");
  if (!context.is_object()) return Status::Invalid("chat template: the context must be a JSON object");
  jinja::EvalOptions eo;
  if (options.now) {
    const ChatTemplateDate& d = *options.now;
    eo.now = jinja::Date{d.year, d.month, d.day, d.hour, d.minute, d.second};
  }
  eo.max_output_bytes = options.max_output_bytes;
  eo.max_steps = options.max_steps;
  const jinja::Value vars = jinja::Value::FromJson(context);
  // Each render has its own evaluator, so a template renders concurrently.
  jinja::Evaluator evaluator(eo);
  std::string out;
  LI_RETURN_IF_ERROR(evaluator.Render(*program_, vars.dict(), &out));
  return out;
}

nlohmann::ordered_json MakeChatContext(const nlohmann::ordered_json& messages, bool add_generation_prompt,
                                       const std::string& bos_token, const std::string& eos_token,
                                       const nlohmann::ordered_json& tools) {
  nlohmann::ordered_json c = nlohmann::ordered_json::object();
  c["messages"] = messages;
  c["tools"] = tools;
  c["documents"] = nullptr;
  c["add_generation_prompt"] = add_generation_prompt;
  c["bos_token"] = bos_token;
  c["eos_token"] = eos_token;
  return c;
}

Result<std::string> RenderChatTemplate(std::string_view source, const nlohmann::ordered_json& context,
                                       const ChatTemplateOptions& options) {
  LI_ASSIGN_OR_RETURN(ChatTemplate t, ChatTemplate::Compile(source));
  return t.Render(context, options);
}

}  // namespace lithium::tokenizer
