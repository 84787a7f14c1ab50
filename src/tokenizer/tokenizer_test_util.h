// Helpers shared by the tokenizer tests: building and running tokenizers,
// and reading llama.cpp's tokenizer test vectors (tests/test-tokenizer-0.cpp)
// from ../shared/vocab. Test-only; include from *_test.cc files.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "src/gguf/gguf.h"
#include "src/tokenizer/tokenizer.h"

namespace lithium::tokenizer::test_util {

inline std::unique_ptr<Tokenizer> MustCreate(Vocab v) {
  auto r = Tokenizer::Create(std::move(v));
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? std::move(r).value() : nullptr;
}

inline std::vector<int32_t> MustEncode(const Tokenizer& tok, const std::string& text,
                                       bool bos = false, bool special = false) {
  auto r = tok.Encode(text, bos, special);
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? r.value() : std::vector<int32_t>{};
}

inline std::string DecodeAll(const Tokenizer& tok, const std::vector<int32_t>& ids, bool strip) {
  StreamDecoder dec(tok, strip);
  std::string out;
  for (int32_t id : ids) out += dec.Push(id);
  return out + dec.Flush();
}

// Shows control characters, so a failing input is readable on one line.
inline std::string Escape(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

// Well-formed UTF-8 in the strict sense (no overlong forms, surrogates or
// code points past U+10FFFF).
inline bool IsValidUtf8(const std::string& s) {
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80                 ? 1
               : c >= 0xC2 && c <= 0xDF ? 2
               : c >= 0xE0 && c <= 0xEF ? 3
               : c >= 0xF0 && c <= 0xF4 ? 4
                                        : 0;
    if (n == 0 || i + n > s.size()) return false;
    uint32_t cp = n == 1 ? c : n == 2 ? c & 0x1F : n == 3 ? c & 0x0F : c & 0x07;
    for (size_t k = 1; k < n; ++k) {
      const unsigned char d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3F);
    }
    const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n;
  }
  return true;
}

inline std::string Shared(const std::string& rel) {
  return std::string(LITHIUM_SHARED_DIR) + "/" + rel;
}

inline bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

inline std::unique_ptr<Tokenizer> LoadTokenizer(const std::string& path) {
  auto file = gguf::File::Open(path);
  EXPECT_TRUE(file.ok()) << file.status().message();
  if (!file.ok()) return nullptr;
  auto vocab = LoadVocab(*file.value());
  EXPECT_TRUE(vocab.ok()) << vocab.status().message();
  if (!vocab.ok()) return nullptr;
  return MustCreate(std::move(vocab).value());
}

inline std::string Join(const std::vector<int32_t>& ids) {
  std::string s;
  for (int32_t id : ids) {
    if (!s.empty()) s += ' ';
    s += std::to_string(id);
  }
  return s;
}

// Inputs are separated by "\n__ggml_vocab_test__\n" (the file ends with one);
// each .out line holds the expected ids, tokenized without BOS or special
// parsing. This is how llama.cpp's test-tokenizer-0 reads them.
struct VocabTest {
  std::string input;
  std::vector<int32_t> expected;
};

inline std::vector<VocabTest> ReadVocabTests(const std::string& inp_path,
                                             const std::string& out_path) {
  std::string raw, out;
  if (!ReadFile(inp_path, &raw) || !ReadFile(out_path, &out)) return {};
  const std::string sep = "\n__ggml_vocab_test__\n";
  std::vector<std::string> inputs;
  for (size_t pos = 0; pos < raw.size();) {
    const size_t next = raw.find(sep, pos);
    if (next == std::string::npos) {
      inputs.push_back(raw.substr(pos));
      break;
    }
    inputs.push_back(raw.substr(pos, next - pos));
    pos = next + sep.size();
  }
  std::vector<VocabTest> tests;
  std::istringstream lines(out);
  std::string line;
  for (size_t i = 0; std::getline(lines, line); ++i) {
    VocabTest t;
    if (i < inputs.size()) t.input = inputs[i];
    std::istringstream ids(line);
    for (int32_t id; ids >> id;) t.expected.push_back(id);
    tests.push_back(std::move(t));
  }
  EXPECT_EQ(tests.size(), inputs.size()) << "inputs and outputs differ in count";
  return tests;
}

// Runs every vector; returns how many passed and reports each mismatch.
inline int RunVocabTests(const Tokenizer& tok, const std::vector<VocabTest>& tests,
                         const std::string& name) {
  int passed = 0;
  for (size_t i = 0; i < tests.size(); ++i) {
    const VocabTest& t = tests[i];
    auto got = tok.Encode(t.input, /*add_bos=*/false, /*parse_special=*/false);
    if (!got.ok()) {
      ADD_FAILURE() << name << " #" << i << " '" << Escape(t.input)
                    << "': " << got.status().message();
      continue;
    }
    if (got.value() == t.expected) {
      ++passed;
    } else {
      ADD_FAILURE() << name << " #" << i << " '" << Escape(t.input)
                    << "'\n  expected: " << Join(t.expected)
                    << "\n  got:      " << Join(got.value());
    }
    // Decoding gives the input back (the vectors are valid UTF-8); only
    // SentencePiece adds a leading space to strip.
    EXPECT_EQ(DecodeAll(tok, got.value(), /*strip=*/tok.vocab().add_space_prefix), t.input)
        << name << " #" << i << " does not round-trip";
  }
  std::printf("[ %-8s ] %s: %d of %zu vectors pass\n", "vectors", name.c_str(), passed,
              tests.size());
  return passed;
}

// Checks all 46 vectors of ../shared/vocab/NAME; skips when it is absent.
inline void CheckVocabFile(const std::string& name) {
  const std::string path = Shared("vocab/" + name);
  std::string probe;
  if (!ReadFile(path + ".inp", &probe)) {
    GTEST_SKIP() << "shared test data not found: " << path;
  }
  auto tok = LoadTokenizer(path);
  ASSERT_NE(tok, nullptr);
  const std::vector<VocabTest> tests = ReadVocabTests(path + ".inp", path + ".out");
  ASSERT_EQ(tests.size(), 46u);
  EXPECT_EQ(RunVocabTests(*tok, tests, name), 46);
}

}  // namespace lithium::tokenizer::test_util
