// lithium inspect: metadata, tensor table, parameter count and size.
#include <cstdio>
#include <string>

#include "nlohmann/json.hpp"
#include "tools/lithium/args.h"
#include "tools/lithium/commands.h"
#include "tools/lithium/common.h"
#include "tools/lithium/default_model.h"

namespace lithium::cli {
namespace {

using Json = nlohmann::ordered_json;

// Long arrays (vocabularies) are summarised: their type, length and head.
Json ValueToJson(const gguf::Value& v, bool full) {
  switch (v.type) {
    case gguf::ValueType::kString: return v.s;
    case gguf::ValueType::kBool: return v.u != 0;
    case gguf::ValueType::kFloat32:
    case gguf::ValueType::kFloat64: return v.f;
    case gguf::ValueType::kArray: {
      if (!full && v.array.size() > 8) {
        Json head = Json::array();
        for (size_t i = 0; i < 4; ++i) head.push_back(ValueToJson(v.array[i], false));
        return Json{{"array_of", gguf::ValueTypeName(v.array_type)}, {"length", v.array.size()}, {"head", head}};
      }
      Json a = Json::array();
      for (const auto& e : v.array) a.push_back(ValueToJson(e, full));
      return a;
    }
    default:
      if (v.type == gguf::ValueType::kInt8 || v.type == gguf::ValueType::kInt16 ||
          v.type == gguf::ValueType::kInt32 || v.type == gguf::ValueType::kInt64) {
        return v.i;
      }
      return v.u;
  }
}

}  // namespace

int CmdInspect(int argc, char** argv) {
  std::string format = "text";
  std::vector<std::string> pos;
  Args args("inspect", "lithium inspect [MODEL] [--format text|json]   (no MODEL: the embedded default model)");
  args.String(&format, "--format", "text|json", "output format (default text)");
  args.Positional(&pos);
  Status st = args.Parse(argc, argv, 2);
  if (!st.ok()) return ReportError(st);
  if (args.help_requested()) {
    std::fputs(args.Help().c_str(), stdout);
    return kExitOk;
  }
  if (pos.size() > 1) return ReportError(Status::Usage("lithium inspect: expected at most one MODEL argument"));
  // No argument describes the embedded default model.
  if (pos.empty()) pos.push_back(std::string(kDefaultModelName));
  if (format != "text" && format != "json") return ReportError(Status::Usage("--format must be text or json"));

  auto bytes = IsDefaultModelPath(pos[0]) ? OpenDefaultModel() : MappedFile::Open(pos[0]);
  if (!bytes.ok()) return ReportError(bytes.status());
  auto file = gguf::File::Parse(std::move(*bytes));
  if (!file.ok()) return ReportError(file.status());
  const gguf::File& f = **file;
  // The model is optional: vocabulary-only files inspect fine.
  std::shared_ptr<const gguf::File> shared(std::move(*file));
  auto m = model::Model::Load(shared);
  uint64_t n_params = 0, data_bytes = 0;
  for (const auto& t : f.tensors()) {
    n_params += t.n_elements;
    data_bytes += t.n_bytes;
  }

  Json j;
  j["path"] = pos[0];
  j["file_size"] = f.bytes().size();
  j["gguf_version"] = f.version();
  j["alignment"] = f.alignment();
  j["n_params"] = n_params;
  j["tensor_bytes"] = data_bytes;
  if (m.ok()) {
    const auto& c = (*m)->config();
    j["hparams"] = {{"arch", c.arch}, {"n_vocab", c.n_vocab}, {"n_embd", c.n_embd}, {"n_layer", c.n_layer},
                    {"n_head", c.n_head}, {"n_head_kv", c.n_head_kv}, {"head_dim", c.head_dim},
                    {"n_ff", c.n_ff}, {"n_ctx_train", c.n_ctx_train}, {"rms_eps", c.rms_eps},
                    {"rope_freq_base", c.rope_freq_base}, {"n_rot", c.n_rot},
                    {"rope_style", c.rope_style == model::RopeStyle::kNeox ? "neox" : "adjacent"},
                    {"tied_output", (*m)->weights().tied_output}};
  } else {
    j["model_error"] = m.status().message();
  }
  Json meta = Json::object();
  for (const auto& [k, v] : f.metadata()) meta[k] = ValueToJson(v, false);
  j["metadata"] = meta;
  Json tensors = Json::array();
  for (const auto& t : f.tensors()) {
    const char* tn = gguf::TensorTypeName(t.type);
    tensors.push_back({{"name", t.name}, {"type", tn ? tn : "?"}, {"dims", t.dims}, {"offset", t.offset},
                       {"bytes", t.n_bytes}});
  }
  j["tensors"] = tensors;

  if (format == "json") {
    std::printf("%s\n", j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    return kExitOk;
  }
  std::printf("%s: GGUF v%u, %zu bytes, %zu tensors, %.3f M parameters\n", pos[0].c_str(), f.version(),
              f.bytes().size(), f.tensors().size(), double(n_params) / 1e6);
  if (m.ok()) {
    std::printf("\nhyperparameters:\n");
    for (auto& [k, v] : j["hparams"].items()) std::printf("  %-16s %s\n", k.c_str(), v.dump().c_str());
  } else {
    std::printf("\n(not runnable: %s)\n", m.status().message().c_str());
  }
  std::printf("\nmetadata:\n");
  for (auto& [k, v] : meta.items()) {
    std::string s = v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    if (s.size() > 100) s = s.substr(0, 97) + "...";
    std::printf("  %-40s %s\n", k.c_str(), s.c_str());
  }
  std::printf("\ntensors:\n");
  for (const auto& t : f.tensors()) {
    const char* tn = gguf::TensorTypeName(t.type);
    std::printf("  %-32s %-5s %-20s %12llu bytes\n", t.name.c_str(), tn ? tn : "?", ShapeString(t.dims).c_str(),
                static_cast<unsigned long long>(t.n_bytes));
  }
  return kExitOk;
}

}  // namespace lithium::cli
