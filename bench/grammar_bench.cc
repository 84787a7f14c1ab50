// Structured-output benchmarks (issue 6):
//   BM_Mask/<schema>     token-mask computation on the Qwen2 vocabulary
//                        (151,936 ids) along seeded random walks through
//                        the schema; counters median_us and p99_us per
//                        token, after the cache is filled (precompute_ms
//                        reports that one-time cost).
//   BM_MaskBudget/<schema>/<mode>  the same walks with no budget, a far
//                        budget and a binding one (issue 9).
//   BM_Decode/<mode>     end-to-end decode on a model (LITHIUM_BENCH_MODEL,
//                        e.g. the qwen2.5-0.5b shape from lithium-genmodel),
//                        unconstrained vs constrained: tokens_per_s.
// Each walk and each decode is seeded, so every run measures the same work.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "src/engine/constraint.h"
#include "src/engine/generate.h"
#include "src/gguf/gguf.h"
#include "src/grammar/compiled_grammar.h"
#include "src/grammar/json_schema.h"
#include "src/grammar/matcher.h"
#include "src/kernels/kernels.h"
#include "src/model/model.h"

namespace lithium {
namespace {

namespace fs = std::filesystem;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The Qwen2 vocabulary through the real tokenizer.
std::shared_ptr<const grammar::Vocabulary> QwenVocab() {
  static std::shared_ptr<const grammar::Vocabulary> v = [] {
    std::shared_ptr<const grammar::Vocabulary> out;
    auto f = gguf::File::Open(std::string(LITHIUM_SHARED_DIR) + "/vocab/ggml-vocab-qwen2.gguf");
    if (!f.ok()) return out;
    auto vocab = tokenizer::LoadVocab(**f);
    if (!vocab.ok()) return out;
    auto tok = tokenizer::Tokenizer::Create(std::move(*vocab));
    if (!tok.ok()) return out;
    auto mv = engine::MatcherVocabulary(**tok);
    if (mv.ok()) out = *mv;
    return out;
  }();
  return v;
}

const std::vector<std::string>& Schemas() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n;
    for (const auto& e : fs::directory_iterator(std::string(LITHIUM_SOURCE_DIR) + "/src/grammar/testdata/schemas")) {
      n.push_back(e.path().stem().string());
    }
    std::sort(n.begin(), n.end());
    return n;
  }();
  return names;
}

void BM_Mask(benchmark::State& state) {
  auto vocab = QwenVocab();
  if (!vocab) {
    state.SkipWithError("Qwen2 vocabulary missing");
    return;
  }
  const std::string name = Schemas()[size_t(state.range(0))];
  state.SetLabel(name);
  auto g = grammar::JsonSchemaToGrammar(
      std::string_view(ReadFile(std::string(LITHIUM_SOURCE_DIR) + "/src/grammar/testdata/schemas/" + name + ".json")));
  if (!g.ok()) {
    state.SkipWithError(g.status().message().c_str());
    return;
  }
  auto t0 = std::chrono::steady_clock::now();
  auto cg = grammar::Compile(*g);
  if (!cg.ok()) {
    state.SkipWithError(cg.status().message().c_str());
    return;
  }
  auto cache = std::make_shared<grammar::MaskCache>(*cg, vocab);
  cache->PrecomputeAll();
  const double precompute_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  grammar::Matcher m(cache);
  grammar::TokenMask mask;
  std::mt19937_64 rng(1);
  std::vector<double> us;
  std::vector<int32_t> allowed;
  for (auto _ : state) {
    auto a = std::chrono::steady_clock::now();
    m.ComputeMask(&mask);
    auto b = std::chrono::steady_clock::now();
    us.push_back(std::chrono::duration<double, std::micro>(b - a).count());
    // A random walk: a uniformly drawn allowed token, restarting when done.
    state.PauseTiming();
    allowed.clear();
    for (size_t w = 0; w < mask.size(); ++w) {
      for (uint64_t bits = mask[w]; bits; bits &= bits - 1) allowed.push_back(int32_t(w * 64) + __builtin_ctzll(bits));
    }
    int32_t t = allowed[rng() % allowed.size()];
    if (m.CanEnd() || allowed.empty()) {
      m.Reset();
    } else if (!m.Accept(t).ok()) {
      state.SkipWithError("accept failed");
      break;
    }
    state.ResumeTiming();
  }
  std::sort(us.begin(), us.end());
  if (!us.empty()) {
    state.counters["median_us"] = us[us.size() / 2];
    state.counters["p99_us"] = us[std::min(us.size() - 1, us.size() * 99 / 100)];
  }
  state.counters["precompute_ms"] = precompute_ms;
  state.counters["states"] = double(cache->states_computed());
}

void MaskArgs(benchmark::internal::Benchmark* b) {
  for (size_t i = 0; i < Schemas().size(); ++i) b->Arg(int64_t(i));
}
BENCHMARK(BM_Mask)->Apply(MaskArgs)->Iterations(2000)->Unit(benchmark::kMicrosecond);

// Issue 9, the cost of the token-budget machinery: BM_Mask's walks with
// mode 0 no budget, 1 a budget far away (2^30 tokens: each step runs only
// the per-stack bound check and the mask is unchanged), 2 a budget of
// twice the schema's minimum with walks that use it up (the budget binds:
// level lookups and exact checks near the end of each walk). Modes 0 and 1
// walk the same tokens. tables_ms: building the completion-cost tables.
void BM_MaskBudget(benchmark::State& state) {
  auto vocab = QwenVocab();
  if (!vocab) {
    state.SkipWithError("Qwen2 vocabulary missing");
    return;
  }
  const std::string name = Schemas()[size_t(state.range(0))];
  const int64_t mode = state.range(1);
  state.SetLabel(name + (mode == 0 ? " no budget" : mode == 1 ? " budget far" : " budget 2x min"));
  auto g = grammar::JsonSchemaToGrammar(
      std::string_view(ReadFile(std::string(LITHIUM_SOURCE_DIR) + "/src/grammar/testdata/schemas/" + name + ".json")));
  auto cg = g.ok() ? grammar::Compile(*g) : Result<std::shared_ptr<const grammar::CompiledGrammar>>(g.status());
  if (!cg.ok()) {
    state.SkipWithError(cg.status().message().c_str());
    return;
  }
  auto cache = std::make_shared<grammar::MaskCache>(*cg, vocab);
  cache->PrecomputeAll();
  auto t0 = std::chrono::steady_clock::now();
  const int64_t min = cache->completion().min_from_start();
  const double tables_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  grammar::Matcher m(cache);
  const int64_t budget = mode == 0 ? -1 : mode == 1 ? (int64_t(1) << 30) : 2 * min;
  m.set_token_budget(budget);
  grammar::TokenMask mask;
  std::mt19937_64 rng(1);
  std::vector<double> us;
  std::vector<int32_t> allowed;
  for (auto _ : state) {
    auto a = std::chrono::steady_clock::now();
    m.ComputeMask(&mask);
    auto b = std::chrono::steady_clock::now();
    us.push_back(std::chrono::duration<double, std::micro>(b - a).count());
    state.PauseTiming();
    allowed.clear();
    for (size_t w = 0; w < mask.size(); ++w) {
      for (uint64_t bits = mask[w]; bits; bits &= bits - 1) allowed.push_back(int32_t(w * 64) + __builtin_ctzll(bits));
    }
    // Mode 2 walks on until the budget is spent, so it reaches the end.
    const bool done = mode == 2 ? m.tokens_accepted() + 1 >= budget : m.CanEnd();
    if (done || allowed.empty()) {
      m.Reset();
    } else if (!m.Accept(allowed[rng() % allowed.size()]).ok()) {
      state.SkipWithError("accept failed");
      break;
    }
    state.ResumeTiming();
  }
  std::sort(us.begin(), us.end());
  if (!us.empty()) {
    state.counters["median_us"] = us[us.size() / 2];
    state.counters["p99_us"] = us[std::min(us.size() - 1, us.size() * 99 / 100)];
    double sum = 0;
    for (double x : us) sum += x;
    state.counters["mean_us"] = sum / double(us.size());
  }
  state.counters["tables_ms"] = tables_ms;
  state.counters["min_tokens"] = double(min);
}

void MaskBudgetArgs(benchmark::internal::Benchmark* b) {
  for (size_t i = 0; i < Schemas().size(); ++i) {
    for (int64_t mode : {0, 1, 2}) b->Args({int64_t(i), mode});
  }
}
BENCHMARK(BM_MaskBudget)->Apply(MaskBudgetArgs)->Iterations(4000)->Unit(benchmark::kMicrosecond);

// End-to-end decode: arg 0 unconstrained, 1 constrained by card_payment.
void BM_Decode(benchmark::State& state) {
  const char* path = std::getenv("LITHIUM_BENCH_MODEL");
  if (!path) {
    state.SkipWithError("set LITHIUM_BENCH_MODEL to a GGUF model (e.g. the qwen2.5-0.5b shape)");
    return;
  }
  auto f = gguf::File::Open(path);
  if (!f.ok()) {
    state.SkipWithError(f.status().message().c_str());
    return;
  }
  std::shared_ptr<gguf::File> file(std::move(*f));
  auto vocab = tokenizer::LoadVocab(*file);
  auto tok = vocab.ok() ? tokenizer::Tokenizer::Create(std::move(*vocab)) : Result<std::unique_ptr<tokenizer::Tokenizer>>(vocab.status());
  auto model = model::Model::Load(file);
  if (!tok.ok() || !model.ok()) {
    state.SkipWithError("cannot load the model");
    return;
  }
  const kernels::Target& target = kernels::BestTarget();
  const int n_threads = int(std::max(1u, std::thread::hardware_concurrency()));
  engine::Generator gen(**model, **tok, target.ops, n_threads, 1024);
  engine::GenerateRequest req;
  auto prompt = (*tok)->Encode("Return the payment as JSON:", true, false);
  if (!prompt.ok()) {
    state.SkipWithError(prompt.status().message().c_str());
    return;
  }
  req.prompt = prompt.value();
  req.n_predict = 64;
  req.sampling.seed = 7;
  if (state.range(0) == 1) {
    engine::ConstraintSpec spec;
    spec.text = ReadFile(std::string(LITHIUM_SOURCE_DIR) + "/src/grammar/testdata/schemas/card_payment.json");
    auto mv = engine::MatcherVocabulary(**tok);
    auto m = engine::MakeConstraint(spec, *mv);
    if (!m.ok()) {
      state.SkipWithError(m.status().message().c_str());
      return;
    }
    (*m)->cache_mutable().PrecomputeAll();
    req.constraint = *m;
    // The budget must hold the schema's shortest output (issue 9).
    req.n_predict = int32_t(std::max<int64_t>(req.n_predict, (*m)->MinTokensFromStart()));
  }
  int64_t tokens = 0;
  double decode_ms = 0, mask_ms = 0;
  for (auto _ : state) {
    auto a = std::chrono::steady_clock::now();
    auto r = gen.Generate(req);
    const double wall = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - a).count();
    if (!r.ok()) {
      state.SkipWithError(r.status().message().c_str());
      return;
    }
    // Everything after the prompt: forward steps, masks, sampling.
    tokens += int64_t(r->tokens.size());
    decode_ms += wall - r->timings.prefill_ms;
    mask_ms += r->timings.mask_ms;
  }
  state.SetLabel(state.range(0) ? "constrained (card_payment)" : "unconstrained");
  state.counters["tokens_per_s"] = decode_ms > 0 ? tokens * 1000.0 / decode_ms : 0;
  state.counters["mask_ms_per_run"] = mask_ms / double(state.iterations());
}
BENCHMARK(BM_Decode)->Arg(0)->Arg(1)->Iterations(2)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace lithium

BENCHMARK_MAIN();
