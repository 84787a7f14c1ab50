// Golden fingerprints: fixed runs on stories260K and the generated models,
// with their fingerprints kept in tests/data/golden_fingerprints.txt. Any
// change to the numerics (a kernel's summation order, a rounding rule, the
// RoPE angles, the sampler) changes a fingerprint and fails here, so such a
// change is a deliberate decision: rerun with LITHIUM_UPDATE_GOLDEN=1 to
// rewrite the file, and commit it with the change that explains why.
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "gtest/gtest.h"
#include "src/engine/generate.h"
#include "src/kernels/kernels.h"
#include "tests/engine/test_models.h"

namespace lithium {
namespace {

const std::string kGoldenFile = std::string(LITHIUM_SOURCE_DIR) + "/tests/data/golden_fingerprints.txt";

std::map<std::string, std::string> ReadGolden() {
  std::map<std::string, std::string> out;
  std::ifstream in(kGoldenFile);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ss(line);
    std::string name, fp;
    if (ss >> name >> fp) out[name] = fp;
  }
  return out;
}

TEST(GoldenFingerprints, MatchTheRecordedRuns) {
  const bool update = std::getenv("LITHIUM_UPDATE_GOLDEN") != nullptr;
  const auto golden = ReadGolden();
  std::map<std::string, std::string> now;
  for (const std::string& name : testing_models::ModelNames()) {
    std::string why;
    const auto* m = testing_models::GetModel(name, &why);
    if (!m) GTEST_SKIP() << why;
    const auto prompts = testing_models::TestPrompts(*m);
    engine::Generator gen(*m->model, *m->tok, kernels::BestTarget().ops, 2, 256);
    for (int sampled = 0; sampled < 2; ++sampled) {
      engine::GenerateRequest req;
      req.prompt = prompts[size_t(sampled) * 3];
      req.n_predict = 16;
      req.sampling.temperature = sampled ? 0.8f : 0.0f;
      req.sampling.seed = 42;
      auto r = gen.Generate(req);
      ASSERT_TRUE(r.ok()) << r.status().message();
      const std::string key = name + (sampled ? "/seeded" : "/greedy");
      now[key] = r->fingerprint;
      if (update) continue;
      auto it = golden.find(key);
      if (it == golden.end()) {
        ADD_FAILURE() << key << " has no golden fingerprint in " << kGoldenFile << " (got " << r->fingerprint
                      << "; rerun with LITHIUM_UPDATE_GOLDEN=1 to record it)";
      } else {
        EXPECT_EQ(r->fingerprint, it->second)
            << key << ": the numerics changed. If that is deliberate, rerun with LITHIUM_UPDATE_GOLDEN=1 and "
            << "commit " << kGoldenFile << " with the change.";
      }
    }
  }
  if (update) {
    std::ofstream out(kGoldenFile);
    out << "# Golden fingerprints (tests/engine/golden_test.cc): <model>/<run> <sha256 of every logits row>.\n"
        << "# Regenerate only for a deliberate numerics change: LITHIUM_UPDATE_GOLDEN=1 ctest -R GoldenFingerprints\n";
    for (const auto& [k, v] : now) out << k << " " << v << "\n";
    ASSERT_TRUE(out.good()) << "cannot write " << kGoldenFile;
  }
}

}  // namespace
}  // namespace lithium
