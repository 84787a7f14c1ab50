// Structured output that always completes (issue 9). Over the realistic
// schemas of testdata/schemas:
//   * the fewest-tokens minimum exists for each, and random walks under
//     every budget from it to twice it end complete and valid (no model:
//     uniformly drawn allowed tokens, the most adversarial chooser);
//   * acceptance 1: generation with a random-weight model and a real
//     byte-level BPE vocabulary, budgets from each schema's minimum to twice
//     it across 100 seeds (temperature sampling), always yields output that
//     parses and validates (valijson, and Python's jsonschema);
//   * acceptance 2: a run that finishes before the budget binds is bit
//     identical (tokens and fingerprint) to the same run with 4x the budget;
//   * a budget below the minimum is an error naming it (exit 2 in the CLI).
//
// LITHIUM_BUDGET_SEEDS overrides the number of seeds per schema (default
// 100; 10 in sanitizer builds, where the full sweep would take an hour).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>

#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>

#include "src/engine/constraint.h"
#include "src/engine/generate.h"
#include "src/gguf/gguf.h"
#include "src/grammar/json_position.h"
#include "src/grammar/json_schema.h"
#include "src/kernels/kernels.h"
#include "src/model/model.h"

namespace lithium {
namespace {

namespace fs = std::filesystem;

#if defined(__SANITIZE_ADDRESS__)
constexpr int kDefaultSeeds = 10;
#else
constexpr int kDefaultSeeds = 100;
#endif

int Seeds() {
  const char* env = std::getenv("LITHIUM_BUDGET_SEEDS");
  return env ? std::max(2, std::atoi(env)) : kDefaultSeeds;
}

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

fs::path SchemaDir() { return fs::path(LITHIUM_SOURCE_DIR) / "src/grammar/testdata/schemas"; }

std::vector<fs::path> SchemaFiles() {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(SchemaDir())) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

// valijson knows draft 7: prefixItems/items become items/additionalItems.
void ToDraft7(nlohmann::json& s) {
  if (s.is_array()) {
    for (auto& x : s) ToDraft7(x);
    return;
  }
  if (!s.is_object()) return;
  if (s.contains("prefixItems")) {
    nlohmann::json rest = s.contains("items") ? s["items"] : nlohmann::json(true);
    s["items"] = s["prefixItems"];
    s["additionalItems"] = rest;
    s.erase("prefixItems");
  }
  for (auto& [k, v] : s.items()) ToDraft7(v);
}

// A schema's valijson validator; Check returns "" when the text parses and
// validates, else why not.
class Validator {
 public:
  explicit Validator(const std::string& schema_text) {
    doc_ = nlohmann::json::parse(schema_text, nullptr, false);
    ToDraft7(doc_);
    valijson::SchemaParser parser;
    valijson::adapters::NlohmannJsonAdapter adapter(doc_);
    parser.populateSchema(adapter, schema_);
  }
  std::string Check(const std::string& text) const {
    nlohmann::json doc = nlohmann::json::parse(text, nullptr, false);
    if (doc.is_discarded()) return "not JSON";
    valijson::adapters::NlohmannJsonAdapter adapter(doc);
    valijson::ValidationResults results;
    valijson::Validator v;
    if (v.validate(schema_, adapter, &results)) return "";
    valijson::ValidationResults::Error err;
    return results.popError(err) ? "valijson: " + err.description : "valijson: invalid";
  }

 private:
  nlohmann::json doc_;
  valijson::Schema schema_;
};

struct Loaded {
  std::shared_ptr<gguf::File> file;
  std::unique_ptr<tokenizer::Tokenizer> tok;
  std::unique_ptr<model::Model> model;
};

bool LoadTokenizer(const std::string& path, Loaded* l) {
  auto f = gguf::File::Open(path);
  if (!f.ok()) return false;
  l->file = std::shared_ptr<gguf::File>(std::move(*f));
  auto v = tokenizer::LoadVocab(*l->file);
  if (!v.ok()) return false;
  auto t = tokenizer::Tokenizer::Create(std::move(*v));
  if (!t.ok()) return false;
  l->tok = std::move(*t);
  return true;
}

// A tiny random-weight model with a real vocabulary (lithium-genmodel).
bool MakeModel(const std::string& vocab, const std::string& out, Loaded* l) {
  const std::string genmodel = std::string(LITHIUM_BINARY_DIR) + "/tools/genmodel/lithium-genmodel";
  const std::string vocab_path = std::string(LITHIUM_SHARED_DIR) + "/vocab/" + vocab;
  if (!fs::exists(genmodel) || !fs::exists(vocab_path)) return false;
  const std::string cmd = genmodel + " --arch qwen2 --shape tiny --vocab " + vocab_path + " --out " + out + " >/dev/null";
  if (std::system(cmd.c_str()) != 0 || !LoadTokenizer(out, l)) return false;
  auto m = model::Model::Load(l->file);
  if (!m.ok()) return false;
  l->model = std::move(*m);
  return true;
}

// The second opinion: Python's jsonschema over a JSONL file of outputs.
void PythonCheck(const std::string& outputs) {
  const std::string cmd = "python3 " + (fs::path(LITHIUM_SOURCE_DIR) / "src/grammar/testdata/validate_outputs.py").string() +
                          " " + SchemaDir().string() + " " + outputs;
  const int rc = std::system(cmd.c_str());
  if (WIFEXITED(rc) && WEXITSTATUS(rc) == 77) {
    std::cout << "python jsonschema missing: second opinion skipped\n";
  } else {
    EXPECT_TRUE(WIFEXITED(rc) && WEXITSTATUS(rc) == 0) << "python jsonschema rejected outputs (see above)";
  }
}

// Budget i of n, from min to 2 * min inclusive.
int32_t BudgetFor(int32_t min, int i, int n) { return min + int32_t((int64_t(min) * i) / std::max(1, n - 1)); }

// No model: uniformly random allowed tokens, every budget from the minimum
// to twice it. The walk must be complete when the budget is spent.
TEST(Budget, RandomWalksCloseWithinEveryBudget) {
  Loaded l;
  if (!LoadTokenizer(std::string(LITHIUM_SHARED_DIR) + "/vocab/ggml-vocab-qwen2.gguf", &l)) GTEST_SKIP() << "no qwen2 vocab";
  auto mv = engine::MatcherVocabulary(*l.tok);
  ASSERT_TRUE(mv.ok());
  const auto files = SchemaFiles();
  ASSERT_GE(files.size(), 30u);
  const int walks = std::max(4, Seeds() / 5);
  int total = 0;
  for (const fs::path& file : files) {
    const std::string name = file.stem().string();
    const std::string text = ReadFile(file);
    engine::ConstraintSpec spec;
    spec.text = text;
    auto m = engine::MakeConstraint(spec, *mv);
    ASSERT_TRUE(m.ok()) << name << ": " << m.status().message();
    grammar::Matcher& matcher = **m;
    const auto t0 = std::chrono::steady_clock::now();
    const int64_t min = matcher.MinTokensFromStart();
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    ASSERT_GT(min, 0) << name;
    ASSERT_LT(min, grammar::CompletionCost::kInf) << name;
    std::cout << name << ": shortest output " << min << " tokens (tables " << int(ms) << " ms)\n";
    Validator validator(text);
    std::mt19937 rng(uint32_t(total + 1));
    grammar::TokenMask mask;
    std::vector<int32_t> allowed;
    for (int w = 0; w < walks; ++w) {
      const int32_t budget = BudgetFor(int32_t(min), w, walks);
      matcher.Reset();
      matcher.set_token_budget(budget);
      int32_t used = 0;
      while (used < budget && !matcher.terminated()) {
        matcher.ComputeMask(&mask);
        allowed.clear();
        for (size_t k = 0; k < mask.size(); ++k) {
          for (uint64_t bits = mask[k]; bits; bits &= bits - 1) allowed.push_back(int32_t(k * 64) + __builtin_ctzll(bits));
        }
        ASSERT_FALSE(allowed.empty()) << name << " budget " << budget << " after " << matcher.output();
        ASSERT_TRUE(matcher.Accept(allowed[rng() % allowed.size()]).ok());
        ++used;
      }
      ASSERT_TRUE(matcher.CanEnd()) << name << " budget " << budget << ": incomplete " << matcher.output();
      const std::string why = validator.Check(matcher.output());
      EXPECT_EQ(why, "") << name << " budget " << budget << ": " << matcher.output();
      ++total;
    }
  }
  std::cout << total << " walks complete and valid\n";
}

// Acceptance 1 and 2 with a model: every output valid within its budget,
// and every run the budget never touched equal to the run with 4x budget.
TEST(Budget, GenerationClosesValidlyAndEarlyFinishesAreBitIdentical) {
  Loaded l;
  const std::string model_path = std::string(LITHIUM_BINARY_DIR) + "/budget_test_gpt2.gguf";
  if (!MakeModel("ggml-vocab-gpt-2.gguf", model_path, &l)) GTEST_SKIP() << "cannot build a model";
  auto mv = engine::MatcherVocabulary(*l.tok);
  ASSERT_TRUE(mv.ok());
  const int64_t n_ctx = 2048;
  auto prompt = l.tok->Encode("Output JSON:", true, false);
  ASSERT_TRUE(prompt.ok());
  const auto files = SchemaFiles();
  const int seeds = Seeds();
  // Each schema's outputs; workers take schemas in turn.
  std::vector<std::vector<std::string>> lines(files.size()), failures(files.size());
  std::vector<int> valid(files.size(), 0), bound(files.size(), 0), compared(files.size(), 0);
  std::vector<int64_t> mins(files.size(), 0);
  std::mutex mu;
  size_t next = 0;
  auto worker = [&]() {
    engine::Generator gen(*l.model, *l.tok, kernels::BestTarget().ops, 1, n_ctx);
    for (;;) {
      size_t i;
      {
        std::lock_guard<std::mutex> lock(mu);
        i = next++;
      }
      if (i >= files.size()) return;
      const std::string name = files[i].stem().string();
      const std::string text = ReadFile(files[i]);
      engine::ConstraintSpec spec;
      spec.text = text;
      auto matcher = engine::MakeConstraint(spec, *mv);
      if (!matcher.ok()) {
        failures[i].push_back(name + ": " + matcher.status().message());
        continue;
      }
      const int32_t min = int32_t((*matcher)->MinTokensFromStart());
      mins[i] = min;
      Validator validator(text);
      for (int seed = 0; seed < seeds; ++seed) {
        engine::GenerateRequest req;
        req.prompt = prompt.value();
        req.n_predict = BudgetFor(min, seed, seeds);
        req.sampling.seed = uint64_t(seed);
        req.constraint = *matcher;
        auto r = gen.Generate(req);
        const std::string at = name + " seed " + std::to_string(seed) + " budget " + std::to_string(req.n_predict);
        if (!r.ok()) {
          failures[i].push_back(at + ": " + r.status().message());
          continue;
        }
        lines[i].push_back(nlohmann::json{{"schema", name}, {"seed", seed}, {"text", r->text}}.dump());
        if (int64_t(r->tokens.size()) > req.n_predict) failures[i].push_back(at + ": over budget");
        const std::string why = validator.Check(r->text);
        if (!why.empty()) {
          failures[i].push_back(at + ": " + why + "\n" + r->text);
          continue;
        }
        valid[i]++;
        if (r->budget_steps > 0) {
          bound[i]++;
          if (r->finish_reason != "length" || r->truncated.empty()) {
            failures[i].push_back(at + ": budget bound but finish_reason " + r->finish_reason);
          }
          continue;
        }
        // Acceptance 2: the budget never touched this run (it ended with
        // EOS); with 4x the budget every mask is the same, so are the bits.
        if (r->finish_reason != "stop" || compared[i] >= 3) continue;
        engine::GenerateRequest big = req;
        big.n_predict = req.n_predict * 4;
        auto r4 = gen.Generate(big);
        if (!r4.ok()) {
          failures[i].push_back(at + " x4: " + r4.status().message());
          continue;
        }
        if (r4->tokens != r->tokens || r4->fingerprint != r->fingerprint || r4->budget_steps != 0) {
          failures[i].push_back(at + ": differs from the run with 4x the budget");
        }
        compared[i]++;
      }
    }
  };
  std::thread a(worker), b(worker);
  a.join();
  b.join();
  const std::string outputs = std::string(LITHIUM_BINARY_DIR) + "/budget_test_outputs.jsonl";
  std::ofstream out(outputs);
  int total_valid = 0, total_bound = 0, total_compared = 0;
  for (size_t i = 0; i < files.size(); ++i) {
    for (const std::string& line : lines[i]) out << line << "\n";
    for (const std::string& f : failures[i]) ADD_FAILURE() << f;
    std::cout << files[i].stem().string() << ": min " << mins[i] << ", " << valid[i] << "/" << seeds << " valid, "
              << bound[i] << " closed by the budget, " << compared[i] << " compared with 4x\n";
    total_valid += valid[i];
    total_bound += bound[i];
    total_compared += compared[i];
  }
  out.close();
  const int total = int(files.size()) * seeds;
  std::cout << total_valid << " of " << total << " outputs valid (valijson); " << total_bound
            << " closed by the budget; " << total_compared << " early finishes bit-identical to 4x the budget\n";
  EXPECT_EQ(total_valid, total);
  EXPECT_GT(total_bound, total / 4);  // the sweep really exercises the budget
  EXPECT_GE(total_compared, std::min(int(files.size()) / 2, total / 10));  // small sweeps compare fewer
  PythonCheck(outputs);
}

// A budget below the shortest output fails before generation, naming it,
// in the engine and in the CLI (exit 2).
TEST(Budget, TooSmallBudgetIsAnErrorNamingTheMinimum) {
  Loaded l;
  const std::string model_path = std::string(LITHIUM_BINARY_DIR) + "/budget_test_small.gguf";
  if (!MakeModel("ggml-vocab-gpt-2.gguf", model_path, &l)) GTEST_SKIP() << "cannot build a model";
  auto mv = engine::MatcherVocabulary(*l.tok);
  ASSERT_TRUE(mv.ok());
  const fs::path schema = SchemaDir() / "card_payment.json";
  engine::ConstraintSpec spec;
  spec.text = ReadFile(schema);
  auto m = engine::MakeConstraint(spec, *mv);
  ASSERT_TRUE(m.ok());
  const int64_t min = (*m)->MinTokensFromStart();
  engine::Generator gen(*l.model, *l.tok, kernels::BestTarget().ops, 1, 1024);
  engine::GenerateRequest req;
  req.prompt = l.tok->Encode("x", true, false).value();
  req.constraint = *m;
  req.n_predict = int32_t(min - 1);
  auto r = gen.Generate(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUsage);
  EXPECT_NE(r.status().message().find(std::to_string(min) + " tokens"), std::string::npos) << r.status().message();
  req.n_predict = int32_t(min);  // exactly the minimum: complete by the last token
  auto ok = gen.Generate(req);
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_EQ(Validator(spec.text).Check(ok->text), "") << ok->text;

  const std::string lithium = std::string(LITHIUM_BINARY_DIR) + "/tools/lithium/lithium";
  if (!fs::exists(lithium)) GTEST_SKIP() << "no lithium binary";
  const std::string err = std::string(LITHIUM_BINARY_DIR) + "/budget_test_stderr.txt";
  const std::string cmd = lithium + " run -m " + model_path + " -p x --json-schema " + schema.string() + " -n " +
                          std::to_string(min - 1) + " >/dev/null 2>" + err;
  const int rc = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(rc));
  EXPECT_EQ(WEXITSTATUS(rc), 2);
  const std::string msg = ReadFile(err);
  EXPECT_NE(msg.find(std::to_string(min) + " tokens"), std::string::npos) << msg;
}

// The minimum counts tokens of the given vocabulary, follows minLength, and
// a budget of exactly the minimum closes the output on its last token.
TEST(Budget, CostsCountTokensNotBytes) {
  std::vector<std::string> bytes;
  for (int b = 0; b < 128; ++b) bytes.push_back(std::string(1, char(b)));
  bytes.push_back("aaaaa");
  bytes.push_back("");  // the end token
  const int32_t eos = int32_t(bytes.size()) - 1;
  auto vocab = grammar::Vocabulary::Create(bytes, {eos});
  ASSERT_TRUE(vocab.ok());
  auto g = grammar::JsonSchemaToGrammar(std::string_view(R"({"type":"string","minLength":10,"maxLength":12})"));
  ASSERT_TRUE(g.ok());
  auto cg = grammar::Compile(*g);
  ASSERT_TRUE(cg.ok());
  grammar::Matcher m(std::make_shared<grammar::MaskCache>(*cg, *vocab));
  // '"', "aaaaa", "aaaaa", '"': 4 tokens for 12 bytes.
  EXPECT_EQ(m.MinTokensFromStart(), 4);
  // Under a budget of 4, any first token but '"' cannot fit; then only the
  // long token, twice, then the closing quote.
  m.set_token_budget(4);
  grammar::TokenMask mask;
  for (const char* want : {"\"", "aaaaa", "aaaaa", "\""}) {
    m.ComputeMask(&mask);
    ASSERT_EQ(grammar::MaskCount(mask), 1) << m.output();
    int32_t only = -1;
    for (int32_t t = 0; t < (*vocab)->size(); ++t) {
      if (grammar::MaskTest(mask, t)) only = t;
    }
    ASSERT_EQ((*vocab)->bytes(only), want);
    ASSERT_TRUE(m.Accept(only).ok());
  }
  EXPECT_TRUE(m.CanEnd());
  EXPECT_EQ(m.budget_cuts().size(), 3u);  // the opening quote had no rival
  EXPECT_EQ(grammar::JsonPointersAt(m.output(), m.budget_cuts()), std::vector<std::string>{""});
  // A roomy budget leaves the mask alone: every printable byte is allowed
  // inside the string.
  m.Reset();
  m.set_token_budget(100);
  ASSERT_TRUE(m.Accept(int32_t('"')).ok());
  m.ComputeMask(&mask);
  EXPECT_TRUE(grammar::MaskTest(mask, int32_t('b')));
  EXPECT_TRUE(m.budget_cuts().empty());
}

TEST(Budget, JsonPointersNameTheValueBeingWritten) {
  const std::string doc = R"({"a":"xy","b/c":[1,{"d":"z"}],"e":)";
  auto at = [&](std::string_view prefix) { return grammar::JsonPointersAt(doc, {int64_t(prefix.size())}).at(0); };
  EXPECT_EQ(at(""), "");
  EXPECT_EQ(at("{"), "");
  EXPECT_EQ(at(R"({"a":"x)"), "/a");
  EXPECT_EQ(at(R"({"a":"xy")"), "");
  EXPECT_EQ(at(R"({"a":"xy","b/c":[)"), "/b~1c");
  EXPECT_EQ(at(R"({"a":"xy","b/c":[1,)"), "/b~1c/1");
  EXPECT_EQ(at(R"({"a":"xy","b/c":[1,{"d":"z)"), "/b~1c/1/d");
  EXPECT_EQ(at(R"({"a":"xy","b/c":[1,{"d":"z"}],"e":)"), "/e");
  EXPECT_LE(grammar::JsonPointersAt("not json {{{", {3, 12}).size(), 2u);  // no crash on non-JSON
}

}  // namespace
}  // namespace lithium
