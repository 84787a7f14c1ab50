// Tests for the SentencePiece tokenizer, the vocabulary loader and the
// streaming decoder. The file-based tests reproduce llama.cpp's tokenizer test
// vectors (tests/test-tokenizer-0.cpp) and skip when ../shared is absent;
// bpe_tokenizer_test.cc covers the byte-level BPE vocabularies.
#include "src/tokenizer/tokenizer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "src/base/mapped_file.h"
#include "src/gguf/gguf.h"
#include "src/tokenizer/tokenizer_test_util.h"

namespace lithium::tokenizer {
namespace {

using test_util::CheckVocabFile;
using test_util::DecodeAll;
using test_util::Escape;
using test_util::IsValidUtf8;
using test_util::LoadTokenizer;
using test_util::MustCreate;
using test_util::MustEncode;
using test_util::ReadFile;
using test_util::ReadVocabTests;
using test_util::RunVocabTests;
using test_util::Shared;

constexpr int32_t kUnk = 0, kBos = 1, kEos = 2, kFirstByte = 3;
const std::string kSp = "\xE2\x96\x81";  // "▁"

// A SentencePiece-style vocabulary: <unk>, <s>, </s>, 256 byte tokens, then
// `pieces` (text, score, type).
struct Piece {
  std::string text;
  float score;
  TokenType type = TokenType::kNormal;
};

Vocab MakeVocab(const std::vector<Piece>& pieces, bool byte_tokens = true) {
  Vocab v;
  v.model = "llama";
  auto add = [&](const std::string& text, float score, TokenType type) {
    v.tokens.push_back(text);
    v.scores.push_back(score);
    v.types.push_back(static_cast<int32_t>(type));
  };
  add("<unk>", 0, TokenType::kUnknown);
  add("<s>", 0, TokenType::kControl);
  add("</s>", 0, TokenType::kControl);
  if (byte_tokens) {
    for (int b = 0; b < 256; ++b) {
      char name[8];
      std::snprintf(name, sizeof(name), "<0x%02X>", b);
      add(name, 0, TokenType::kByte);
    }
  }
  for (const Piece& p : pieces) add(p.text, p.score, p.type);
  v.bos = kBos;
  v.eos = kEos;
  v.unk = kUnk;
  return v;
}

int32_t IdOf(const Tokenizer& tok, const std::string& text) {
  for (int32_t i = 0; i < tok.n_vocab(); ++i) {
    if (tok.vocab().tokens[static_cast<size_t>(i)] == text) return i;
  }
  ADD_FAILURE() << "no token " << text;
  return -1;
}

// --- Encoding ----------------------------------------------------------------

TEST(SpmTokenizer, MergesTheHighestScoringPairFirst) {
  Vocab v = MakeVocab({{"a", -1}, {"b", -1}, {"ab", -5}, {"bb", -2}});
  v.add_space_prefix = false;
  auto tok = MustCreate(std::move(v));
  ASSERT_NE(tok, nullptr);
  // "bb" outscores "ab", and "abb" is no token, so the result is a + bb.
  EXPECT_EQ(MustEncode(*tok, "abb"), (std::vector<int32_t>{IdOf(*tok, "a"), IdOf(*tok, "bb")}));
  EXPECT_EQ(MustEncode(*tok, "ab"), (std::vector<int32_t>{IdOf(*tok, "ab")}));
}

TEST(SpmTokenizer, EqualScoresMergeLeftmostFirst) {
  Vocab v = MakeVocab({{"a", -1}, {"aa", -1}});
  v.add_space_prefix = false;
  auto tok = MustCreate(std::move(v));
  ASSERT_NE(tok, nullptr);
  const int32_t a = IdOf(*tok, "a"), aa = IdOf(*tok, "aa");
  EXPECT_EQ(MustEncode(*tok, "aaa"), (std::vector<int32_t>{aa, a}));
  EXPECT_EQ(MustEncode(*tok, "aaaaa"), (std::vector<int32_t>{aa, aa, a}));
}

TEST(SpmTokenizer, EscapesSpacesAndAddsTheDummyPrefix) {
  auto tok = MustCreate(MakeVocab({{kSp, -1}, {"a", -2}, {kSp + "a", -1}, {"b", -2}}));
  ASSERT_NE(tok, nullptr);
  const int32_t sp = IdOf(*tok, kSp), spa = IdOf(*tok, kSp + "a"), b = IdOf(*tok, "b");
  EXPECT_EQ(MustEncode(*tok, "a a"), (std::vector<int32_t>{spa, spa}));
  EXPECT_EQ(MustEncode(*tok, " b"), (std::vector<int32_t>{sp, sp, b}));
  // Only spaces are escaped: a newline has no token here and falls back to a byte.
  EXPECT_EQ(MustEncode(*tok, "a\n"), (std::vector<int32_t>{spa, kFirstByte + '\n'}));
}

TEST(SpmTokenizer, UnknownCharactersFallBackToByteTokens) {
  Vocab v = MakeVocab({{"x", -1}});
  v.add_space_prefix = false;
  auto tok = MustCreate(std::move(v));
  ASSERT_NE(tok, nullptr);
  EXPECT_EQ(MustEncode(*tok, "x\xE2\x82\xAC"),  // "x€"
            (std::vector<int32_t>{IdOf(*tok, "x"), kFirstByte + 0xE2, kFirstByte + 0x82,
                                  kFirstByte + 0xAC}));
}

TEST(SpmTokenizer, WithoutByteTokensFallsBackToUnknownPerByte) {
  Vocab v = MakeVocab({{"x", -1}}, /*byte_tokens=*/false);
  v.add_space_prefix = false;
  auto tok = MustCreate(v);
  ASSERT_NE(tok, nullptr);
  EXPECT_EQ(MustEncode(*tok, "\xC3\xA9x"), (std::vector<int32_t>{kUnk, kUnk, IdOf(*tok, "x")}));

  // With no unknown token either, it is an error, not a crash.
  v.unk = -1;
  auto tok2 = MustCreate(v);
  ASSERT_NE(tok2, nullptr);
  EXPECT_FALSE(tok2->Encode("y", false, false).ok());
}

TEST(SpmTokenizer, BosEosAndEmptyText) {
  Vocab v = MakeVocab({{kSp + "a", -1}});
  v.add_eos = true;
  auto tok = MustCreate(v);
  ASSERT_NE(tok, nullptr);
  const int32_t spa = IdOf(*tok, kSp + "a");
  EXPECT_EQ(MustEncode(*tok, "", true), (std::vector<int32_t>{kBos, kEos}));
  EXPECT_EQ(MustEncode(*tok, "", false), (std::vector<int32_t>{}));
  EXPECT_EQ(MustEncode(*tok, "a", true), (std::vector<int32_t>{kBos, spa, kEos}));
  v.add_bos = false;
  v.add_eos = false;
  auto tok2 = MustCreate(v);
  ASSERT_NE(tok2, nullptr);
  EXPECT_EQ(MustEncode(*tok2, "a", true), (std::vector<int32_t>{spa}));
}

TEST(SpmTokenizer, ParseSpecialSplitsOutControlTokens) {
  auto tok = MustCreate(MakeVocab({{kSp + "a", -1}, {"a", -2}, {"<", -3}, {"s", -3}, {">", -3}}));
  ASSERT_NE(tok, nullptr);
  const int32_t spa = IdOf(*tok, kSp + "a");
  // Text after a special token gets the dummy prefix again.
  EXPECT_EQ(MustEncode(*tok, "a<s>a", false, true), (std::vector<int32_t>{spa, kBos, spa}));
  EXPECT_EQ(MustEncode(*tok, "<s>", false, true), (std::vector<int32_t>{kBos}));
  // Without parse_special "<s>" is plain text.
  std::vector<int32_t> plain = MustEncode(*tok, "a<s>a", false, false);
  EXPECT_EQ(std::count(plain.begin(), plain.end(), kBos), 0);
  EXPECT_EQ(DecodeAll(*tok, plain, true), "a<s>a");
}

TEST(SpmTokenizer, UserDefinedTokensAreSplitOutEvenWithoutParseSpecial) {
  auto tok = MustCreate(MakeVocab({{"<tool>", 0, TokenType::kUserDefined},
                                   {"<tool_call>", 0, TokenType::kUserDefined},
                                   {kSp + "a", -1}}));
  ASSERT_NE(tok, nullptr);
  const int32_t tool = IdOf(*tok, "<tool>"), call = IdOf(*tok, "<tool_call>");
  const int32_t spa = IdOf(*tok, kSp + "a");
  EXPECT_EQ(MustEncode(*tok, "a<tool>a<tool_call>"), (std::vector<int32_t>{spa, tool, spa, call}));
  // A user-defined token decodes to its text.
  EXPECT_EQ(tok->TokenBytes(tool), "<tool>");
}

TEST(SpmTokenizer, Phi3StripsWhitespaceAfterSpecialTokens) {
  Vocab v = MakeVocab({{"<|user|>", 0, TokenType::kControl},
                       {"<|end|>", 0, TokenType::kControl},
                       {"<|endoftext|>", 0, TokenType::kControl},
                       {kSp + "a", -1}});
  v.rstrip_after_special = true;
  auto tok = MustCreate(v);
  ASSERT_NE(tok, nullptr);
  const int32_t user = IdOf(*tok, "<|user|>"), end = IdOf(*tok, "<|end|>");
  const int32_t eot = IdOf(*tok, "<|endoftext|>"), spa = IdOf(*tok, kSp + "a");
  EXPECT_EQ(MustEncode(*tok, "<|user|>\n a<|end|>\n", false, true),
            (std::vector<int32_t>{user, spa, end}));
  // <|endoftext|> keeps what follows it (here "▁\n", as bytes).
  EXPECT_EQ(MustEncode(*tok, "<|endoftext|>\n", false, true),
            (std::vector<int32_t>{eot, kFirstByte + 0xE2, kFirstByte + 0x96, kFirstByte + 0x81,
                                  kFirstByte + '\n'}));
}

TEST(SpmTokenizer, TokenBytesAndEndOfGeneration) {
  auto tok = MustCreate(MakeVocab({{kSp + "hi" + kSp, -1},
                                   {"<|end|>", 0, TokenType::kNormal},
                                   {"<x>", 0, TokenType::kControl}}));
  ASSERT_NE(tok, nullptr);
  EXPECT_EQ(tok->TokenBytes(IdOf(*tok, kSp + "hi" + kSp)), " hi ");
  EXPECT_EQ(tok->TokenBytes(kFirstByte + 'A'), "A");
  EXPECT_EQ(tok->TokenBytes(kFirstByte + 0xE2), "\xE2");
  EXPECT_EQ(tok->TokenBytes(kBos), "");
  EXPECT_EQ(tok->TokenBytes(IdOf(*tok, "<x>")), "");
  EXPECT_EQ(tok->TokenBytes(-1), "");
  EXPECT_EQ(tok->TokenBytes(tok->n_vocab()), "");
  EXPECT_TRUE(tok->IsEndOfGeneration(kEos));
  // "<|end|>" ends a turn whatever its type in the file, and becomes CONTROL.
  EXPECT_TRUE(tok->IsEndOfGeneration(IdOf(*tok, "<|end|>")));
  EXPECT_EQ(tok->type(IdOf(*tok, "<|end|>")), TokenType::kControl);
  EXPECT_FALSE(tok->IsEndOfGeneration(kBos));
  EXPECT_FALSE(tok->IsEndOfGeneration(-5));
  EXPECT_FALSE(tok->IsEndOfGeneration(1 << 30));
}

// --- Bad vocabularies ----------------------------------------------------------

TEST(Vocab, BadInputIsAnErrorNotACrash) {
  Vocab good = MakeVocab({{"a", -1}});
  ASSERT_TRUE(ValidateVocab(good).ok());

  Vocab v = good;
  v.scores.pop_back();
  EXPECT_EQ(Tokenizer::Create(v).status().code(), StatusCode::kInvalidInput);
  v = good;
  v.types.push_back(1);
  EXPECT_EQ(Tokenizer::Create(v).status().code(), StatusCode::kInvalidInput);
  v = good;
  v.bos = static_cast<int32_t>(v.tokens.size());
  EXPECT_EQ(Tokenizer::Create(v).status().code(), StatusCode::kInvalidInput);
  EXPECT_NE(Tokenizer::Create(v).status().message().find("bos_token_id"), std::string::npos);
  v = good;
  v.eos = -7;
  EXPECT_EQ(Tokenizer::Create(v).status().code(), StatusCode::kInvalidInput);
  v = good;
  v.bos = -1;  // add_bos with nothing to add
  EXPECT_EQ(Tokenizer::Create(v).status().code(), StatusCode::kInvalidInput);
  v = good;
  v.tokens.clear();
  v.scores.clear();
  v.types.clear();
  EXPECT_EQ(Tokenizer::Create(v).status().code(), StatusCode::kInvalidInput);
  v = good;
  v.tokens.back() = "<s>";  // duplicate text
  EXPECT_EQ(Tokenizer::Create(v).status().code(), StatusCode::kInvalidInput);
  v = good;
  v.model = "bert";
  EXPECT_EQ(Tokenizer::Create(v).status().code(), StatusCode::kUnsupported);
  // Out-of-range token types and ids decode to nothing rather than crash.
  v = good;
  v.types.back() = 99;
  auto tok = MustCreate(v);
  ASSERT_NE(tok, nullptr);
  EXPECT_EQ(tok->TokenBytes(tok->n_vocab() - 1), "");
}

// A GGUF file holding only tokenizer metadata, parsed from memory.
struct GgufVocab {
  std::vector<uint8_t> bytes;
  std::unique_ptr<gguf::File> file;
};

GgufVocab BuildGguf(const std::function<void(gguf::Writer&)>& fill) {
  gguf::Writer w;
  fill(w);
  GgufVocab g;
  g.bytes = w.Serialize();
  auto f = gguf::File::Parse(MappedFile::FromMemory(g.bytes.data(), g.bytes.size(), "mem.gguf"));
  EXPECT_TRUE(f.ok()) << f.status().message();
  if (f.ok()) g.file = std::move(f).value();
  return g;
}

const std::vector<std::string> kGgufTokens = {"<unk>", "<s>", "</s>", "a", "b"};

TEST(LoadVocab, AppliesLlamaCppDefaults) {
  GgufVocab g = BuildGguf([](gguf::Writer& w) {
    w.AddString("tokenizer.ggml.model", "llama");
    w.AddStringArray("tokenizer.ggml.tokens", kGgufTokens);
    w.AddUint32("tokenizer.ggml.padding_token_id", 0xFFFFFFFFu);  // "none"
  });
  ASSERT_NE(g.file, nullptr);
  auto v = LoadVocab(*g.file);
  ASSERT_TRUE(v.ok()) << v.status().message();
  EXPECT_EQ(v->tokens, kGgufTokens);
  EXPECT_EQ(v->bos, 1);
  EXPECT_EQ(v->eos, 2);
  EXPECT_EQ(v->unk, 0);
  EXPECT_EQ(v->pad, -1);
  EXPECT_TRUE(v->add_bos);
  EXPECT_FALSE(v->add_eos);
  EXPECT_TRUE(v->add_space_prefix);
  EXPECT_FALSE(v->rstrip_after_special);
}

TEST(LoadVocab, ReadsKeys) {
  GgufVocab g = BuildGguf([](gguf::Writer& w) {
    w.AddString("general.name", "Phi3");
    w.AddString("tokenizer.ggml.model", "llama");
    w.AddStringArray("tokenizer.ggml.tokens", kGgufTokens);
    w.AddFloat32Array("tokenizer.ggml.scores", {0, 0, 0, -1.5f, -2});
    w.AddInt32Array("tokenizer.ggml.token_type", {2, 3, 3, 1, 1});
    w.AddUint32("tokenizer.ggml.bos_token_id", 3);
    w.AddUint32("tokenizer.ggml.eos_token_id", 4);
    w.AddBool("tokenizer.ggml.add_bos_token", false);
    w.AddBool("tokenizer.ggml.add_space_prefix", false);
  });
  ASSERT_NE(g.file, nullptr);
  auto v = LoadVocab(*g.file);
  ASSERT_TRUE(v.ok()) << v.status().message();
  EXPECT_EQ(v->scores, (std::vector<float>{0, 0, 0, -1.5f, -2}));
  EXPECT_EQ(v->types, (std::vector<int32_t>{2, 3, 3, 1, 1}));
  EXPECT_EQ(v->bos, 3);
  EXPECT_EQ(v->eos, 4);
  EXPECT_FALSE(v->add_bos);
  EXPECT_FALSE(v->add_space_prefix);
  EXPECT_TRUE(v->rstrip_after_special);
}

TEST(LoadVocab, RejectsBadFiles) {
  auto load = [](const std::function<void(gguf::Writer&)>& fill) {
    GgufVocab g = BuildGguf(fill);
    return g.file ? LoadVocab(*g.file).status() : Status::Internal("no file");
  };
  Status s = load([](gguf::Writer& w) {
    w.AddString("tokenizer.ggml.model", "bert");
    w.AddStringArray("tokenizer.ggml.tokens", kGgufTokens);
  });
  EXPECT_EQ(s.code(), StatusCode::kUnsupported);
  EXPECT_NE(s.message().find("bert"), std::string::npos) << s.message();

  s = load([](gguf::Writer& w) {
    w.AddString("tokenizer.ggml.model", "llama");
    w.AddStringArray("tokenizer.ggml.tokens", kGgufTokens);
    w.AddFloat32Array("tokenizer.ggml.scores", {0, 0, 0});
  });
  EXPECT_EQ(s.code(), StatusCode::kInvalidInput);
  EXPECT_NE(s.message().find("scores"), std::string::npos) << s.message();

  s = load([](gguf::Writer& w) {
    w.AddString("tokenizer.ggml.model", "llama");
    w.AddStringArray("tokenizer.ggml.tokens", kGgufTokens);
    w.AddInt32Array("tokenizer.ggml.token_type", {1, 1, 1, 1, 1, 1});
  });
  EXPECT_EQ(s.code(), StatusCode::kInvalidInput);

  s = load([](gguf::Writer& w) {
    w.AddString("tokenizer.ggml.model", "llama");
    w.AddStringArray("tokenizer.ggml.tokens", kGgufTokens);
    w.AddUint32("tokenizer.ggml.bos_token_id", 5);
  });
  EXPECT_EQ(s.code(), StatusCode::kInvalidInput);
  EXPECT_NE(s.message().find("bos_token_id"), std::string::npos) << s.message();

  s = load([](gguf::Writer& w) {
    w.AddString("tokenizer.ggml.model", "llama");
    w.AddString("tokenizer.ggml.tokens", "not an array");
  });
  EXPECT_EQ(s.code(), StatusCode::kInvalidInput);

  s = load([](gguf::Writer& w) { w.AddString("tokenizer.ggml.model", "llama"); });
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
}

// --- Streaming decoder --------------------------------------------------------

TEST(StreamDecoder, HoldsBackASplitCharacterUntilItIsWhole) {
  auto tok = MustCreate(MakeVocab({{kSp + "x", -1}}));
  ASSERT_NE(tok, nullptr);
  StreamDecoder dec(*tok);
  EXPECT_EQ(dec.Push(kFirstByte + 0xE2), "");
  EXPECT_EQ(dec.Push(kFirstByte + 0x82), "");
  EXPECT_EQ(dec.Push(kFirstByte + 0xAC), "\xE2\x82\xAC");  // "€"
  EXPECT_EQ(dec.Push(IdOf(*tok, kSp + "x")), " x");
  EXPECT_EQ(dec.Push(kEos), "");  // control tokens are not text
  EXPECT_EQ(dec.Flush(), "");
}

TEST(StreamDecoder, InvalidBytesBecomeReplacementCharacters) {
  auto tok = MustCreate(MakeVocab({{"x", -1}}));
  ASSERT_NE(tok, nullptr);
  const std::string fffd = "\xEF\xBF\xBD";
  const int32_t x = IdOf(*tok, "x");
  StreamDecoder dec(*tok);
  EXPECT_EQ(dec.Push(kFirstByte + 0xFF), fffd);  // never valid
  EXPECT_EQ(dec.Push(kFirstByte + 0x80), fffd);  // a lone continuation byte
  EXPECT_EQ(dec.Push(kFirstByte + 0xE2), "");
  EXPECT_EQ(dec.Push(x), fffd + "x");  // a broken sequence, then x
  EXPECT_EQ(dec.Push(kFirstByte + 0xED), "");
  EXPECT_EQ(dec.Push(kFirstByte + 0xA0), fffd + fffd);  // a surrogate: ED then A0
  EXPECT_EQ(dec.Push(kFirstByte + 0xF0), "");
  EXPECT_EQ(dec.Push(kFirstByte + 0x9F), "");
  EXPECT_EQ(dec.Flush(), fffd);  // cut short at the end of the stream
  // Every output was valid UTF-8 and nothing is held back any more.
  EXPECT_EQ(dec.Flush(), "");
}

// Decodes random byte tokens; the output must be valid UTF-8 whatever comes.
TEST(StreamDecoder, OutputIsAlwaysValidUtf8) {
  auto tok = MustCreate(MakeVocab({{"x", -1}}));
  ASSERT_NE(tok, nullptr);
  std::mt19937 rng(42);
  for (int round = 0; round < 2000; ++round) {
    StreamDecoder dec(*tok);
    const int n = static_cast<int>(rng() % 8);
    for (int i = 0; i < n; ++i) {
      // Mostly bytes that start or continue sequences, so some are valid.
      const int b =
          rng() % 4 == 0 ? static_cast<int>(rng() % 256) : static_cast<int>(0x80 + rng() % 0x78);
      const std::string piece = dec.Push(kFirstByte + b);
      EXPECT_TRUE(IsValidUtf8(piece)) << Escape(piece);
    }
    const std::string tail = dec.Flush();
    EXPECT_TRUE(IsValidUtf8(tail)) << Escape(tail);
  }
}

TEST(StreamDecoder, StripsOnlyTheFirstLeadingSpace) {
  auto tok = MustCreate(MakeVocab({{kSp + "Hi", -1}, {kSp + kSp + "x", -1}}));
  ASSERT_NE(tok, nullptr);
  const int32_t hi = IdOf(*tok, kSp + "Hi"), x2 = IdOf(*tok, kSp + kSp + "x");
  EXPECT_EQ(DecodeAll(*tok, {kBos, hi, hi}, true), "Hi Hi");
  EXPECT_EQ(DecodeAll(*tok, {x2, hi}, true), " x Hi");
  EXPECT_EQ(DecodeAll(*tok, {hi, hi}, false), " Hi Hi");
}

// --- llama.cpp's test vectors and real models ----------------------------------

TEST(VocabVectors, LlamaSpm) { CheckVocabFile("ggml-vocab-llama-spm.gguf"); }
TEST(VocabVectors, Phi3) { CheckVocabFile("ggml-vocab-phi-3.gguf"); }

TEST(RealModels, Stories260K) {
  const std::string path = Shared("models/stories260K.gguf");
  std::string probe;
  if (!ReadFile(path, &probe)) {
    GTEST_SKIP() << "shared model not found: " << path;
  }
  auto tok = LoadTokenizer(path);
  ASSERT_NE(tok, nullptr);
  const std::vector<int32_t> ids = MustEncode(*tok, "Once upon a time", /*bos=*/true);
  EXPECT_EQ(ids, (std::vector<int32_t>{1, 403, 407, 261, 378}));
  EXPECT_EQ(DecodeAll(*tok, ids, /*strip=*/true), "Once upon a time");
}

TEST(RealModels, Llama2TinyRandomHasTheLlama2Vocabulary) {
  const std::string path = Shared("models/llama-2-tiny-random.gguf");
  std::string probe;
  if (!ReadFile(path, &probe)) {
    GTEST_SKIP() << "shared model not found: " << path;
  }
  auto tok = LoadTokenizer(path);
  ASSERT_NE(tok, nullptr);
  EXPECT_EQ(tok->n_vocab(), 32000);
  EXPECT_EQ(MustEncode(*tok, "Hello world", true), (std::vector<int32_t>{1, 15043, 3186}));
  // The same vocabulary as llama.cpp's Llama SentencePiece test file, so
  // its vectors hold here too.
  const std::string spm = Shared("vocab/ggml-vocab-llama-spm.gguf");
  const auto tests = ReadVocabTests(spm + ".inp", spm + ".out");
  if (!tests.empty()) {
    EXPECT_EQ(RunVocabTests(*tok, tests, "llama-2-tiny-random"), 46);
  }
}

TEST(RealModels, Phi3ChatPrompt) {
  const std::string path = Shared("vocab/ggml-vocab-phi-3.gguf");
  std::string probe;
  if (!ReadFile(path, &probe)) {
    GTEST_SKIP() << "shared vocab not found: " << path;
  }
  auto tok = LoadTokenizer(path);
  ASSERT_NE(tok, nullptr);
  // llama.cpp drops the newline after each Phi-3 special token.
  EXPECT_EQ(MustEncode(*tok, "<|user|>\nHello<|end|>\n<|assistant|>\n", true, true),
            (std::vector<int32_t>{1, 32010, 15043, 32007, 32001}));
  EXPECT_TRUE(tok->IsEndOfGeneration(32000));  // <|endoftext|>, the EOS
  EXPECT_TRUE(tok->IsEndOfGeneration(32007));  // <|end|>
  EXPECT_FALSE(tok->IsEndOfGeneration(32001));
}

// Random text mixing words, spaces, multi-byte characters and invalid bytes.
std::string RandomText(std::mt19937& rng, size_t max_len, bool valid_utf8) {
  static const char* const kParts[] = {" ",
                                       "  ",
                                       "\n",
                                       "\t",
                                       "a",
                                       "the",
                                       "Hello",
                                       "ing",
                                       "3",
                                       "333",
                                       "\xC3\xA9",
                                       "\xE2\x82\xAC",
                                       "\xF0\x9F\xA6\x99",
                                       "\xE2\x96\x81",
                                       "<s>",
                                       "'",
                                       ".",
                                       "\xE1\x9E\x80",
                                       "\xD0\xBD"};
  static const char* const kBad[] = {"\xE2", "\x96", "\x81", "\xF0\x9F", "\xFF", "\xC3"};
  std::string s;
  const size_t n = rng() % max_len;
  for (size_t i = 0; i < n; ++i) {
    if (!valid_utf8 && rng() % 5 == 0) {
      s += kBad[rng() % std::size(kBad)];
    } else {
      s += kParts[rng() % std::size(kParts)];
    }
  }
  return s;
}

TEST(RealModels, WordSplittingChangesNoToken) {
  // Encoding merges word by word when no token has "▁" after another
  // character. A token that breaks that rule (but that no test text can
  // reach: the texts have no 0x7F byte) turns the shortcut off, so the two
  // tokenizers must agree on everything, invalid UTF-8 included.
  const std::string path = Shared("vocab/ggml-vocab-llama-spm.gguf");
  std::string probe;
  if (!ReadFile(path, &probe)) {
    GTEST_SKIP() << "shared vocab not found: " << path;
  }
  auto file = gguf::File::Open(path);
  ASSERT_TRUE(file.ok()) << file.status().message();
  auto vocab = LoadVocab(*file.value());
  ASSERT_TRUE(vocab.ok()) << vocab.status().message();
  Vocab whole = vocab.value();
  whole.tokens.push_back("\x7F" + kSp + "\x7F");
  whole.scores.push_back(0);
  whole.types.push_back(static_cast<int32_t>(TokenType::kNormal));
  auto by_word = MustCreate(std::move(vocab).value());
  auto at_once = MustCreate(std::move(whole));
  ASSERT_NE(by_word, nullptr);
  ASSERT_NE(at_once, nullptr);
  std::mt19937 rng(1234);
  for (int i = 0; i < 400; ++i) {
    const bool valid = i % 2 == 0;
    const std::string text = RandomText(rng, 40, valid);
    const bool special = i % 3 == 0;
    const std::vector<int32_t> a = MustEncode(*by_word, text, true, special);
    ASSERT_EQ(a, MustEncode(*at_once, text, true, special)) << "'" << Escape(text) << "'";
    // Valid text comes back, unless "<s>" became a control token or a
    // literal "▁" became a space.
    if (valid && !special && text.find(kSp) == std::string::npos) {
      EXPECT_EQ(DecodeAll(*by_word, a, true), text) << "'" << Escape(text) << "'";
    }
  }
}

TEST(RealModels, TokenizesKilobytesQuickly) {
  const std::string path = Shared("vocab/ggml-vocab-llama-spm.gguf");
  std::string text;
  if (!ReadFile(path + ".inp", &text)) {
    GTEST_SKIP() << "shared vocab not found: " << path;
  }
  auto tok = LoadTokenizer(path);
  ASSERT_NE(tok, nullptr);
  while (text.size() < 64 * 1024) text += text;
  const auto start = std::chrono::steady_clock::now();
  auto ids = tok->Encode(text, true, false);
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(ids.ok());
  const double kb = static_cast<double>(text.size()) / 1024.0;
  std::printf("[ %-8s ] %.0f KB -> %zu tokens in %.2f ms (%.3f ms/KB)\n", "speed", kb,
              ids.value().size(), ms, ms / kb);
  // Generous, so a loaded machine or a Debug build does not fail it; the
  // optimized build is far below 1 ms/KB.
  EXPECT_LT(ms / kb, 5.0);
}

}  // namespace
}  // namespace lithium::tokenizer
