// The batch engine's two figures (issue 5), outside CI:
//  1. aggregate decode tokens/s with N concurrent sequences vs one;
//  2. time to first token for a prompt whose 400-token system prefix the
//     prefix cache holds (hit) vs one it does not (miss).
// Each run also checks that the batched / cached result has the fingerprint
// of the lone run, so the figures are never bought with different bits.
//
//   batch_bench -m MODEL [-t 2] [-n 64] [--parallel 4] [--system 400] [-r 3] [--decode-only]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "src/engine/batch.h"
#include "src/gguf/gguf.h"
#include "src/kernels/kernels.h"
#include "src/tokenizer/tokenizer.h"
#include "tools/lithium/args.h"

namespace lithium {
namespace {

double NowMs() {
  using namespace std::chrono;
  return duration<double, std::milli>(steady_clock::now().time_since_epoch()).count();
}

// Prompt ids: BOS (if any) then a seeded walk over ordinary tokens.
std::vector<int32_t> Prompt(const tokenizer::Tokenizer& tok, size_t len, uint64_t seed) {
  std::vector<int32_t> p;
  if (tok.vocab().bos >= 0) p.push_back(tok.vocab().bos);
  uint64_t s = seed * 0x9E3779B97F4A7C15ull + 1;
  while (p.size() < len) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    const uint64_t span = uint64_t(std::clamp(tok.n_vocab() - 200, 1, 5000));
    p.push_back(int32_t(100 + (s >> 33) % span));
  }
  return p;
}

engine::GenerateRequest Request(std::vector<int32_t> prompt, int n, uint64_t seed) {
  engine::GenerateRequest r;
  r.prompt = std::move(prompt);
  r.n_predict = n;
  r.sampling.temperature = 0.8f;
  r.sampling.seed = seed;
  return r;
}

// Decode tokens/s of `n_seq` sequences decoded together: the first step
// prefills every (short) prompt, the rest is timed.
double DecodeRate(const model::Model& m, const tokenizer::Tokenizer& tok, const kernels::Ops& ops, int threads,
                  int n_seq, int n, std::vector<std::string>* fps) {
  engine::BatchOptions opt;
  opt.parallel = n_seq;
  engine::BatchEngine eng(m, tok, ops, threads, opt);
  std::vector<int64_t> ids;
  for (int i = 0; i < n_seq; ++i) ids.push_back(eng.Submit(Request(Prompt(tok, 8, uint64_t(i)), n, uint64_t(i))));
  eng.Step();
  const double t0 = NowMs();
  eng.RunToCompletion();
  const double ms = NowMs() - t0;
  int64_t tokens = 0;
  for (int64_t id : ids) {
    auto r = eng.Take(id);
    if (!r.ok()) return 0;
    tokens += int64_t(r->tokens.size()) - 1;  // the first came from the prefill step
    fps->push_back(r->fingerprint);
  }
  return tokens * 1000.0 / ms;
}

int Main(int argc, char** argv) {
  std::string model_path;
  int64_t threads = 2, n = 64, parallel = 4, system = 400, reps = 3;
  bool decode_only = false;
  cli::Args args("batch_bench", "batch_bench -m MODEL [-t 2] [-n 64] [--parallel 4] [--system 400] [-r 3]");
  args.String(&model_path, "-m,--model", "FILE", "GGUF model");
  args.Int(&threads, "-t,--threads", "N", "threads (default 2)");
  args.Int(&n, "-n", "N", "tokens generated per sequence (default 64)");
  args.Int(&parallel, "--parallel", "N", "concurrent sequences (default 4)");
  args.Int(&system, "--system", "N", "shared system prompt tokens (default 400)");
  args.Int(&reps, "-r", "N", "repetitions; the median is reported (default 3)");
  args.Flag(&decode_only, "--decode-only", "measure decode throughput only (skip the time-to-first-token figure)");
  Status st = args.Parse(argc, argv, 1);
  if (!st.ok() || model_path.empty() || threads < 1 || n < 2 || parallel < 1 || system < 1 || reps < 1) {
    std::fprintf(stderr, "%s\n", st.ok() ? args.Help().c_str() : st.message().c_str());
    return 2;
  }
  auto file = gguf::File::Open(model_path);
  if (!file.ok()) return std::fprintf(stderr, "%s\n", file.status().message().c_str()), 2;
  std::shared_ptr<gguf::File> f = std::move(*file);
  auto m = model::Model::Load(f);
  auto v = tokenizer::LoadVocab(*f);
  if (!m.ok() || !v.ok()) return std::fprintf(stderr, "cannot load %s\n", model_path.c_str()), 2;
  auto tok = tokenizer::Tokenizer::Create(std::move(*v));
  if (!tok.ok()) return 2;
  const auto& target = kernels::BestTarget();
  auto median = [](std::vector<double> x) {
    std::sort(x.begin(), x.end());
    return x[x.size() / 2];
  };

  // 1. Decode throughput, one sequence vs `parallel`.
  // Each repetition runs the two back to back and contributes its own ratio:
  // on a shared machine the load changes between repetitions, and the median
  // of paired ratios follows it less than a ratio of medians.
  std::vector<double> one, many, ratios;
  bool same = true;
  for (int64_t r = 0; r < reps; ++r) {
    std::vector<std::string> fp1, fpn;
    one.push_back(DecodeRate(**m, **tok, target.ops, int(threads), 1, int(n), &fp1));
    many.push_back(DecodeRate(**m, **tok, target.ops, int(threads), int(parallel), int(n), &fpn));
    ratios.push_back(one.back() > 0 ? many.back() / one.back() : 0);
    same = same && !fpn.empty() && fp1[0] == fpn[0];  // sequence 0 alone vs in the batch
  }
  const double d1 = median(one), dn = median(many);
  std::string per_rep;
  for (double x : ratios) per_rep += (per_rep.empty() ? "" : " ") + std::to_string(x).substr(0, 4);
  std::printf("decode: 1 sequence %.2f tok/s, %lld sequences %.2f tok/s aggregate (medians), ratio %.2fx "
              "(median of paired ratios %s; fingerprints %s)\n",
              d1, (long long)parallel, dn, median(ratios), per_rep.c_str(), same ? "identical" : "DIFFER");

  if (decode_only) return same ? 0 : 1;

  // 2. Time to first token with a shared system prefix: miss vs hit.
  const std::vector<int32_t> sys = Prompt(**tok, size_t(system), 99);
  std::vector<double> miss, hit;
  bool same_hit = true;
  for (int64_t r = 0; r < reps; ++r) {
    engine::BatchOptions opt;
    opt.prefix_cache_bytes = int64_t(1) << 30;
    engine::BatchEngine eng(**m, **tok, target.ops, int(threads), opt);
    auto with_user = [&](uint64_t seed) {
      std::vector<int32_t> p = sys;
      auto user = Prompt(**tok, 17, seed + 1000 + uint64_t(r));
      p.insert(p.end(), user.begin() + ((*tok)->vocab().bos >= 0 ? 1 : 0), user.end());
      return Request(p, 1, seed);
    };
    const int64_t a = eng.Submit(with_user(1));
    eng.RunToCompletion();
    auto ra = eng.Take(a);
    const int64_t b = eng.Submit(with_user(2));
    eng.RunToCompletion();
    auto rb = eng.Take(b);
    if (!ra.ok() || !rb.ok()) return 1;
    miss.push_back(ra->timings.ttft_ms);
    hit.push_back(rb->timings.ttft_ms);
    // The hit's bits against a fresh engine (a miss) on the same prompt.
    engine::BatchEngine fresh(**m, **tok, target.ops, int(threads), engine::BatchOptions{});
    const int64_t c = fresh.Submit(with_user(2));
    fresh.RunToCompletion();
    auto rc = fresh.Take(c);
    same_hit = same_hit && rc.ok() && rc->fingerprint == rb->fingerprint && rb->reused_prompt_tokens >= system;
  }
  const double tm = median(miss), th = median(hit);
  std::printf("ttft: %lld-token system prompt + 16-token user turn: miss %.1f ms, hit %.1f ms, ratio %.2fx "
              "(fingerprints %s)\n",
              (long long)system, tm, th, tm / th, same_hit ? "identical" : "DIFFER");
  std::printf("model %s, %s, %lld threads, median of %lld\n", model_path.c_str(), target.name.c_str(),
              (long long)threads, (long long)reps);
  return same && same_hit ? 0 : 1;
}

}  // namespace
}  // namespace lithium

int main(int argc, char** argv) { return lithium::Main(argc, argv); }
