// The official JSON Schema Test Suite (Debian package json-schema-test-suite)
// run through the schema compiler: for every test group whose schema the
// compiler supports, the grammar, used as a recogniser over each instance
// written in lithium's output style (CanonicalJson, keys sorted, with
// sort_properties on), must accept the valid instances and reject the
// invalid ones. A group the compiler refuses must be refused with an error
// that names the keyword. Coverage per keyword file is printed and written
// to $BUILD/json_schema_coverage.md.
//
// The suite's newest folder is used: draft2020-12 when the package has it,
// else draft7 (bookworm's 2.0.0 stops there), with draft 7 semantics.
// LITHIUM_JSON_SCHEMA_SUITE=/path/to/tests/draftX overrides.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "src/grammar/compiled_grammar.h"
#include "src/grammar/json_schema.h"
#include "src/grammar/matcher.h"

namespace lithium::grammar {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

// Formats the compiler enforces; the suite's other optional folders test
// behaviour outside the scope.
const std::set<std::string> kFormats = {"date", "time", "date-time", "email", "uuid", "ipv4", "uri"};

std::string SuiteDir(int* draft) {
  if (const char* env = std::getenv("LITHIUM_JSON_SCHEMA_SUITE")) {
    *draft = std::string(env).find("draft7") != std::string::npos ? 7 : 2020;
    return env;
  }
  const std::string base = "/usr/share/json-schema-test-suite/tests/";
  if (fs::exists(base + "draft2020-12")) {
    *draft = 2020;
    return base + "draft2020-12";
  }
  *draft = 7;
  return base + "draft7";
}

void CollectKeywords(const Json& s, std::set<std::string>* out) {
  if (!s.is_object()) return;
  for (auto it = s.begin(); it != s.end(); ++it) {
    const std::string& k = it.key();
    out->insert(k);
    const Json& v = it.value();
    if (k == "properties" || k == "$defs" || k == "definitions" || k == "patternProperties" || k == "dependentSchemas") {
      if (v.is_object()) {
        for (auto jt = v.begin(); jt != v.end(); ++jt) CollectKeywords(jt.value(), out);
      }
    } else if (k == "enum" || k == "const" || k == "required" || k == "examples" || k == "default") {
      continue;
    } else if (v.is_array()) {
      for (const Json& x : v) CollectKeywords(x, out);
    } else if (v.is_object()) {
      CollectKeywords(v, out);
    }
  }
}

struct Coverage {
  int groups = 0, supported = 0;
};

TEST(JsonSchemaSuite, RecogniserAgreesWithTheSuite) {
  int draft = 0;
  const std::string dir = SuiteDir(&draft);
  if (!fs::exists(dir)) GTEST_SKIP() << dir << " missing: apt-get install json-schema-test-suite";
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ".json") files.push_back(e.path());
  }
  for (const std::string& f : kFormats) {
    fs::path p = fs::path(dir) / "optional" / "format" / (f + ".json");
    if (fs::exists(p)) files.push_back(p);
  }
  std::sort(files.begin(), files.end());
  std::set<std::string> enforced(EnforcedKeywords().begin(), EnforcedKeywords().end());
  std::set<std::string> annotations(AnnotationKeywords().begin(), AnnotationKeywords().end());
  auto dummy = Vocabulary::Create({"x"}, {});
  ASSERT_TRUE(dummy.ok());

  std::map<std::string, Coverage> coverage;
  int tests_run = 0, refused = 0;
  for (const fs::path& file : files) {
    std::ifstream in(file);
    std::stringstream ss;
    ss << in.rdbuf();
    Json groups = Json::parse(ss.str(), nullptr, false);
    ASSERT_FALSE(groups.is_discarded()) << file;
    const std::string name = (file.parent_path().filename() == "format" ? "format:" : "") + file.stem().string();
    Coverage& cov = coverage[name];
    for (const Json& group : groups) {
      const std::string where = name + ": " + group["description"].get<std::string>();
      cov.groups++;
      JsonSchemaOptions opt;
      opt.sort_properties = true;
      opt.draft = draft;
      auto g = JsonSchemaToGrammar(group["schema"], opt);
      std::shared_ptr<const CompiledGrammar> cg;
      bool accepts_nothing = false;
      Status st = g.status();
      if (g.ok()) {
        auto c = Compile(*g);
        if (c.ok()) {
          cg = *c;
        } else if (c.status().message().find("accepts no output") != std::string::npos) {
          accepts_nothing = true;
        } else {
          st = c.status();
        }
      }
      std::set<std::string> used;
      CollectKeywords(group["schema"], &used);
      std::vector<std::string> unknown;
      for (const std::string& k : used) {
        if (!enforced.count(k) && !annotations.count(k)) unknown.push_back(k);
      }
      if (!cg && !accepts_nothing) {
        // Refused: the error must name a keyword and where it is.
        refused++;
        const std::string& msg = st.message();
        bool names_keyword = false;
        for (const std::string& k : used) names_keyword |= msg.find(k) != std::string::npos;
        EXPECT_TRUE(names_keyword && msg.find(" at ") != std::string::npos) << where << ": " << msg;
        if (!unknown.empty()) {
          bool names_unknown = false;
          for (const std::string& k : unknown) names_unknown |= msg.find(k) != std::string::npos;
          EXPECT_TRUE(names_unknown) << where << ": error does not name an unsupported keyword: " << msg;
        }
        continue;
      }
      EXPECT_TRUE(unknown.empty()) << where << ": compiled although it uses " << unknown[0];
      cov.supported++;
      std::shared_ptr<MaskCache> cache = cg ? std::make_shared<MaskCache>(cg, *dummy) : nullptr;
      for (const Json& t : group["tests"]) {
        const std::string text = CanonicalJson(t["data"], true);
        bool accepted = false;
        if (cg) {
          Matcher m(cache);
          accepted = m.AcceptBytes(text) && m.CanEnd();
        }
        EXPECT_EQ(accepted, t["valid"].get<bool>()) << where << " / " << t["description"].get<std::string>() << ": " << text;
        tests_run++;
      }
    }
  }
  // The coverage table, for docs/structured-output.md.
  std::ostringstream table;
  table << "| keyword file | groups supported / total |\n|---|---|\n";
  int total = 0, supported = 0;
  for (const auto& [k, c] : coverage) {
    table << "| " << k << " | " << c.supported << " / " << c.groups << " |\n";
    total += c.groups;
    supported += c.supported;
  }
  table << "| **all** | " << supported << " / " << total << " |\n";
  std::cout << "JSON Schema Test Suite (" << dir << "): " << tests_run << " instances checked, " << refused
            << " groups refused\n"
            << table.str();
  std::ofstream(std::string(LITHIUM_BINARY_DIR) + "/json_schema_coverage.md") << table.str();
}

}  // namespace
}  // namespace lithium::grammar
