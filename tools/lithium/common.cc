#include "tools/lithium/common.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "src/base/sha256.h"
#include "tools/lithium/default_model.h"

namespace lithium::cli {

int ReportError(const Status& s) {
  std::string m = s.message();
  for (char& c : m) {
    if (c == '\n') c = ' ';
  }
  std::fprintf(stderr, "lithium: %s\n", m.c_str());
  return s.code() == StatusCode::kInternal ? 1 : kExitBadInput;
}

Result<Loaded> LoadModel(const std::string& path, bool vocab_only, bool hash) {
  const auto t0 = std::chrono::steady_clock::now();
  Loaded l;
  // No path (or the name results record for it) means the embedded model.
  std::shared_ptr<MappedFile> bytes;
  if (IsDefaultModelPath(path)) {
    LI_ASSIGN_OR_RETURN(bytes, OpenDefaultModel());
  } else {
    LI_ASSIGN_OR_RETURN(bytes, MappedFile::Open(path));
  }
  LI_ASSIGN_OR_RETURN(auto file, gguf::File::Parse(std::move(bytes)));
  l.file = std::shared_ptr<gguf::File>(std::move(file));
  auto vocab = tokenizer::LoadVocab(*l.file);
  if (!vocab.ok()) return vocab.status().WithContext(path);
  auto tok = tokenizer::Tokenizer::Create(std::move(vocab).value());
  if (!tok.ok()) return tok.status().WithContext(path);
  l.tokenizer = std::move(tok).value();
  if (!vocab_only) {
    auto m = model::Model::Load(l.file);
    if (!m.ok()) return m.status().WithContext(path);
    l.model = std::move(m).value();
    if (l.model->config().n_vocab != l.tokenizer->n_vocab()) {
      return Status::Invalid(path + ": the vocabulary has " + std::to_string(l.tokenizer->n_vocab()) +
                             " tokens but token_embd.weight has " + std::to_string(l.model->config().n_vocab) + " rows");
    }
  }
  if (hash) l.sha256 = Sha256::Hex(l.file->bytes().data(), l.file->bytes().size());
  l.load_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  return l;
}

Result<const kernels::Target*> SelectTarget(const std::string& flag) {
  std::string name = flag;
  if (name.empty()) {
    const char* env = std::getenv("LITHIUM_SIMD");
    if (env && *env) name = env;
  }
  if (name.empty() || name == "auto") return &kernels::BestTarget();
  const kernels::Target* t = kernels::FindTarget(name);
  if (!t) {
    std::string avail;
    for (const auto& a : kernels::AvailableTargets()) avail += (avail.empty() ? "" : ", ") + a.name;
    return Status::Usage("SIMD target '" + name + "' is not available here (available: " + avail + ")");
  }
  return t;
}

Result<std::vector<int32_t>> ParseTokenList(const std::string& text, int32_t n_vocab) {
  std::vector<int32_t> ids;
  size_t i = 0;
  auto skip = [&] {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '[' ||
                               text[i] == ']' || text[i] == ',')) {
      ++i;
    }
  };
  skip();
  while (i < text.size()) {
    if (text[i] < '0' || text[i] > '9') {
      return Status::Usage("--prompt-tokens: unexpected '" + std::string(1, text[i]) + "' at position " + std::to_string(i));
    }
    int64_t v = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      v = v * 10 + (text[i++] - '0');
      if (v >= n_vocab) return Status::Usage("--prompt-tokens: id " + std::to_string(v) + "... is outside the vocabulary of " + std::to_string(n_vocab));
    }
    ids.push_back(int32_t(v));
    skip();
  }
  if (ids.empty()) return Status::Usage("--prompt-tokens: no token ids given");
  return ids;
}

std::string ShapeString(const std::vector<uint64_t>& dims) {
  std::string s;
  for (size_t i = 0; i < dims.size(); ++i) s += (i ? " x " : "") + std::to_string(dims[i]);
  return s;
}

Result<std::string> ReadTextFile(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return Status::Io(path + ": cannot open");
  std::string s;
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) s.append(buf, n);
  bool err = std::ferror(f);
  std::fclose(f);
  if (err) return Status::Io(path + ": read error");
  return s;
}

}  // namespace lithium::cli
