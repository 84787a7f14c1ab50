#include "tests/engine/test_models.h"

#include <cstdlib>
#include <filesystem>
#include <map>
#include <unistd.h>

namespace lithium::testing_models {
namespace {

const std::string kShared = LITHIUM_SHARED_DIR;
const std::string kBin = LITHIUM_BINARY_DIR;

struct Recipe {
  std::string name, arch, shape, vocab, type;  // type: f32 f16 bf16, or a quantize TYPE
};

// Architectures and weight types of the matrix. Quantized ones use the
// "small" shape (256-wide rows, whole K-quant blocks).
const std::vector<Recipe>& Recipes() {
  static const std::vector<Recipe> r = {
      {"llama-tiny-f16", "llama", "tiny", "llama-spm", "f16"},
      // Qwen's own 152k vocabulary would make each step 5x slower; the
      // architecture does not depend on the vocabulary.
      {"qwen2-tiny-f32", "qwen2", "tiny", "llama-spm", "f32"},
      {"qwen3-tiny-bf16", "qwen3", "tiny", "llama-spm", "bf16"},
      {"phi3-tiny-f32", "phi3", "tiny", "phi-3", "f32"},
      {"llama-small-q4_0", "llama", "small", "llama-spm", "q4_0"},
      {"llama-small-q4_k", "llama", "small", "llama-spm", "q4_k"},
  };
  return r;
}

std::string WorkDir() {
  // Never destroyed, so the exit handler that removes the directory can
  // still read its name after the other statics are gone.
  static const std::string* dir = [] {
    auto* d = new std::string(
        (std::filesystem::temp_directory_path() / ("lithium_batch_test_" + std::to_string(getpid()))).string());
    std::filesystem::create_directories(*d);
    std::atexit([] { std::error_code ec; std::filesystem::remove_all(*dir, ec); });
    return d;
  }();
  return *dir;
}

bool Run(const std::string& cmd, std::string* why) {
  if (std::system((cmd + " > /dev/null 2>&1").c_str()) == 0) return true;
  *why = "command failed: " + cmd;
  return false;
}

// Writes the model file for `name`; returns its path or "".
std::string MakeFile(const std::string& name, std::string* why) {
  if (name == "stories260K-f32") return kShared + "/models/stories260K.gguf";
  const std::string genmodel = kBin + "/tools/genmodel/lithium-genmodel", lithium = kBin + "/tools/lithium/lithium";
  if (name == "stories260K-q8_0") {
    const std::string out = WorkDir() + "/" + name + ".gguf";
    if (!Run(lithium + " quantize " + kShared + "/models/stories260K.gguf " + out + " q8_0", why)) return "";
    return out;
  }
  for (const Recipe& r : Recipes()) {
    if (r.name != name) continue;
    const bool quant = r.type != "f32" && r.type != "f16" && r.type != "bf16";
    const std::string base = WorkDir() + "/" + name + (quant ? ".f32.gguf" : ".gguf");
    if (!Run(genmodel + " --arch " + r.arch + " --shape " + r.shape + " --vocab " + kShared + "/vocab/ggml-vocab-" +
                 r.vocab + ".gguf --seed 7 --type " + (quant ? "f32" : r.type) + " --out " + base,
             why)) {
      return "";
    }
    if (!quant) return base;
    const std::string out = WorkDir() + "/" + name + ".gguf";
    if (!Run(lithium + " quantize " + base + " " + out + " " + r.type, why)) return "";
    std::filesystem::remove(base);
    return out;
  }
  *why = "unknown test model " + name;
  return "";
}

}  // namespace

const std::vector<std::string>& ModelNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n = {"stories260K-f32", "stories260K-q8_0"};
    for (const Recipe& r : Recipes()) n.push_back(r.name);
    return n;
  }();
  return names;
}

const TestModel* GetModel(const std::string& name, std::string* why) {
  static std::map<std::string, std::unique_ptr<TestModel>> cache;
  auto it = cache.find(name);
  if (it != cache.end()) return it->second.get();
  if (!std::filesystem::exists(kShared + "/models/stories260K.gguf") ||
      !std::filesystem::exists(kShared + "/vocab")) {
    *why = kShared + " (../shared: models and vocabularies) not found; the shared test data is absent";
    return nullptr;
  }
  auto m = std::make_unique<TestModel>();
  m->name = name;
  m->path = MakeFile(name, why);
  if (m->path.empty()) return nullptr;
  auto file = gguf::File::Open(m->path);
  if (!file.ok()) return *why = file.status().message(), nullptr;
  m->file = std::move(*file);
  auto model = model::Model::Load(m->file);
  if (!model.ok()) return *why = model.status().message(), nullptr;
  m->model = std::move(*model);
  auto vocab = tokenizer::LoadVocab(*m->file);
  if (!vocab.ok()) return *why = vocab.status().message(), nullptr;
  auto tok = tokenizer::Tokenizer::Create(std::move(*vocab));
  if (!tok.ok()) return *why = tok.status().message(), nullptr;
  m->tok = std::move(*tok);
  return (cache[name] = std::move(m)).get();
}

std::vector<std::vector<int32_t>> TestPrompts(const TestModel& m) {
  if (m.name.rfind("stories", 0) == 0) {
    std::vector<std::vector<int32_t>> out;
    for (const char* text : {"Once upon a", "The little dog ran to the park to find", "Lily and Tom",
                             "One day, a big bear came out of the woods. He was hungry and sad, so he"}) {
      out.push_back(*m.tok->Encode(text, true, false));
    }
    return out;
  }
  // Generated models: seeded ids among the first thousand, after BOS.
  std::vector<std::vector<int32_t>> out;
  uint64_t s = 12345;
  for (size_t len : {5, 23, 3, 40}) {
    std::vector<int32_t> p = {m.tok->vocab().bos >= 0 ? m.tok->vocab().bos : 1};
    while (p.size() < len) {
      s = s * 6364136223846793005ull + 1442695040888963407ull;
      p.push_back(int32_t(3 + (s >> 33) % 997));
    }
    out.push_back(p);
  }
  return out;
}

}  // namespace lithium::testing_models
