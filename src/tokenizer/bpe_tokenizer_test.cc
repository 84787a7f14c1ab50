// Tests for byte-level BPE ("gpt2" vocabularies): the Unicode tables, the
// pre-tokenizers, merging, special tokens, decoding, and llama.cpp's test
// vectors for the nine BPE vocabularies of ../shared/vocab (skipped when it
// is absent).
#include "src/tokenizer/bpe_tokenizer.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "src/base/mapped_file.h"
#include "src/gguf/gguf.h"
#include "src/tokenizer/pre_tokenizer.h"
#include "src/tokenizer/tokenizer.h"
#include "src/tokenizer/tokenizer_test_util.h"
#include "src/tokenizer/unicode.h"

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
using test_util::Shared;

// --- Unicode -------------------------------------------------------------------

TEST(Unicode, FlagsFollowTheGeneralCategory) {
  using namespace unicode;  // NOLINT: the flag names read better bare here
  EXPECT_EQ(Flags('A'), kLetter);
  EXPECT_EQ(Flags('7'), kNumber);
  EXPECT_EQ(Flags(','), kPunctuation);
  EXPECT_EQ(Flags('$'), kSymbol);
  EXPECT_EQ(Flags(' '), kSeparator | kWhitespace);
  EXPECT_EQ(Flags('\n'), kControl | kWhitespace);
  EXPECT_EQ(Flags(0x00A0), kSeparator | kWhitespace);  // no-break space
  EXPECT_EQ(Flags(0x0085), kControl | kWhitespace);    // next line
  EXPECT_EQ(Flags(0x200B), kControl);                  // zero width space is Cf
  EXPECT_EQ(Flags(0x00E9), kLetter);                   // é
  EXPECT_EQ(Flags(0x0301), kMark);                     // combining acute
  EXPECT_EQ(Flags(0x4E00), kLetter);                   // CJK, in a First/Last range
  EXPECT_EQ(Flags(0x00BD), kNumber);                   // ½ is No
  EXPECT_EQ(Flags(0x1F999), kSymbol);                  // 🦙
  EXPECT_EQ(Flags(0xD800), kControl);                  // surrogates are Cs
  EXPECT_EQ(Flags(0x0378), kUndefined);                // unassigned
  EXPECT_EQ(Flags(0x10FFFF), kUndefined);
  EXPECT_EQ(Flags(0x110000), kUndefined);
  EXPECT_STREQ(TableVersion(), "15.0.0");
}

std::vector<uint32_t> Decode(const std::string& s) {
  std::vector<uint32_t> cpts;
  for (size_t pos = 0; pos < s.size();) cpts.push_back(unicode::DecodeUtf8(s, &pos));
  return cpts;
}

TEST(Unicode, DecodesLikeLlamaCpp) {
  EXPECT_EQ(Decode("a\xC3\xA9\xE2\x82\xAC\xF0\x9F\xA6\x99"),
            (std::vector<uint32_t>{'a', 0xE9, 0x20AC, 0x1F999}));
  // Every byte that starts no whole character is one U+FFFD.
  EXPECT_EQ(Decode("\x80\xFF\xE2\x82"), (std::vector<uint32_t>{0xFFFD, 0xFFFD, 0xFFFD, 0xFFFD}));
  EXPECT_EQ(Decode("\xE2\x82x"), (std::vector<uint32_t>{0xFFFD, 0xFFFD, 'x'}));
  // Overlong forms and surrogates pass, as in llama.cpp.
  EXPECT_EQ(Decode("\xC0\x80"), (std::vector<uint32_t>{0}));
  EXPECT_EQ(Decode("\xED\xA0\x80"), (std::vector<uint32_t>{0xD800}));
  // Past U+10FFFF (where llama.cpp aborts) each byte is U+FFFD.
  EXPECT_EQ(Decode("\xF4\x90\x80\x80").size(), 4u);
  std::string out;
  for (uint32_t c : {0x24u, 0xA2u, 0x20ACu, 0x10348u}) unicode::AppendUtf8(c, &out);
  EXPECT_EQ(out, "$\xC2\xA2\xE2\x82\xAC\xF0\x90\x8D\x88");
}

TEST(Unicode, ByteLevelAlphabet) {
  EXPECT_EQ(unicode::ByteToUtf8(' '), "\xC4\xA0");   // Ġ
  EXPECT_EQ(unicode::ByteToUtf8('\n'), "\xC4\x8A");  // Ċ
  EXPECT_EQ(unicode::ByteToUtf8('A'), "A");
  EXPECT_EQ(unicode::ByteToUtf8(0xE9), "\xC3\xA9");  // é stands for itself
  EXPECT_EQ(unicode::ByteToUtf8(0xAD), "\xC5\x83");  // the last stand-in, U+0143
  for (int b = 0; b < 256; ++b) {
    const std::string s(unicode::ByteToUtf8(static_cast<uint8_t>(b)));
    size_t pos = 0;
    const uint32_t cpt = unicode::DecodeUtf8(s, &pos);
    EXPECT_EQ(pos, s.size());
    EXPECT_EQ(unicode::ByteFromCodepoint(cpt), b);
  }
  EXPECT_EQ(unicode::ByteFromCodepoint(0x144), -1);
  EXPECT_EQ(unicode::ByteFromCodepoint(' '), -1);
}

// --- Pre-tokenizers ---------------------------------------------------------------

std::vector<std::string> Split(PreTokenizerKind kind, const std::string& text) {
  Words words;
  PreTokenizer(kind).Split(text, &words);
  std::vector<std::string> out;
  size_t begin = 0;
  for (size_t end : words.ends) {
    out.push_back(words.bytes.substr(begin, end - begin));
    begin = end;
  }
  return out;
}

using Strings = std::vector<std::string>;

TEST(PreTokenizer, Gpt2) {
  EXPECT_EQ(Split(PreTokenizerKind::kGpt2, "Hello world's  test\n\nx"),
            (Strings{"Hello", " world", "'s", " ", " test", "\n", "\n", "x"}));
  // Case-sensitive contractions; numbers and punctuation take one space.
  EXPECT_EQ(Split(PreTokenizerKind::kGpt2, "I'M 42 ?!"), (Strings{"I", "'", "M", " 42", " ?!"}));
  EXPECT_EQ(Split(PreTokenizerKind::kGpt2, "a  "), (Strings{"a", "  "}));
  // An invalid byte becomes U+FFFD, a symbol of its own.
  EXPECT_EQ(Split(PreTokenizerKind::kGpt2,
                  "a\xFF"
                  "b"),
            (Strings{"a", "\xEF\xBF\xBD", "b"}));
  EXPECT_EQ(Split(PreTokenizerKind::kGpt2, ""), Strings{});
}

TEST(PreTokenizer, Llama3AndQwen2) {
  EXPECT_EQ(Split(PreTokenizerKind::kLlama3, "1234567 abc\n\n  x"),
            (Strings{"123", "456", "7", " abc", "\n\n", " ", " x"}));
  EXPECT_EQ(Split(PreTokenizerKind::kLlama3, "I'M (x)\n"), (Strings{"I", "'M", " (", "x", ")\n"}));
  EXPECT_EQ(Split(PreTokenizerKind::kQwen2, "12 ab"), (Strings{"1", "2", " ab"}));
}

TEST(PreTokenizer, StarcoderFalconAndDefault) {
  EXPECT_EQ(Split(PreTokenizerKind::kStarcoder, "x12 3"), (Strings{"x", "1", "2", " ", "3"}));
  EXPECT_EQ(Split(PreTokenizerKind::kFalcon, "a+=1234"), (Strings{"a", "+=", "123", "4"}));
  EXPECT_EQ(Split(PreTokenizerKind::kDefault, "a,b 12345"),
            (Strings{"a", ",", "b", " ", "123", "45"}));
}

TEST(PreTokenizer, DeepSeek) {
  EXPECT_EQ(Split(PreTokenizerKind::kDeepseekCoder,
                  "ab\ncd 12,x\xE4\xBD\xA0\xE5\xA5\xBD"),  // "你好"
            (Strings{"ab", "\n", "cd", " ", "1", "2", ",", "x", "\xE4\xBD\xA0\xE5\xA5\xBD"}));
  // U+3000 is whitespace: it prefixes the word like a space.
  EXPECT_EQ(Split(PreTokenizerKind::kDeepseekLlm, "Hi\xE3\x80\x80there 123"),
            (Strings{"Hi", "\xE3\x80\x80there", " ", "123"}));
  EXPECT_EQ(Split(PreTokenizerKind::kDeepseekLlm, "x \xC3\xA9\xC3\xA0"),  // " éà"
            (Strings{"x", " \xC3\xA9\xC3\xA0"}));
  // The punctuation class holds the ASCII letters, so it cuts them out of a
  // word that mixes them with other letters (as llama.cpp and Hugging Face).
  EXPECT_EQ(Split(PreTokenizerKind::kDeepseekLlm, " \xC3\xA9t\xC3\xA9"),  // " été"
            (Strings{" \xC3\xA9", "t", "\xC3\xA9"}));
  // U+2126 (ohm sign) is a letter there, but the CJK class that follows
  // (U+0800..U+9FA5) holds it too and splits it from its space.
  EXPECT_EQ(Split(PreTokenizerKind::kDeepseekLlm, "x \xE2\x84\xA6"),
            (Strings{"x", " ", "\xE2\x84\xA6"}));
}

TEST(PreTokenizer, NamesAreLookedUp) {
  auto info = FindPreTokenizer("llama-bpe");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->kind, PreTokenizerKind::kLlama3);
  EXPECT_TRUE(info->ignore_merges);
  EXPECT_TRUE(info->add_bos);
  info = FindPreTokenizer("");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->kind, PreTokenizerKind::kDefault);
  for (const char* name : {"qwen2", "gpt-2", "deepseek-coder", "deepseek-llm", "falcon",
                           "starcoder", "mpt", "refact", "smollm", "default"}) {
    EXPECT_TRUE(FindPreTokenizer(name).ok()) << name;
  }
  info = FindPreTokenizer("no-such-tokenizer");
  EXPECT_EQ(info.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(info.status().message().find("no-such-tokenizer"), std::string::npos);
}

// --- Merging, special tokens, decoding ------------------------------------------

// A byte-level vocabulary: the 256 characters of the alphabet (token id ==
// byte), then `extra` tokens (spelled in the alphabet), with `merges`.
struct Extra {
  std::string text;
  TokenType type = TokenType::kNormal;
};

Vocab MakeBpeVocab(const std::vector<Extra>& extra, const std::vector<std::string>& merges,
                   const std::string& pre = "gpt-2") {
  Vocab v;
  v.model = "gpt2";
  v.pre = pre;
  for (int b = 0; b < 256; ++b) {
    v.tokens.emplace_back(unicode::ByteToUtf8(static_cast<uint8_t>(b)));
    v.types.push_back(static_cast<int32_t>(TokenType::kNormal));
  }
  for (const Extra& e : extra) {
    v.tokens.push_back(e.text);
    v.types.push_back(static_cast<int32_t>(e.type));
  }
  v.merges = merges;
  v.bos = v.eos = -1;
  v.add_bos = false;
  v.add_space_prefix = false;
  return v;
}

int32_t IdOf(const Tokenizer& tok, const std::string& text) {
  for (int32_t i = 0; i < tok.n_vocab(); ++i) {
    if (tok.vocab().tokens[static_cast<size_t>(i)] == text) return i;
  }
  ADD_FAILURE() << "no token " << text;
  return -1;
}

TEST(BpeTokenizer, MergesByRank) {
  auto tok = MustCreate(MakeBpeVocab({{"ab"}, {"bc"}}, {"b c", "a b"}));
  ASSERT_NE(tok, nullptr);
  EXPECT_EQ(MustEncode(*tok, "abc"), (std::vector<int32_t>{'a', IdOf(*tok, "bc")}));
  auto tok2 = MustCreate(MakeBpeVocab({{"ab"}, {"bc"}}, {"a b", "b c"}));
  ASSERT_NE(tok2, nullptr);
  EXPECT_EQ(MustEncode(*tok2, "abc"), (std::vector<int32_t>{IdOf(*tok2, "ab"), 'c'}));
}

TEST(BpeTokenizer, EqualRanksMergeLeftmostFirst) {
  auto tok = MustCreate(MakeBpeVocab({{"aa"}}, {"a a"}));
  ASSERT_NE(tok, nullptr);
  const int32_t aa = IdOf(*tok, "aa");
  EXPECT_EQ(MustEncode(*tok, "aaa"), (std::vector<int32_t>{aa, 'a'}));
  EXPECT_EQ(MustEncode(*tok, "aaaaa"), (std::vector<int32_t>{aa, aa, 'a'}));
}

TEST(BpeTokenizer, SpacesAreSpelledInTheAlphabet) {
  const std::string g = "\xC4\xA0";  // Ġ, the space
  auto tok = MustCreate(MakeBpeVocab({{g + "h"}, {g + "hi"}}, {g + " h", g + "h i"}));
  ASSERT_NE(tok, nullptr);
  const int32_t ghi = IdOf(*tok, g + "hi");
  EXPECT_EQ(MustEncode(*tok, "hi hi"), (std::vector<int32_t>{'h', 'i', ghi}));
  EXPECT_EQ(tok->TokenBytes(ghi), " hi");
  EXPECT_EQ(tok->TokenBytes(' '), " ");  // token 32 is "Ġ"
}

TEST(BpeTokenizer, MergesThroughPiecesThatAreNoToken) {
  // "ab" is no token, but "abc" is reached through it.
  auto tok = MustCreate(MakeBpeVocab({{"abc"}}, {"a b", "ab c"}));
  ASSERT_NE(tok, nullptr);
  EXPECT_EQ(MustEncode(*tok, "abc"), (std::vector<int32_t>{IdOf(*tok, "abc")}));
  // A word left at "ab" goes out as the single-byte tokens of its spelling.
  EXPECT_EQ(MustEncode(*tok, "ab"), (std::vector<int32_t>{'a', 'b'}));
}

TEST(BpeTokenizer, IgnoreMergesTakesWholeWordTokens) {
  // The merges make "ab" + "c" of "abc", but Llama 3 takes the token "abc".
  const std::vector<Extra> extra = {{"ab"}, {"abc"}};
  auto gpt2 = MustCreate(MakeBpeVocab(extra, {"a b"}, "gpt-2"));
  auto llama3 = MustCreate(MakeBpeVocab(extra, {"a b"}, "llama-bpe"));
  ASSERT_NE(gpt2, nullptr);
  ASSERT_NE(llama3, nullptr);
  EXPECT_EQ(MustEncode(*gpt2, "abc"), (std::vector<int32_t>{IdOf(*gpt2, "ab"), 'c'}));
  EXPECT_EQ(MustEncode(*llama3, "abc"), (std::vector<int32_t>{IdOf(*llama3, "abc")}));
}

TEST(BpeTokenizer, SpecialTokens) {
  auto tok = MustCreate(MakeBpeVocab({{"<|end|>", TokenType::kControl},
                                      {"<|endoftext|>", TokenType::kControl},
                                      {"<tool>", TokenType::kUserDefined},
                                      {"<fim_prefix>", TokenType::kUserDefined}},
                                     {}));
  ASSERT_NE(tok, nullptr);
  const int32_t end = IdOf(*tok, "<|end|>"), eot = IdOf(*tok, "<|endoftext|>");
  const int32_t tool = IdOf(*tok, "<tool>"), fim = IdOf(*tok, "<fim_prefix>");
  // Control tokens only with parse_special, the longest first.
  EXPECT_EQ(MustEncode(*tok, "a<|endoftext|>", false, true), (std::vector<int32_t>{'a', eot}));
  EXPECT_EQ(MustEncode(*tok, "<|end|>", false, true), (std::vector<int32_t>{end}));
  EXPECT_EQ(MustEncode(*tok, "<|end|>", false, false).size(), 7u);  // no merges: one per byte
  // User-defined tokens always, and they decode to their text.
  EXPECT_EQ(MustEncode(*tok, "x<tool>y"), (std::vector<int32_t>{'x', tool, 'y'}));
  EXPECT_EQ(tok->TokenBytes(tool), "<tool>");
  // llama.cpp makes fill-in-the-middle tokens CONTROL, whatever the file says.
  EXPECT_EQ(tok->type(fim), TokenType::kControl);
  EXPECT_EQ(MustEncode(*tok, "<fim_prefix>", false, true), (std::vector<int32_t>{fim}));
  EXPECT_NE(MustEncode(*tok, "<fim_prefix>", false, false), (std::vector<int32_t>{fim}));
  EXPECT_EQ(tok->TokenBytes(eot), "");
  EXPECT_TRUE(tok->IsEndOfGeneration(eot));
}

TEST(BpeTokenizer, BosAndEos) {
  Vocab v = MakeBpeVocab({{"<s>", TokenType::kControl}, {"</s>", TokenType::kControl}}, {});
  v.bos = 256;
  v.eos = 257;
  v.add_bos = true;
  v.add_eos = true;
  auto tok = MustCreate(v);
  ASSERT_NE(tok, nullptr);
  EXPECT_EQ(MustEncode(*tok, "a", true), (std::vector<int32_t>{256, 'a', 257}));
  EXPECT_EQ(MustEncode(*tok, "a", false), (std::vector<int32_t>{'a'}));
  EXPECT_EQ(MustEncode(*tok, "", true), (std::vector<int32_t>{256, 257}));
}

TEST(BpeTokenizer, RejectsBadVocabularies) {
  Vocab v = MakeBpeVocab({}, {});
  v.pre = "unheard-of";
  auto r = Tokenizer::Create(v);
  EXPECT_EQ(r.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(r.status().message().find("unheard-of"), std::string::npos);
  v = MakeBpeVocab({{"a"}}, {});  // "a" twice
  EXPECT_EQ(Tokenizer::Create(v).status().code(), StatusCode::kInvalidInput);
  // Odd merge lines are skipped, not fatal.
  v = MakeBpeVocab({}, {"", "a", " a", "a ", "a b c"});
  EXPECT_NE(MustCreate(v), nullptr);
}

TEST(BpeTokenizer, DecodesEveryByte) {
  auto tok = MustCreate(MakeBpeVocab({}, {}));
  ASSERT_NE(tok, nullptr);
  for (int b = 0; b < 256; ++b) EXPECT_EQ(tok->TokenBytes(b), std::string(1, static_cast<char>(b)));
  // The byte-level tokens of a split character decode to a whole one.
  EXPECT_EQ(DecodeAll(*tok, MustEncode(*tok, "\xE2\x82\xAC x"), false), "\xE2\x82\xAC x");
}

// --- Loading from GGUF -------------------------------------------------------------

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

std::vector<std::string> ByteTokens(int n) {
  std::vector<std::string> tokens;
  for (int b = 0; b < n; ++b) tokens.emplace_back(unicode::ByteToUtf8(static_cast<uint8_t>(b)));
  return tokens;
}

TEST(LoadVocab, Gpt2DefaultsFollowLlamaCpp) {
  GgufVocab g = BuildGguf([](gguf::Writer& w) {
    w.AddString("tokenizer.ggml.model", "gpt2");
    w.AddStringArray("tokenizer.ggml.tokens", ByteTokens(256));
    w.AddStringArray("tokenizer.ggml.merges", {"a b"});
  });
  ASSERT_NE(g.file, nullptr);
  auto v = LoadVocab(*g.file);
  ASSERT_TRUE(v.ok()) << v.status().message();
  EXPECT_EQ(v->pre, "");  // absent: the "default" pre-tokenizer
  EXPECT_EQ(v->merges, (std::vector<std::string>{"a b"}));
  EXPECT_EQ(v->bos, 11);
  EXPECT_EQ(v->eos, 11);
  EXPECT_EQ(v->unk, -1);
  EXPECT_FALSE(v->add_bos);
  EXPECT_FALSE(v->add_space_prefix);
  EXPECT_NE(MustCreate(std::move(v).value()), nullptr);

  // Llama 3 adds BOS unless the file says otherwise.
  g = BuildGguf([](gguf::Writer& w) {
    w.AddString("tokenizer.ggml.model", "gpt2");
    w.AddString("tokenizer.ggml.pre", "llama-bpe");
    w.AddStringArray("tokenizer.ggml.tokens", ByteTokens(256));
    w.AddStringArray("tokenizer.ggml.merges", {});
  });
  ASSERT_NE(g.file, nullptr);
  v = LoadVocab(*g.file);
  ASSERT_TRUE(v.ok()) << v.status().message();
  EXPECT_TRUE(v->add_bos);
}

TEST(LoadVocab, Gpt2RejectsBadFiles) {
  auto load = [](const std::function<void(gguf::Writer&)>& fill) {
    GgufVocab g = BuildGguf(fill);
    return g.file ? LoadVocab(*g.file).status() : Status::Internal("no file");
  };
  Status s = load([](gguf::Writer& w) {
    w.AddString("tokenizer.ggml.model", "gpt2");
    w.AddString("tokenizer.ggml.pre", "bloom-ish");
    w.AddStringArray("tokenizer.ggml.tokens", ByteTokens(16));
    w.AddStringArray("tokenizer.ggml.merges", {});
  });
  EXPECT_EQ(s.code(), StatusCode::kUnsupported);
  EXPECT_NE(s.message().find("bloom-ish"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("mem.gguf"), std::string::npos) << s.message();

  s = load([](gguf::Writer& w) {
    w.AddString("tokenizer.ggml.model", "gpt2");
    w.AddStringArray("tokenizer.ggml.tokens", ByteTokens(16));
  });
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_NE(s.message().find("merges"), std::string::npos) << s.message();

  s = load([](gguf::Writer& w) {
    w.AddString("tokenizer.ggml.model", "gpt2");
    w.AddStringArray("tokenizer.ggml.tokens", ByteTokens(16));
    w.AddInt32Array("tokenizer.ggml.merges", {1, 2});
  });
  EXPECT_EQ(s.code(), StatusCode::kInvalidInput);
}

// --- llama.cpp's test vectors ------------------------------------------------------

TEST(VocabVectors, LlamaBpe) { CheckVocabFile("ggml-vocab-llama-bpe.gguf"); }
TEST(VocabVectors, Qwen2) { CheckVocabFile("ggml-vocab-qwen2.gguf"); }
TEST(VocabVectors, Gpt2) { CheckVocabFile("ggml-vocab-gpt-2.gguf"); }
TEST(VocabVectors, DeepseekCoder) { CheckVocabFile("ggml-vocab-deepseek-coder.gguf"); }
TEST(VocabVectors, DeepseekLlm) { CheckVocabFile("ggml-vocab-deepseek-llm.gguf"); }
TEST(VocabVectors, Falcon) { CheckVocabFile("ggml-vocab-falcon.gguf"); }
TEST(VocabVectors, Starcoder) { CheckVocabFile("ggml-vocab-starcoder.gguf"); }
TEST(VocabVectors, Mpt) { CheckVocabFile("ggml-vocab-mpt.gguf"); }
TEST(VocabVectors, Refact) { CheckVocabFile("ggml-vocab-refact.gguf"); }

const char* const kBpeVocabs[] = {"llama-bpe",      "qwen2",        "gpt-2",
                                  "deepseek-coder", "deepseek-llm", "falcon",
                                  "starcoder",      "mpt",          "refact"};

// The tokenizer of ../shared/vocab/ggml-vocab-NAME.gguf, or nullptr when the
// shared data is absent.
std::unique_ptr<Tokenizer> SharedVocab(const std::string& name) {
  const std::string path = Shared("vocab/ggml-vocab-" + name + ".gguf");
  std::string probe;
  if (!ReadFile(path + ".out", &probe)) return nullptr;
  return LoadTokenizer(path);
}

TEST(RealVocabs, SpecialTokensAndEndOfGeneration) {
  auto qwen = SharedVocab("qwen2");
  auto coder = SharedVocab("deepseek-coder");
  if (qwen == nullptr || coder == nullptr) GTEST_SKIP() << "shared vocabularies not found";
  EXPECT_EQ(MustEncode(*qwen, "<|im_start|>user\nHi<|im_end|>", false, true),
            (std::vector<int32_t>{151644, 872, 198, 13048, 151645}));
  EXPECT_TRUE(qwen->IsEndOfGeneration(151645));  // <|im_end|>
  EXPECT_TRUE(qwen->IsEndOfGeneration(151662));  // <|fim_pad|>, as llama.cpp
  EXPECT_FALSE(qwen->IsEndOfGeneration(151644));
  // <tool_call> is user-defined: split out of plain text.
  EXPECT_EQ(MustEncode(*qwen, "<tool_call>"), (std::vector<int32_t>{151657}));
  // DeepSeek Coder's "<｜fim▁hole｜>" is user-defined in the file, but
  // llama.cpp makes it CONTROL: plain text unless parse_special.
  const std::string hole =
      "<\xEF\xBD\x9C"
      "fim\xE2\x96\x81hole\xEF\xBD\x9C>";
  EXPECT_EQ(MustEncode(*coder, hole, false, true), (std::vector<int32_t>{32015}));
  EXPECT_GT(MustEncode(*coder, hole, false, false).size(), 1u);
  // BOS comes from the file's add_bos_token.
  EXPECT_EQ(MustEncode(*coder, "a", true).front(), 32013);
}

// Random text: pieces of every script the vectors use, whitespace runs,
// special-token texts, and (when asked) invalid bytes.
std::string RandomText(std::mt19937& rng, size_t max_parts, bool valid_utf8) {
  static const char* const kParts[] = {" ",
                                       "  ",
                                       "\n",
                                       "\t",
                                       "\r\n",
                                       "a",
                                       "the",
                                       "Hello",
                                       "'s",
                                       "'LL",
                                       "3",
                                       "333",
                                       "12345",
                                       ".",
                                       "!!",
                                       "(",
                                       "\xC3\xA9",
                                       "\xC3\xBC",
                                       "\xE2\x82\xAC",
                                       "\xF0\x9F\xA6\x99",
                                       "\xE4\xBD\xA0",
                                       "\xD0\xBD",
                                       "\xE1\x9E\x80",
                                       "\xE3\x80\x80",
                                       "\xC2\xA0",
                                       "\xE2\x80\x8D",
                                       "<|endoftext|>",
                                       "<tool_call>",
                                       "\xC3\xB5",
                                       "                "};
  static const char* const kBad[] = {"\xE2", "\x96",     "\x81",         "\xF0\x9F",        "\xFF",
                                     "\xC3", "\xC0\x80", "\xED\xA0\x80", "\xF4\x90\x80\x80"};
  std::string s;
  const size_t n = rng() % max_parts;
  for (size_t i = 0; i < n; ++i) {
    if (!valid_utf8 && rng() % 4 == 0) {
      s += kBad[rng() % std::size(kBad)];
    } else {
      s += kParts[rng() % std::size(kParts)];
    }
  }
  return s;
}

// The bytes whose character the vocabulary has a token for. Falcon lacks
// some control bytes, several vocabularies the bytes that never occur in
// UTF-8; llama.cpp drops such bytes.
std::vector<bool> BytesWithTokens(const Tokenizer& tok) {
  std::unordered_set<std::string_view> tokens(tok.vocab().tokens.begin(), tok.vocab().tokens.end());
  std::vector<bool> has(256);
  for (int b = 0; b < 256; ++b) has[b] = tokens.count(unicode::ByteToUtf8(static_cast<uint8_t>(b)));
  return has;
}

// What llama.cpp's tokens for `text` spell: each character decoded
// leniently and encoded again (invalid bytes become U+FFFD), less the bytes
// without a token.
std::string Reencoded(const std::vector<bool>& has_token, const std::string& text) {
  std::string utf8;
  for (size_t pos = 0; pos < text.size();)
    unicode::AppendUtf8(unicode::DecodeUtf8(text, &pos), &utf8);
  std::string out;
  for (char c : utf8) {
    if (has_token[static_cast<uint8_t>(c)]) out.push_back(c);
  }
  return out;
}

// The tokens' bytes, end to end, before StreamDecoder cleans them up.
std::string RawBytes(const Tokenizer& tok, const std::vector<int32_t>& ids) {
  std::string out;
  for (int32_t id : ids) out += tok.TokenBytes(id);
  return out;
}

TEST(RealVocabs, AnyBytesEncodeAndDecodeBack) {
  std::mt19937 rng(20240611);
  int checked = 0;
  for (const char* name : kBpeVocabs) {
    auto tok = SharedVocab(name);
    if (tok == nullptr) continue;
    ++checked;
    const std::vector<bool> has_token = BytesWithTokens(*tok);
    for (int i = 0; i < 300; ++i) {
      const bool valid = i % 3 != 0;
      const std::string text = RandomText(rng, 30, valid);
      const std::vector<int32_t> ids = MustEncode(*tok, text);
      EXPECT_EQ(RawBytes(*tok, ids), Reencoded(has_token, text))
          << name << " '" << Escape(text) << "'";
      const std::string decoded = DecodeAll(*tok, ids, false);
      EXPECT_TRUE(IsValidUtf8(decoded)) << name << " '" << Escape(decoded) << "'";
      if (valid) {
        EXPECT_EQ(decoded, text) << name;
      }
      // Special parsing too: any bytes are fine, none crash.
      EXPECT_TRUE(tok->Encode(text, true, true).ok());
    }
    // Pure noise.
    for (int i = 0; i < 100; ++i) {
      std::string noise(rng() % 64, '\0');
      for (char& c : noise) c = static_cast<char>(rng());
      auto ids = tok->Encode(noise, false, false);
      ASSERT_TRUE(ids.ok());
      EXPECT_EQ(RawBytes(*tok, ids.value()), Reencoded(has_token, noise)) << name;
      EXPECT_TRUE(IsValidUtf8(DecodeAll(*tok, ids.value(), false))) << name;
    }
  }
  if (checked == 0) GTEST_SKIP() << "shared vocabularies not found";
}

TEST(RealVocabs, Tokenizes100KilobytesQuickly) {
  std::string text;
  if (!ReadFile(Shared("vocab/ggml-vocab-llama-bpe.gguf.inp"), &text)) {
    GTEST_SKIP() << "shared vocabularies not found";
  }
  while (text.size() < 100 * 1024) text += text;
  text.resize(100 * 1024);
  for (const char* name : kBpeVocabs) {
    auto tok = SharedVocab(name);
    ASSERT_NE(tok, nullptr) << name;
    const auto start = std::chrono::steady_clock::now();
    auto ids = tok->Encode(text, false, false);
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    ASSERT_TRUE(ids.ok());
    std::printf("[ %-8s ] %-14s 100 KB -> %6zu tokens in %6.2f ms\n", "speed", name,
                ids.value().size(), ms);
    // Generous, so that Debug and sanitizer builds pass too; an optimized
    // build takes a few milliseconds.
    EXPECT_LT(ms, 500.0) << name;
  }
}

}  // namespace
}  // namespace lithium::tokenizer
