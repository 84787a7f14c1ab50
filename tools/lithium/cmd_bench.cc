// lithium bench: prefill (pp) and decode (tg) speed, like llama-bench's
// pp512 / tg128 tests, plus peak RSS and a fingerprint of the logits, so a
// benchmark is also a determinism check.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#if !defined(__wasi__)
#include <sys/resource.h>
#endif

#include "nlohmann/json.hpp"
#include "src/base/sha256.h"
#include "src/base/thread_pool.h"
#include "src/model/model.h"
#include "tools/lithium/args.h"
#include "tools/lithium/commands.h"
#include "tools/lithium/common.h"

namespace lithium::cli {
namespace {

double NowMs() {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double PeakRssMb() {
#if defined(__wasi__)
  return 0;
#else
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss / 1024.0;  // Linux reports kilobytes
#endif
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : (v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2);
}

// Read bandwidth: every thread sums its share of a 1 GiB buffer (far larger
// than the caches), best of 3 passes. Decode reads every weight once per
// token, so model bytes / bandwidth bounds decode tokens/s.
double MeasureReadBandwidthGbs(int n_threads) {
  const size_t n = (size_t(1) << 30) / sizeof(uint64_t);
  std::vector<uint64_t> buf(n, 1);
  ThreadPool pool(n_threads);
  double best = 0;
  for (int pass = 0; pass < 3; ++pass) {
    std::vector<uint64_t> sums(size_t(n_threads) * 8, 0);
    const double t0 = NowMs();
    pool.ParallelFor(n, 1 << 16, [&](size_t b, size_t e) {
      uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      size_t i = b;
      for (; i + 4 <= e; i += 4) { s0 += buf[i]; s1 += buf[i + 1]; s2 += buf[i + 2]; s3 += buf[i + 3]; }
      for (; i < e; ++i) s0 += buf[i];
      sums[(b / (1 << 16)) % sums.size()] += s0 + s1 + s2 + s3;
    });
    const double ms = NowMs() - t0;
    uint64_t total = 0;
    for (uint64_t s : sums) total += s;
    if (total != n) return 0;  // keeps the loads from being optimised away
    best = std::max(best, (n * sizeof(uint64_t)) / (ms * 1e6));
  }
  return best;
}

}  // namespace

int CmdBench(int argc, char** argv) {
  std::string model_path, simd, format = "text";
  bool membw = false;
  int64_t n_prompt = 512, n_gen = 128, threads = 0, reps = 3, ubatch = 512;
  Args args("bench", "lithium bench -m MODEL [-p 512] [-n 128] [-t T] [-r 3] [--format json]");
  args.String(&model_path, "-m,--model", "FILE", "GGUF model file");
  args.Int(&n_prompt, "-p,--n-prompt", "N", "prompt tokens for the prefill test (default 512; 0 skips it)");
  args.Int(&n_gen, "-n,--n-gen", "N", "tokens for the decode test (default 128; 0 skips it)");
  args.Int(&threads, "-t,--threads", "N", "threads (default: all cores)");
  args.Int(&reps, "-r,--repetitions", "N", "repetitions; the median is reported (default 3)");
  args.Int(&ubatch, "--ubatch", "N", "prompt tokens per forward step (default 512)");
  args.String(&simd, "--simd", "TARGET", "force a kernel target (env LITHIUM_SIMD)");
  args.String(&format, "--format", "text|json", "output format (default text)");
  args.Flag(&membw, "--membw", "only measure the memory read bandwidth (GB/s)");
  Status st = args.Parse(argc, argv, 2);
  if (!st.ok()) return ReportError(st);
  if (args.help_requested()) {
    std::fputs(args.Help().c_str(), stdout);
    return kExitOk;
  }
  if (membw) {
    std::printf("read bandwidth %.1f GB/s with %d threads\n", MeasureReadBandwidthGbs(threads ? int(threads) : DefaultThreads()),
                threads ? int(threads) : DefaultThreads());
    return kExitOk;
  }
  if (model_path.empty()) return ReportError(Status::Usage("lithium bench: -m MODEL is required"));
  if (n_prompt < 0 || n_gen < 0 || reps < 1 || reps > 100 || threads < 0 || ubatch < 1) {
    return ReportError(Status::Usage("lithium bench: -p, -n >= 0, -r in [1, 100], --ubatch >= 1"));
  }
  auto target = SelectTarget(simd);
  if (!target.ok()) return ReportError(target.status());
  auto loaded = LoadModel(model_path, false, false);
  if (!loaded.ok()) return ReportError(loaded.status());
  const model::Model& m = *loaded->model;
  const auto& cfg = m.config();
  if (n_prompt + n_gen > cfg.n_ctx_train) return ReportError(Status::Usage("-p + -n exceed the model's context"));
  const int n_threads = threads ? int(threads) : DefaultThreads();
  ThreadPool pool(n_threads);
  const kernels::Ops& ops = (*target)->ops;

  // Deterministic token ids spread over the vocabulary.
  std::vector<int32_t> tokens(size_t(std::max(n_prompt, n_gen)));
  for (size_t i = 0; i < tokens.size(); ++i) tokens[i] = int32_t((i * 7919 + 13) % uint64_t(cfg.n_vocab));
  std::vector<float> logits;
  Sha256 fp;
  std::vector<double> pp_ms, tg_ms;
  for (int64_t r = 0; r < reps; ++r) {
    if (n_prompt > 0) {
      model::KvCache cache(cfg, n_prompt + n_gen);
      const double t0 = NowMs();
      for (int64_t i = 0; i < n_prompt; i += ubatch) {
        const size_t n = size_t(std::min(ubatch, n_prompt - i));
        Status s = model::RunForward(m, cache, std::span(tokens).subspan(size_t(i), n), ops, pool, &logits);
        if (!s.ok()) return ReportError(s);
      }
      pp_ms.push_back(NowMs() - t0);
      if (r == 0) fp.Update(logits.data(), logits.size() * 4);
    }
    if (n_gen > 0) {
      model::KvCache cache(cfg, n_gen);
      const double t0 = NowMs();
      for (int64_t i = 0; i < n_gen; ++i) {
        Status s = model::RunForward(m, cache, std::span(tokens).subspan(size_t(i), 1), ops, pool, &logits);
        if (!s.ok()) return ReportError(s);
        if (r == 0) fp.Update(logits.data(), logits.size() * 4);
      }
      tg_ms.push_back(NowMs() - t0);
    }
  }
  const double pp = n_prompt > 0 ? n_prompt * 1000.0 / Median(pp_ms) : 0;
  const double tg = n_gen > 0 ? n_gen * 1000.0 / Median(tg_ms) : 0;
  const std::string fingerprint = fp.FinishHex();
  uint64_t model_bytes = 0;
  for (const auto& t : loaded->file->tensors()) model_bytes += t.n_bytes;
  if (format == "json") {
    nlohmann::ordered_json j;
    j["model"] = model_path;
    j["threads"] = n_threads;
    j["simd_target"] = (*target)->name;
    j["pp"] = {{"n_tokens", n_prompt}, {"tokens_per_s", pp}};
    j["tg"] = {{"n_tokens", n_gen}, {"tokens_per_s", tg}};
    j["repetitions"] = reps;
    j["peak_rss_mb"] = PeakRssMb();
    j["model_bytes"] = model_bytes;
    j["fingerprint"] = fingerprint;
    std::printf("%s\n", j.dump(2).c_str());
    return kExitOk;
  }
  std::printf("model %s (%.1f MB of tensors), %s, %d threads, median of %lld\n", model_path.c_str(), model_bytes / 1e6,
              (*target)->name.c_str(), n_threads, static_cast<long long>(reps));
  if (n_prompt > 0) std::printf("pp%-5lld %10.1f tokens/s\n", static_cast<long long>(n_prompt), pp);
  if (n_gen > 0) std::printf("tg%-5lld %10.1f tokens/s\n", static_cast<long long>(n_gen), tg);
  std::printf("peak RSS %.1f MB, fingerprint %s\n", PeakRssMb(), fingerprint.c_str());
  return kExitOk;
}

}  // namespace lithium::cli
