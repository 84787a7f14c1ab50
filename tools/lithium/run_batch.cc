#include "tools/lithium/run_batch.h"

#include <cstdio>
#include <optional>
#include <vector>

#include "nlohmann/json.hpp"
#include "src/engine/batch.h"
#include "tools/lithium/chat_prompt.h"

namespace lithium::cli {
namespace {

using Json = nlohmann::ordered_json;

Status Field(const std::string& key, const std::string& what) { return Status::Invalid("field '" + key + "': " + what); }

// Applies a line's fields to a copy of the command line's spec and
// tokenizes its prompt. Unknown fields are errors, so a typo ("temprature")
// never silently runs with the default.
Result<RunSpec> LineSpec(const Json& j, RunSpec spec, const Loaded& l, const std::string& system_prompt,
                         const std::string& template_file, std::optional<tokenizer::ChatTemplate>* tmpl,
                         int line_no) {
  if (!j.is_object()) return Status::Invalid("expected a JSON object");
  std::string prompt;
  std::optional<Json> messages;
  std::string system = system_prompt;
  bool have_prompt = false, have_tokens = false, no_bos = !spec.add_bos;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    const Json& v = it.value();
    auto want_int = [&](int64_t* out, int64_t lo, int64_t hi) -> Status {
      if (!v.is_number_integer()) return Field(k, "expected an integer");
      const int64_t x = v.get<int64_t>();
      if (x < lo || x > hi) return Field(k, "must be in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
      *out = x;
      return Status::Ok();
    };
    auto want_float = [&](float* out) -> Status {
      if (!v.is_number()) return Field(k, "expected a number");
      *out = float(v.get<double>());
      return Status::Ok();
    };
    auto want_bool = [&](bool* out) -> Status {
      if (!v.is_boolean()) return Field(k, "expected true or false");
      *out = v.get<bool>();
      return Status::Ok();
    };
    if (k == "prompt") {
      if (!v.is_string()) return Field(k, "expected a string");
      prompt = v.get<std::string>();
      have_prompt = true;
    } else if (k == "prompt_tokens") {
      if (!v.is_array()) return Field(k, "expected an array of token ids");
      spec.prompt.clear();
      for (const auto& t : v) {
        if (!t.is_number_integer() || t.get<int64_t>() < 0 || t.get<int64_t>() >= l.tokenizer->n_vocab()) {
          return Field(k, "expected token ids in [0, " + std::to_string(l.tokenizer->n_vocab()) + ")");
        }
        spec.prompt.push_back(int32_t(t.get<int64_t>()));
      }
      have_tokens = true;
    } else if (k == "messages") {
      if (!v.is_array() || v.empty()) return Field(k, "expected a non-empty array of {role, content}");
      for (const auto& m : v) {
        if (!m.is_object() || !m.contains("role") || !m["role"].is_string() || !m.contains("content") ||
            !m["content"].is_string()) {
          return Field(k, "expected a non-empty array of {role, content} with string values");
        }
      }
      messages = v;
    } else if (k == "chat") {
      LI_RETURN_IF_ERROR(want_bool(&spec.chat));
    } else if (k == "system") {
      if (!v.is_string()) return Field(k, "expected a string");
      system = v.get<std::string>();
    } else if (k == "n_predict" || k == "max_tokens") {
      LI_RETURN_IF_ERROR(want_int(&spec.n_predict, 0, 1 << 20));
    } else if (k == "temperature" || k == "temp") {
      LI_RETURN_IF_ERROR(want_float(&spec.temp));
    } else if (k == "top_k") {
      LI_RETURN_IF_ERROR(want_int(&spec.top_k, 0, 1 << 30));
    } else if (k == "top_p") {
      LI_RETURN_IF_ERROR(want_float(&spec.top_p));
    } else if (k == "min_p") {
      LI_RETURN_IF_ERROR(want_float(&spec.min_p));
    } else if (k == "repeat_penalty") {
      LI_RETURN_IF_ERROR(want_float(&spec.repeat_penalty));
    } else if (k == "repeat_last_n") {
      LI_RETURN_IF_ERROR(want_int(&spec.repeat_last_n, 0, 1 << 20));
    } else if (k == "seed") {
      LI_RETURN_IF_ERROR(want_int(&spec.seed, 0, INT64_MAX));
    } else if (k == "no_bos") {
      LI_RETURN_IF_ERROR(want_bool(&no_bos));
    } else if (k == "stop") {
      spec.stop.clear();
      if (v.is_string()) {
        spec.stop.push_back(v.get<std::string>());
      } else if (v.is_array()) {
        for (const auto& e : v) {
          if (!e.is_string()) return Field(k, "expected a string or an array of strings");
          spec.stop.push_back(e.get<std::string>());
        }
      } else {
        return Field(k, "expected a string or an array of strings");
      }
    } else if (k == "json_schema" || k == "grammar" || k == "regex") {
      if (k == "json_schema" && v.is_object()) {
        spec.constraint.text = v.dump();
      } else if (v.is_string()) {
        spec.constraint.text = v.get<std::string>();
      } else {
        return Field(k, k == "json_schema" ? "expected a schema object or its text" : "expected a string");
      }
      spec.constraint.kind = k == "json_schema" ? engine::ConstraintKind::kJsonSchema
                             : k == "grammar"   ? engine::ConstraintKind::kGbnf
                                                : engine::ConstraintKind::kRegex;
      spec.constraint_source = "line " + std::to_string(line_no) + " " + k;
    } else if (k == "json_schema_strict") {
      LI_RETURN_IF_ERROR(want_bool(&spec.constraint.schema_options.forbid_additional_properties));
    } else if (k == "id") {
      // The caller's own label; results keep input order, so it is not needed.
    } else {
      return Status::Invalid("unknown field '" + k + "'");
    }
  }
  if (int(have_prompt) + int(have_tokens) + int(messages.has_value()) != 1) {
    return Status::Invalid("give exactly one of prompt, prompt_tokens and messages");
  }
  if (messages || spec.chat) {
    if (have_tokens) return Status::Invalid("chat needs prompt or messages, not prompt_tokens");
    if (!*tmpl) {
      auto t = LoadChatTemplate(*l.file, template_file);
      if (!t.ok()) return t.status();
      tmpl->emplace(std::move(*t));
    }
    Json msgs = Json::array();
    if (messages) {
      msgs = *messages;
    } else {
      if (!system.empty()) msgs.push_back({{"role", "system"}, {"content", system}});
      msgs.push_back({{"role", "user"}, {"content", prompt}});
    }
    LI_ASSIGN_OR_RETURN(spec.prompt, ChatPromptTokens(**tmpl, *l.tokenizer, msgs, true));
    spec.chat = true;
    spec.add_bos = false;
  } else if (have_prompt) {
    LI_ASSIGN_OR_RETURN(spec.prompt, l.tokenizer->Encode(prompt, !no_bos, false));
    spec.add_bos = !no_bos;
  } else {
    spec.add_bos = false;
  }
  return spec;
}

}  // namespace

void AddBatchFlags(Args* args, BatchFlags* flags) {
  args->String(&flags->file, "--batch", "FILE",
               "run every request of a JSONL file together (one object a line: prompt | prompt_tokens | messages, "
               "n_predict, temperature, top_k, top_p, min_p, seed, stop, json_schema, ...; the flags are defaults); "
               "prints one JSON result a line in input order, each identical to running that request alone");
  args->Int(&flags->parallel, "--parallel", "N", "with --batch: sequences decoded together (default 4)");
  args->Int(&flags->prefix_cache_mb, "--prefix-cache", "MB",
            "with --batch: memory for reusing the KV cache of shared prompt prefixes (default 256, 0 = off)");
}

int RunBatch(const BatchFlags& flags, const RunSpec& defaults, const RunContext& ctx, const Loaded& l,
             const kernels::Ops& ops, const std::string& system_prompt, const std::string& template_file) {
  if (flags.parallel < 1 || flags.parallel > 1024) return ReportError(Status::Usage("--parallel must be in [1, 1024]"));
  if (flags.prefix_cache_mb < 0 || flags.prefix_cache_mb > (int64_t(1) << 20)) {
    return ReportError(Status::Usage("--prefix-cache must be in [0, 1048576] MB"));
  }
  auto text = ReadTextFile(flags.file);
  if (!text.ok()) return ReportError(text.status());

  engine::BatchOptions opt;
  opt.parallel = int(flags.parallel);
  opt.ubatch = int32_t(defaults.ubatch);
  opt.n_ctx = defaults.ctx_size;
  opt.prefix_cache_bytes = flags.prefix_cache_mb << 20;
  engine::BatchEngine engine(*l.model, *l.tokenizer, ops, ctx.threads, opt);

  // Each non-blank line is a request: its spec and engine id, or the error.
  struct Line {
    int line_no;
    RunSpec spec;
    int64_t id = -1;
    Status error;
  };
  std::vector<Line> lines;
  std::optional<tokenizer::ChatTemplate> tmpl;
  size_t start = 0;
  for (int line_no = 1; start < text->size(); ++line_no) {
    size_t end = text->find('\n', start);
    if (end == std::string::npos) end = text->size();
    const std::string row = text->substr(start, end - start);
    start = end + 1;
    if (row.find_first_not_of(" \t\r") == std::string::npos) continue;
    Line ln{line_no, defaults, -1, Status::Ok()};
    Json j = Json::parse(row, nullptr, /*allow_exceptions=*/false);
    auto spec = j.is_discarded() ? Result<RunSpec>(Status::Invalid("not valid JSON"))
                                 : LineSpec(j, defaults, l, system_prompt, template_file, &tmpl, line_no);
    if (spec.ok()) {
      ln.spec = std::move(*spec);
      auto req = BuildRequest(ln.spec, *l.tokenizer);
      if (req.ok()) {
        ln.id = engine.Submit(std::move(*req));
      } else {
        ln.error = req.status();
      }
    } else {
      ln.error = spec.status();
    }
    lines.push_back(std::move(ln));
  }

  engine.RunToCompletion();

  int exit_code = kExitOk;
  for (Line& ln : lines) {
    Status err = ln.error;
    Json out;
    if (err.ok()) {
      auto r = engine.Take(ln.id);
      if (r.ok()) {
        out = ResultJson(ln.spec, ctx, *r);
      } else {
        err = r.status();
      }
    }
    if (!err.ok()) {
      std::string msg = flags.file + ":" + std::to_string(ln.line_no) + ": " + err.message();
      ReportError(Status::Invalid(msg));
      out = Json::object();
      out["line"] = ln.line_no;
      out["error"] = msg;
      exit_code = kExitBadInput;
    }
    std::printf("%s\n", out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  }
  if (const auto* pc = engine.prefix_cache()) {
    std::fprintf(stderr, "lithium: batch of %zu requests, prefix cache %lld hits / %lld misses\n", lines.size(),
                 (long long)pc->hits(), (long long)pc->misses());
  }
  return exit_code;
}

}  // namespace lithium::cli
