// Loading and checking a vocabulary, and the parts of Tokenizer shared by
// every vocabulary type. The GGUF keys, their defaults and the load-time
// fix-ups follow llama.cpp's llama_vocab::impl::load, so that a model
// tokenizes here exactly as it does there.
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "src/tokenizer/bpe_tokenizer.h"
#include "src/tokenizer/pre_tokenizer.h"
#include "src/tokenizer/spm_tokenizer.h"
#include "src/tokenizer/tokenizer.h"

namespace lithium::tokenizer {
namespace {

constexpr std::string_view kPrefix = "tokenizer.ggml.";

std::string Key(std::string_view name) { return std::string(kPrefix) + std::string(name); }

// Token texts that end generation, whatever their type in the file. This is
// llama.cpp's list (it has no metadata key for them); matching by text is a
// workaround there too, kept so that chat models stop where they stop there.
// clang-format off
constexpr std::string_view kEndOfGenerationTexts[] = {
    "<|eot_id|>",     "<|im_end|>",      "<|end|>",          "<|return|>",
    "<|call|>",       "<|flush|>",       "<|calls|>",        "<end_of_turn>",
    "<|endoftext|>",  "</s>",            "<|eom_id|>",       "<EOT>",
    "_<EOT>",         "[EOT]",           "[EOS]",            "<|end_of_text|>",
    "<end_of_utterance>", "<eos>",       "<turn|>",          "<|tool_response>",
    "<｜end▁of▁sentence｜>", "[e~[",
};
// clang-format on

bool IsEndOfGenerationText(std::string_view text) {
  for (std::string_view t : kEndOfGenerationTexts) {
    if (text == t) return true;
  }
  return false;
}

// A special token id from the file. -1 and 0xFFFFFFFF (what converters write
// for "none" into a uint32 key) mean absent; any other id must name a token.
Status ReadTokenId(const gguf::File& file, std::string_view name, size_t n_tokens, int32_t* id) {
  const std::string key = Key(name);
  const gguf::Value* v = file.Find(key);
  if (v == nullptr) {
    // llama.cpp's defaults (1, 2, 0 for "llama") silently disable themselves
    // when the vocabulary is too small to hold them.
    if (*id >= 0 && static_cast<size_t>(*id) >= n_tokens) *id = -1;
    return Status::Ok();
  }
  if (!v->IsInteger()) {
    return Status::Invalid(file.path() + ": " + key + " has type " + ValueTypeName(v->type) +
                           ", expected an integer");
  }
  const int64_t raw = v->AsInt();
  if (raw == -1 || raw == 0xFFFFFFFFll) {
    *id = -1;
    return Status::Ok();
  }
  if (raw < 0 || static_cast<uint64_t>(raw) >= n_tokens) {
    return Status::Invalid(file.path() + ": " + key + " = " + std::to_string(raw) +
                           " is outside the vocabulary of " + std::to_string(n_tokens) + " tokens");
  }
  *id = static_cast<int32_t>(raw);
  return Status::Ok();
}

Status ReadBool(const gguf::File& file, std::string_view name, bool* out) {
  const std::string key = Key(name);
  const gguf::Value* v = file.Find(key);
  if (v == nullptr) return Status::Ok();
  if (v->type != gguf::ValueType::kBool) {
    return Status::Invalid(file.path() + ": " + key + " has type " + ValueTypeName(v->type) +
                           ", expected bool");
  }
  *out = v->u != 0;
  return Status::Ok();
}

// The array under `key`, or nullptr when absent; an error when it is not an
// array whose elements satisfy `element_ok`.
template <typename Pred>
Result<const gguf::Value*> FindArray(const gguf::File& file, const std::string& key,
                                     const char* expected, Pred element_ok) {
  const gguf::Value* v = file.Find(key);
  if (v == nullptr) return static_cast<const gguf::Value*>(nullptr);
  if (v->type != gguf::ValueType::kArray) {
    return Status::Invalid(file.path() + ": " + key + " has type " + ValueTypeName(v->type) +
                           ", expected an array of " + expected);
  }
  for (const gguf::Value& e : v->array) {
    if (!element_ok(e)) {
      return Status::Invalid(file.path() + ": " + key + " holds a " + ValueTypeName(e.type) +
                             ", expected " + expected);
    }
  }
  return v;
}

bool ContainsLowercase(std::string s, std::string_view needle) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s.find(needle) != std::string::npos;
}

}  // namespace

Result<Vocab> LoadVocab(const gguf::File& file) {
  Vocab vocab;
  {
    const gguf::Value* model = file.Find(Key("model"));
    if (model == nullptr) return Status::NotFound(file.path() + ": no " + Key("model"));
    if (model->type != gguf::ValueType::kString) {
      return Status::Invalid(file.path() + ": " + Key("model") + " is not a string");
    }
    vocab.model = model->s;
  }
  const bool bpe = vocab.model == "gpt2";
  if (vocab.model != "llama" && !bpe) {
    return Status::Unsupported(file.path() + ": tokenizer model '" + vocab.model +
                               "' is not supported (only 'llama', SentencePiece BPE, and "
                               "'gpt2', byte-level BPE)");
  }
  PreTokenizerInfo pre_info;
  if (bpe) {
    // An absent tokenizer.ggml.pre is llama.cpp's "default" pre-tokenizer
    // (it warns that quality suffers); Vocab::pre stays "" to say so. An
    // unknown name is an error, never a silent default.
    if (const gguf::Value* pre = file.Find(Key("pre")); pre != nullptr) {
      if (pre->type != gguf::ValueType::kString) {
        return Status::Invalid(file.path() + ": " + Key("pre") + " is not a string");
      }
      vocab.pre = pre->s;
    }
    auto info = FindPreTokenizer(vocab.pre);
    if (!info.ok()) return info.status().WithContext(file.path());
    pre_info = info.value();

    LI_ASSIGN_OR_RETURN(const gguf::Value* merges,
                        FindArray(file, Key("merges"), "strings", [](const gguf::Value& e) {
                          return e.type == gguf::ValueType::kString;
                        }));
    if (merges == nullptr) return Status::NotFound(file.path() + ": no " + Key("merges"));
    vocab.merges.reserve(merges->array.size());
    for (const gguf::Value& e : merges->array) vocab.merges.push_back(e.s);
  }

  LI_ASSIGN_OR_RETURN(const gguf::Value* tokens,
                      FindArray(file, Key("tokens"), "strings", [](const gguf::Value& e) {
                        return e.type == gguf::ValueType::kString;
                      }));
  if (tokens == nullptr) return Status::NotFound(file.path() + ": no " + Key("tokens"));
  const size_t n = tokens->array.size();
  vocab.tokens.reserve(n);
  for (const gguf::Value& e : tokens->array) vocab.tokens.push_back(e.s);

  LI_ASSIGN_OR_RETURN(
      const gguf::Value* scores,
      FindArray(file, Key("scores"), "numbers", [](const gguf::Value& e) { return e.IsNumber(); }));
  if (scores != nullptr) {
    if (scores->array.size() != n) {
      return Status::Invalid(file.path() + ": " + Key("scores") + " has " +
                             std::to_string(scores->array.size()) + " entries for " +
                             std::to_string(n) + " tokens");
    }
    vocab.scores.reserve(n);
    for (const gguf::Value& e : scores->array) {
      vocab.scores.push_back(static_cast<float>(e.AsDouble()));
    }
  }

  LI_ASSIGN_OR_RETURN(const gguf::Value* types,
                      FindArray(file, Key("token_type"), "integers",
                                [](const gguf::Value& e) { return e.IsInteger(); }));
  if (types != nullptr) {
    if (types->array.size() != n) {
      return Status::Invalid(file.path() + ": " + Key("token_type") + " has " +
                             std::to_string(types->array.size()) + " entries for " +
                             std::to_string(n) + " tokens");
    }
    vocab.types.reserve(n);
    for (const gguf::Value& e : types->array) {
      const int64_t t = e.AsInt();
      // llama.cpp reads unknown type numbers as UNDEFINED; so do we.
      vocab.types.push_back(t >= 0 && t <= 6 ? static_cast<int32_t>(t) : 0);
    }
  }

  if (bpe) {
    // llama.cpp's defaults for the "gpt2" model: token 11 for both BOS and
    // EOS (GPT-2's era), no unknown token, no dummy prefix, and BOS only for
    // the pre-tokenizers that ask for it (Llama 3).
    vocab.bos = 11;
    vocab.eos = 11;
    vocab.unk = -1;
    vocab.pad = -1;
    vocab.add_bos = pre_info.add_bos;
    vocab.add_eos = false;
    vocab.add_space_prefix = false;
  } else {
    // llama.cpp's defaults for the "llama" (SentencePiece) model.
    vocab.bos = 1;
    vocab.eos = 2;
    vocab.unk = 0;
    vocab.pad = -1;
    vocab.add_bos = true;
    vocab.add_eos = false;
    vocab.add_space_prefix = true;
  }
  LI_RETURN_IF_ERROR(ReadTokenId(file, "bos_token_id", n, &vocab.bos));
  LI_RETURN_IF_ERROR(ReadTokenId(file, "eos_token_id", n, &vocab.eos));
  LI_RETURN_IF_ERROR(ReadTokenId(file, "unknown_token_id", n, &vocab.unk));
  LI_RETURN_IF_ERROR(ReadTokenId(file, "padding_token_id", n, &vocab.pad));
  LI_RETURN_IF_ERROR(ReadBool(file, "add_bos_token", &vocab.add_bos));
  LI_RETURN_IF_ERROR(ReadBool(file, "add_eos_token", &vocab.add_eos));
  LI_RETURN_IF_ERROR(ReadBool(file, "add_space_prefix", &vocab.add_space_prefix));

  if (const gguf::Value* name = file.Find("general.name");
      name != nullptr && name->type == gguf::ValueType::kString) {
    vocab.rstrip_after_special =
        ContainsLowercase(name->s, "phi-3") || ContainsLowercase(name->s, "phi3");
  }

  Status s = ValidateVocab(vocab);
  if (!s.ok()) return s.WithContext(file.path());
  return vocab;
}

Status ValidateVocab(const Vocab& vocab) {
  const size_t n = vocab.tokens.size();
  if (n == 0) return Status::Invalid("the vocabulary has no tokens");
  if (n > static_cast<size_t>(INT32_MAX)) {
    return Status::Invalid("the vocabulary has too many tokens: " + std::to_string(n));
  }
  if (!vocab.scores.empty() && vocab.scores.size() != n) {
    return Status::Invalid(Key("scores") + " has " + std::to_string(vocab.scores.size()) +
                           " entries for " + std::to_string(n) + " tokens");
  }
  if (!vocab.types.empty() && vocab.types.size() != n) {
    return Status::Invalid(Key("token_type") + " has " + std::to_string(vocab.types.size()) +
                           " entries for " + std::to_string(n) + " tokens");
  }
  const std::pair<const char*, int32_t> ids[] = {
      {"bos_token_id", vocab.bos},
      {"eos_token_id", vocab.eos},
      {"unknown_token_id", vocab.unk},
      {"padding_token_id", vocab.pad},
  };
  for (const auto& [name, id] : ids) {
    if (id < -1 || (id >= 0 && static_cast<size_t>(id) >= n)) {
      return Status::Invalid(Key(name) + " = " + std::to_string(id) +
                             " is outside the vocabulary of " + std::to_string(n) + " tokens");
    }
  }
  if (vocab.add_bos && vocab.bos < 0) {
    return Status::Invalid(Key("add_bos_token") + " is true but there is no " +
                           Key("bos_token_id"));
  }
  if (vocab.add_eos && vocab.eos < 0) {
    return Status::Invalid(Key("add_eos_token") + " is true but there is no " +
                           Key("eos_token_id"));
  }
  return Status::Ok();
}

Tokenizer::Tokenizer(Vocab vocab) : vocab_(std::move(vocab)) {
  const size_t n = vocab_.tokens.size();
  // Without scores every merge ties and the leftmost wins; without types
  // every token is NORMAL. Both are what llama.cpp assumes.
  if (vocab_.scores.empty()) vocab_.scores.assign(n, 0.0f);
  if (vocab_.types.empty()) vocab_.types.assign(n, static_cast<int32_t>(TokenType::kNormal));
  for (int32_t& t : vocab_.types) {
    if (t < 0 || t > 6) t = static_cast<int32_t>(TokenType::kUndefined);
  }

  // End of generation: EOS plus every token whose text says so. llama.cpp
  // also retypes such tokens as CONTROL, which hides them from the output
  // and from special-token parsing without parse_special; we do the same.
  eog_.assign(n, 0);
  for (size_t i = 0; i < n; ++i) {
    if (!IsEndOfGenerationText(vocab_.tokens[i])) continue;
    eog_[i] = 1;
    vocab_.types[i] = static_cast<int32_t>(TokenType::kControl);
  }
  // gpt-oss style vocabularies end a turn with <|return|> or <|call|>, where
  // <|end|> only ends a message: llama.cpp then takes <|end|> off the list.
  auto find = [&](std::string_view text) -> int32_t {
    for (size_t i = 0; i < n; ++i) {
      if (vocab_.tokens[i] == text) return static_cast<int32_t>(i);
    }
    return -1;
  };
  const int32_t end_id = find("<|end|>");
  if (end_id >= 0 && ((find("<|return|>") >= 0 && find("<|call|>") >= 0) ||
                      (find("<|calls|>") >= 0 && find("<|flush|>") >= 0))) {
    eog_[static_cast<size_t>(end_id)] = 0;
    vocab_.types[static_cast<size_t>(end_id)] = static_cast<int32_t>(TokenType::kUserDefined);
  }
  if (vocab_.eos >= 0) eog_[static_cast<size_t>(vocab_.eos)] = 1;
}

bool Tokenizer::IsEndOfGeneration(int32_t id) const {
  return id >= 0 && id < n_vocab() && eog_[static_cast<size_t>(id)] != 0;
}

Result<std::unique_ptr<Tokenizer>> Tokenizer::Create(Vocab vocab) {
  LI_RETURN_IF_ERROR(ValidateVocab(vocab));
  if (vocab.model == "llama") return NewSpmTokenizer(std::move(vocab));
  if (vocab.model == "gpt2") return NewBpeTokenizer(std::move(vocab));
  return Status::Unsupported("tokenizer model '" + vocab.model +
                             "' is not supported (only 'llama', SentencePiece BPE, and 'gpt2', "
                             "byte-level BPE)");
}

}  // namespace lithium::tokenizer
