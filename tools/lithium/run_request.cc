#include "tools/lithium/run_request.h"

namespace lithium::cli {

Result<engine::GenerateRequest> BuildRequest(const RunSpec& spec, const tokenizer::Tokenizer& tok) {
  engine::GenerateRequest req;
  req.prompt = spec.prompt;
  req.n_predict = int32_t(spec.n_predict);
  req.sampling.temperature = spec.temp;
  req.sampling.top_k = int32_t(spec.top_k);
  req.sampling.top_p = spec.top_p;
  req.sampling.min_p = spec.min_p;
  req.sampling.repeat_penalty = spec.repeat_penalty;
  req.sampling.repeat_last_n = int32_t(spec.repeat_last_n);
  req.sampling.seed = uint64_t(spec.seed);
  req.stop = spec.stop;
  req.ubatch = int32_t(spec.ubatch);
  if (!spec.constraint_source.empty()) {
    LI_ASSIGN_OR_RETURN(auto vocab, engine::MatcherVocabulary(tok));
    auto m = engine::MakeConstraint(spec.constraint, vocab);
    if (!m.ok()) return m.status().WithContext(spec.constraint_source);
    req.constraint = *m;
  }
  return req;
}

nlohmann::ordered_json ResultJson(const RunSpec& spec, const RunContext& ctx, const engine::GenerateResult& r) {
  nlohmann::ordered_json j;
  j["text"] = r.text;
  j["tokens"] = r.tokens;
  j["prompt_tokens"] = spec.prompt;
  j["finish_reason"] = r.finish_reason;
  // Under a constraint: JSON pointers of the values the token budget cut
  // short (docs/structured-output.md); [] when the budget never bound.
  if (!spec.constraint_source.empty()) j["truncated"] = r.truncated;
  j["fingerprint"] = r.fingerprint;
  j["model"] = {{"path", ctx.model_path}, {"sha256", ctx.sha256}, {"arch", ctx.arch}};
  j["params"] = {{"n_predict", spec.n_predict}, {"temperature", spec.temp}, {"top_k", spec.top_k},
                 {"top_p", spec.top_p}, {"min_p", spec.min_p}, {"repeat_penalty", spec.repeat_penalty},
                 {"repeat_last_n", spec.repeat_last_n}, {"seed", spec.seed}, {"stop", spec.stop},
                 {"ctx_size", spec.ctx_size}, {"ubatch", spec.ubatch}, {"add_bos", spec.add_bos},
                 {"chat", spec.chat}};
  if (spec.constraint_source.empty()) {
    j["constraint"] = nullptr;
  } else {
    // The constraint's own text is recorded so that `lithium replay` can
    // rebuild it without the file it came from.
    j["constraint"] = {{"kind", engine::ConstraintKindName(spec.constraint.kind)},
                       {"source", spec.constraint_source},
                       {"strict", spec.constraint.schema_options.forbid_additional_properties},
                       {"forced_tokens", r.forced_tokens},
                       {"budget_steps", r.budget_steps},
                       {"mask_ms", r.timings.mask_ms},
                       {"text", spec.constraint.text}};
  }
  j["simd_target"] = ctx.simd_target;
  j["threads"] = ctx.threads;
  j["timings"] = {{"load_ms", ctx.load_ms}, {"ttft_ms", r.timings.ttft_ms},
                  {"prefill_tokens_per_s", r.timings.prefill_tokens_per_s()},
                  {"decode_tokens_per_s", r.timings.decode_tokens_per_s()}};
  return j;
}

namespace {

using Json = nlohmann::ordered_json;

Status Missing(const std::string& field, const char* what) {
  return Status::Invalid("field '" + field + "': " + what);
}

Status GetInt(const Json& o, const std::string& key, const std::string& path, int64_t* out) {
  auto it = o.find(key);
  if (it == o.end()) return Missing(path + key, "missing");
  if (!it->is_number_integer()) return Missing(path + key, "expected an integer");
  *out = it->get<int64_t>();
  return Status::Ok();
}

Status GetFloat(const Json& o, const std::string& key, const std::string& path, float* out) {
  auto it = o.find(key);
  if (it == o.end()) return Missing(path + key, "missing");
  if (!it->is_number()) return Missing(path + key, "expected a number");
  *out = float(it->get<double>());
  return Status::Ok();
}

Status GetBool(const Json& o, const std::string& key, const std::string& path, bool* out) {
  auto it = o.find(key);
  if (it == o.end()) return Missing(path + key, "missing");
  if (!it->is_boolean()) return Missing(path + key, "expected true or false");
  *out = it->get<bool>();
  return Status::Ok();
}

}  // namespace

Result<RunSpec> SpecFromResult(const Json& j) {
  if (!j.is_object()) return Status::Invalid("expected a JSON object (the output of lithium run --format json)");
  RunSpec s;
  auto pt = j.find("prompt_tokens");
  if (pt == j.end() || !pt->is_array() || pt->empty()) return Missing("prompt_tokens", "expected a non-empty array");
  for (const auto& t : *pt) {
    if (!t.is_number_integer() || t.get<int64_t>() < 0 || t.get<int64_t>() > INT32_MAX) {
      return Missing("prompt_tokens", "expected token ids");
    }
    s.prompt.push_back(int32_t(t.get<int64_t>()));
  }
  auto p = j.find("params");
  if (p == j.end() || !p->is_object()) return Missing("params", "expected an object");
  LI_RETURN_IF_ERROR(GetInt(*p, "n_predict", "params.", &s.n_predict));
  LI_RETURN_IF_ERROR(GetFloat(*p, "temperature", "params.", &s.temp));
  LI_RETURN_IF_ERROR(GetInt(*p, "top_k", "params.", &s.top_k));
  LI_RETURN_IF_ERROR(GetFloat(*p, "top_p", "params.", &s.top_p));
  LI_RETURN_IF_ERROR(GetFloat(*p, "min_p", "params.", &s.min_p));
  LI_RETURN_IF_ERROR(GetFloat(*p, "repeat_penalty", "params.", &s.repeat_penalty));
  LI_RETURN_IF_ERROR(GetInt(*p, "repeat_last_n", "params.", &s.repeat_last_n));
  LI_RETURN_IF_ERROR(GetInt(*p, "seed", "params.", &s.seed));
  LI_RETURN_IF_ERROR(GetInt(*p, "ctx_size", "params.", &s.ctx_size));
  LI_RETURN_IF_ERROR(GetInt(*p, "ubatch", "params.", &s.ubatch));
  LI_RETURN_IF_ERROR(GetBool(*p, "add_bos", "params.", &s.add_bos));
  LI_RETURN_IF_ERROR(GetBool(*p, "chat", "params.", &s.chat));
  if (s.n_predict < 0 || s.n_predict > (1 << 20)) return Missing("params.n_predict", "out of range");
  if (s.top_k < 0 || s.top_k > (1 << 30)) return Missing("params.top_k", "out of range");
  if (s.seed < 0) return Missing("params.seed", "out of range");
  if (s.repeat_last_n < 0 || s.repeat_last_n > (1 << 20)) return Missing("params.repeat_last_n", "out of range");
  if (s.ubatch < 1 || s.ubatch > 65536) return Missing("params.ubatch", "out of range");
  if (s.ctx_size < 1 || s.ctx_size > (1 << 24)) return Missing("params.ctx_size", "out of range");
  auto stop = p->find("stop");
  if (stop == p->end() || !stop->is_array()) return Missing("params.stop", "expected an array of strings");
  for (const auto& e : *stop) {
    if (!e.is_string()) return Missing("params.stop", "expected an array of strings");
    s.stop.push_back(e.get<std::string>());
  }
  auto c = j.find("constraint");
  if (c != j.end() && !c->is_null()) {
    if (!c->is_object()) return Missing("constraint", "expected an object or null");
    auto kind = c->find("kind"), text = c->find("text"), source = c->find("source");
    if (kind == c->end() || !kind->is_string()) return Missing("constraint.kind", "expected a string");
    if (text == c->end() || !text->is_string()) {
      return Missing("constraint.text", "missing (results before replay support do not record the constraint)");
    }
    const std::string k = kind->get<std::string>();
    if (k == "json-schema") {
      s.constraint.kind = engine::ConstraintKind::kJsonSchema;
    } else if (k == "grammar") {
      s.constraint.kind = engine::ConstraintKind::kGbnf;
    } else if (k == "regex") {
      s.constraint.kind = engine::ConstraintKind::kRegex;
    } else {
      return Missing("constraint.kind", "expected json-schema, grammar or regex");
    }
    s.constraint.text = text->get<std::string>();
    bool strict = false;
    if (c->contains("strict")) LI_RETURN_IF_ERROR(GetBool(*c, "strict", "constraint.", &strict));
    s.constraint.schema_options.forbid_additional_properties = strict;
    s.constraint_source = source != c->end() && source->is_string() ? source->get<std::string>() : k;
  }
  return s;
}

}  // namespace lithium::cli
