// lithium replay RESULT.json: re-runs the request a `run --format json`
// result records and checks the determinism contract on it: the same model
// file (by sha256), then every token and the fingerprint over every logits
// row. Exit 0 on a bit-for-bit match, 1 on a mismatch (naming the first
// differing step), 2 on bad input.
#include <cstdio>
#include <string>

#include "nlohmann/json.hpp"
#include "src/engine/generate.h"
#include "tools/lithium/args.h"
#include "tools/lithium/commands.h"
#include "tools/lithium/common.h"
#include "tools/lithium/run_request.h"

namespace lithium::cli {
namespace {

constexpr int kExitMismatch = 1;

int Mismatch(const std::string& what) {
  std::fprintf(stderr, "lithium replay: MISMATCH: %s\n", what.c_str());
  return kExitMismatch;
}

}  // namespace

int CmdReplay(int argc, char** argv) {
  std::string model_path, simd;
  int64_t threads = 0;
  std::vector<std::string> positional;
  Args args("replay", "lithium replay RESULT.json [-m MODEL] [-t N] [--simd TARGET]");
  args.String(&model_path, "-m,--model", "FILE", "the model file (default: the path the result records)");
  args.Int(&threads, "-t,--threads", "N", "threads (default: all cores); results do not depend on it");
  args.String(&simd, "--simd", "TARGET", "force a kernel target; results do not depend on it");
  args.Positional(&positional);
  Status st = args.Parse(argc, argv, 2);
  if (!st.ok()) return ReportError(st);
  if (args.help_requested()) {
    std::fputs(args.Help().c_str(), stdout);
    std::fputs("\nexit status: 0 every token and the fingerprint match, 1 a mismatch (the first differing step is "
               "printed) or another model file, 2 bad input\n",
               stdout);
    return kExitOk;
  }
  if (positional.size() != 1) return ReportError(Status::Usage("lithium replay: give one RESULT.json (see --help)"));
  if (threads < 0 || threads > 1024) return ReportError(Status::Usage("-t must be in [1, 1024]"));
  const std::string& path = positional[0];

  // Everything read from the result is untrusted: check shape and types.
  auto text = ReadTextFile(path);
  if (!text.ok()) return ReportError(text.status());
  auto j = nlohmann::ordered_json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return ReportError(Status::Invalid(path + ": not valid JSON"));
  auto spec = SpecFromResult(j);
  if (!spec.ok()) return ReportError(spec.status().WithContext(path));
  std::vector<int32_t> want;
  auto tokens = j.find("tokens");
  if (tokens == j.end() || !tokens->is_array()) return ReportError(Status::Invalid(path + ": field 'tokens': expected an array"));
  for (const auto& t : *tokens) {
    if (!t.is_number_integer() || t.get<int64_t>() < 0 || t.get<int64_t>() > INT32_MAX) {
      return ReportError(Status::Invalid(path + ": field 'tokens': expected token ids"));
    }
    want.push_back(int32_t(t.get<int64_t>()));
  }
  auto fp = j.find("fingerprint");
  if (fp == j.end() || !fp->is_string() || fp->get<std::string>().size() != 64) {
    return ReportError(Status::Invalid(path + ": field 'fingerprint': expected 64 hex digits"));
  }
  auto model = j.find("model");
  if (model == j.end() || !model->is_object() || !model->contains("sha256") || !(*model)["sha256"].is_string()) {
    return ReportError(Status::Invalid(path + ": field 'model.sha256': expected a string"));
  }
  if (model_path.empty()) {
    if (!model->contains("path") || !(*model)["path"].is_string()) {
      return ReportError(Status::Invalid(path + ": field 'model.path' is missing; give the model with -m"));
    }
    model_path = (*model)["path"].get<std::string>();
  }
  if (auto a = j.find("attempts"); a != j.end() && a->is_array() && a->size() > 1) {
    return ReportError(Status::Invalid(path + ": the result took " + std::to_string(a->size()) +
                                       " policy attempts; replay re-runs single generations only"));
  }

  auto target = SelectTarget(simd);
  if (!target.ok()) return ReportError(target.status());
  auto loaded = LoadModel(model_path, false, true);
  if (!loaded.ok()) return ReportError(loaded.status());
  Loaded& l = *loaded;
  const std::string recorded_sha = (*model)["sha256"].get<std::string>();
  if (l.sha256 != recorded_sha) {
    return Mismatch("model file " + model_path + " has sha256 " + l.sha256 + ", the result was made with " +
                    recorded_sha);
  }
  if (spec->ctx_size > l.model->config().n_ctx_train) {
    return ReportError(Status::Invalid(path + ": params.ctx_size exceeds the model's context"));
  }
  for (int32_t t : spec->prompt) {
    if (t >= l.tokenizer->n_vocab()) return ReportError(Status::Invalid(path + ": prompt_tokens: id out of the vocabulary"));
  }

  auto req = BuildRequest(*spec, *l.tokenizer);
  if (!req.ok()) return ReportError(req.status());
  int n_threads = threads == 0 ? DefaultThreads() : int(threads);
  engine::Generator gen(*l.model, *l.tokenizer, (*target)->ops, n_threads, spec->ctx_size);
  auto res = gen.Generate(*req);
  if (!res.ok()) return ReportError(res.status());

  // The first differing step names the token each run chose there.
  const auto& got = res->tokens;
  for (size_t i = 0; i < std::max(got.size(), want.size()); ++i) {
    if (i >= got.size() || i >= want.size() || got[i] != want[i]) {
      auto show = [](const std::vector<int32_t>& v, size_t k) { return k < v.size() ? std::to_string(v[k]) : "(end)"; };
      return Mismatch("step " + std::to_string(i) + ": replay chose token " + show(got, i) + ", the result records " +
                      show(want, i));
    }
  }
  if (res->fingerprint != fp->get<std::string>()) {
    return Mismatch("every token matches but the fingerprint differs: replay " + res->fingerprint +
                    ", the result records " + fp->get<std::string>());
  }
  std::printf("lithium replay: match: %zu tokens, fingerprint %s (%s, %d threads)\n", got.size(),
              res->fingerprint.c_str(), (*target)->name.c_str(), n_threads);
  return kExitOk;
}

}  // namespace lithium::cli
