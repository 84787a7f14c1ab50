// Private to src/tokenizer: the factory behind Tokenizer::Create for
// llama.cpp's "llama" vocabulary type (SentencePiece BPE).
#pragma once

#include <memory>

#include "src/base/status.h"
#include "src/tokenizer/tokenizer.h"

namespace lithium::tokenizer {

// `vocab` must have passed ValidateVocab. Fails on duplicate token texts.
Result<std::unique_ptr<Tokenizer>> NewSpmTokenizer(Vocab vocab);

}  // namespace lithium::tokenizer
