// End-to-end checks on the real shared models: reference outputs, the
// determinism contract across kernel targets, threads and prompt chunking.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "src/engine/generate.h"
#include "src/gguf/gguf.h"
#include "src/kernels/quant.h"
#include "src/model/model.h"
#include "src/tokenizer/tokenizer.h"

namespace lithium {
namespace {

const std::string kShared = LITHIUM_SHARED_DIR;

struct Fixture {
  std::shared_ptr<gguf::File> file;
  std::unique_ptr<model::Model> model;
  std::unique_ptr<tokenizer::Tokenizer> tok;
};

// Loads a shared model, or returns false when ../shared is absent.
bool LoadShared(const std::string& name, Fixture* f) {
  std::string path = kShared + "/models/" + name;
  if (!std::filesystem::exists(path)) return false;
  auto file = gguf::File::Open(path);
  EXPECT_TRUE(file.ok()) << file.status().message();
  if (!file.ok()) return false;
  f->file = std::move(*file);
  auto m = model::Model::Load(f->file);
  EXPECT_TRUE(m.ok()) << m.status().message();
  auto v = tokenizer::LoadVocab(*f->file);
  EXPECT_TRUE(v.ok()) << v.status().message();
  if (!m.ok() || !v.ok()) return false;
  f->model = std::move(*m);
  auto t = tokenizer::Tokenizer::Create(std::move(*v));
  EXPECT_TRUE(t.ok());
  if (!t.ok()) return false;
  f->tok = std::move(*t);
  return true;
}

#define REQUIRE_SHARED(name, f)                                                         \
  Fixture f;                                                                            \
  if (!LoadShared(name, &f)) GTEST_SKIP() << "../shared/models/" name " not found; " \
                                             "the shared test data is absent"

engine::GenerateResult Generate(const Fixture& f, const kernels::Target& target, int threads, int ubatch,
                           const std::string& prompt, int n, float temp, uint64_t seed,
                           std::vector<std::vector<float>>* rows = nullptr) {
  engine::Generator gen(*f.model, *f.tok, target.ops, threads, 512);
  engine::GenerateRequest req;
  auto ids = f.tok->Encode(prompt, true, false);
  EXPECT_TRUE(ids.ok());
  req.prompt = *ids;
  req.n_predict = n;
  req.sampling.temperature = temp;
  req.sampling.seed = seed;
  req.ubatch = ubatch;
  auto res = gen.Generate(req, nullptr, rows ? engine::LogitsSink([&](const std::vector<float>& r) { rows->push_back(r); }) : nullptr);
  EXPECT_TRUE(res.ok()) << res.status().message();
  return res.ok() ? *res : engine::GenerateResult{};
}

// ../shared/models/reference/stories260K.md: greedy tokens and top-5 logits.
TEST(Stories260K, ReproducesReferenceGreedyOutput) {
  REQUIRE_SHARED("stories260K.gguf", f);
  auto ids = f.tok->Encode("Once upon a time", true, false);
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ(*ids, (std::vector<int32_t>{1, 403, 407, 261, 378}));
  std::vector<std::vector<float>> rows;
  auto r = Generate(f, kernels::BestTarget(), 1, 512, "Once upon a time", 32, 0.0f, 0, &rows);
  const std::vector<int32_t> want = {432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426,
                                     338, 401, 396, 267, 337, 410, 408, 419, 292, 411, 322,
                                     265, 282, 295, 433, 426, 385, 328, 432, 358, 394};
  EXPECT_EQ(r.tokens, want);
  EXPECT_EQ(r.text.rfind(", there was a little girl named Lily. She loved to play outside in the park.", 0), 0u)
      << r.text;
  ASSERT_FALSE(rows.empty());
  const std::vector<std::pair<int, float>> top5 = {{432, 17.7994f}, {383, 14.2813f}, {322, 9.7097f},
                                                   {353, 9.5873f}, {323, 9.1342f}};
  std::vector<int> order(rows[0].size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = int(i);
  std::partial_sort(order.begin(), order.begin() + 5, order.end(),
                    [&](int a, int b) { return rows[0][a] > rows[0][b]; });
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(order[i], top5[i].first);
    EXPECT_NEAR(rows[0][top5[i].first], top5[i].second, 1e-3);
  }
}

// DESIGN.md: same bits whatever the threads, the prompt chunking and the
// kernel target; greedy and seeded sampling.
TEST(Stories260K, FingerprintIndependentOfTargetThreadsAndChunking) {
  REQUIRE_SHARED("stories260K.gguf", f);
  for (float temp : {0.0f, 0.9f}) {
    const std::string prompt = "Once upon a time, in a land far away, a tiny dragon";
    const auto& ref = kernels::AvailableTargets()[0];
    ASSERT_EQ(ref.name, "scalar");
    auto base = Generate(f, ref, 1, 512, prompt, 64, temp, 1234);
    EXPECT_EQ(base.fingerprint.size(), 64u);
    for (const auto& target : kernels::AvailableTargets()) {
      for (int threads : {1, 2}) {
        for (int ubatch : {1, 7, 512}) {
          auto r = Generate(f, target, threads, ubatch, prompt, 64, temp, 1234);
          EXPECT_EQ(r.fingerprint, base.fingerprint)
              << target.name << " threads=" << threads << " ubatch=" << ubatch << " temp=" << temp;
          EXPECT_EQ(r.tokens, base.tokens);
        }
      }
    }
  }
}

TEST(Stories260K, SeedChangesSampledOutput) {
  REQUIRE_SHARED("stories260K.gguf", f);
  auto a = Generate(f, kernels::BestTarget(), 1, 512, "Once upon a time", 48, 1.0f, 1);
  auto b = Generate(f, kernels::BestTarget(), 1, 512, "Once upon a time", 48, 1.0f, 2);
  auto a2 = Generate(f, kernels::BestTarget(), 2, 3, "Once upon a time", 48, 1.0f, 1);
  EXPECT_NE(a.tokens, b.tokens);
  EXPECT_EQ(a.tokens, a2.tokens);
  EXPECT_EQ(a.fingerprint, a2.fingerprint);
}

TEST(Stories260K, ContextOverflowIsAClearError) {
  REQUIRE_SHARED("stories260K.gguf", f);
  engine::Generator gen(*f.model, *f.tok, kernels::BestTarget().ops, 1, 16);
  engine::GenerateRequest req;
  req.prompt = std::vector<int32_t>(10, 1);
  req.n_predict = 10;
  auto r = gen.Generate(req);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("context overflow"), std::string::npos) << r.status().message();
}

// A session that reuses the KV cache of an earlier turn gives the same bits
// as evaluating the whole prompt afresh.
TEST(Stories260K, SessionReuseIsBitIdentical) {
  REQUIRE_SHARED("stories260K.gguf", f);
  engine::Generator gen(*f.model, *f.tok, kernels::BestTarget().ops, 2, 512);
  engine::Session session;
  engine::GenerateRequest req;
  req.prompt = *f.tok->Encode("Once upon a time", true, false);
  req.n_predict = 12;
  req.sampling.temperature = 0.7f;
  req.sampling.seed = 3;
  auto first = gen.Generate(req, nullptr, nullptr, &session);
  ASSERT_TRUE(first.ok());
  // The next turn: everything so far plus new text.
  std::vector<int32_t> next = req.prompt;
  next.insert(next.end(), first->tokens.begin(), first->tokens.end());
  auto more = f.tok->Encode(" The end. Then", false, false);
  next.insert(next.end(), more->begin(), more->end());
  req.prompt = next;
  auto reused = gen.Generate(req, nullptr, nullptr, &session);
  ASSERT_TRUE(reused.ok());
  EXPECT_GE(reused->reused_prompt_tokens, int64_t(first->tokens.size()));
  auto fresh = gen.Generate(req);
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ(fresh->reused_prompt_tokens, 0);
  EXPECT_EQ(reused->fingerprint, fresh->fingerprint);
  EXPECT_EQ(reused->tokens, fresh->tokens);
}

// A quantized model keeps the contract: same bits for every target, thread
// count and chunking.
TEST(Stories260K, QuantizedFingerprintIndependentOfTargetAndThreads) {
  REQUIRE_SHARED("stories260K.gguf", f);
  // Quantize stories260K's matrices to Q8_0 and Q4_0 in memory.
  for (uint32_t type : {uint32_t(gguf::TensorType::kQ8_0), uint32_t(gguf::TensorType::kQ4_0)}) {
    gguf::Writer w;
    for (const auto& [k, v] : f.file->metadata()) w.AddValue(k, v);
    std::vector<std::vector<uint8_t>> keep;
    for (const auto& t : f.file->tensors()) {
      uint64_t be, bb;
      gguf::TensorTypeBlock(type, &be, &bb);
      // Rows that are not whole blocks (stories260K's ffn_down: 172) stay F32.
      if (t.dims.size() == 2 && t.dims[0] % be == 0) {
        std::vector<float> rowf(t.dims[0]);
        std::vector<uint8_t> q(t.dims[1] * (t.dims[0] / be * bb));
        for (uint64_t r = 0; r < t.dims[1]; ++r) {
          kernels::DequantizeRow(t.type, t.data + r * t.dims[0] * 4, t.dims[0], rowf.data());
          kernels::QuantizeRow(type, rowf.data(), t.dims[0], q.data() + r * (t.dims[0] / be * bb));
        }
        ASSERT_TRUE(w.AddTensor(t.name, type, t.dims, q.data(), q.size()).ok());
      } else {
        ASSERT_TRUE(w.AddTensor(t.name, t.type, t.dims, t.data, t.n_bytes).ok());
      }
    }
    auto bytes = std::make_shared<std::vector<uint8_t>>(w.Serialize());
    auto parsed = gguf::File::Parse(MappedFile::FromMemory(bytes->data(), bytes->size(), "quantized"));
    ASSERT_TRUE(parsed.ok()) << parsed.status().message();
    Fixture q;
    q.file = std::move(*parsed);
    auto m = model::Model::Load(q.file);
    ASSERT_TRUE(m.ok()) << m.status().message();
    q.model = std::move(*m);
    q.tok = std::move(*tokenizer::Tokenizer::Create(*tokenizer::LoadVocab(*q.file)));
    std::string base;
    for (const auto& target : kernels::AvailableTargets()) {
      for (int threads : {1, 2}) {
        for (int ubatch : {3, 512}) {
          auto r = Generate(q, target, threads, ubatch, "Once upon a time", 40, 0.8f, 11);
          if (base.empty()) base = r.fingerprint;
          EXPECT_EQ(r.fingerprint, base) << target.name << " t" << threads << " u" << ubatch << " type " << type;
        }
      }
    }
  }
}

TEST(LlamaTinyRandomF16, RunsOnEveryTargetWithTheSameBits) {
  REQUIRE_SHARED("llama-2-tiny-random.gguf", f);
  EXPECT_EQ(f.model->config().n_vocab, 32000);
  std::string base;
  for (const auto& target : kernels::AvailableTargets()) {
    auto r = Generate(f, target, 2, 3, "Hello world, this is a test", 16, 0.7f, 9);
    EXPECT_EQ(r.tokens.size() > 0, true);
    if (base.empty()) base = r.fingerprint;
    EXPECT_EQ(r.fingerprint, base) << target.name;
  }
}

}  // namespace
}  // namespace lithium
