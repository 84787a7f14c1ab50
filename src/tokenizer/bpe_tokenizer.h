// Private to src/tokenizer: the factory behind Tokenizer::Create for
// llama.cpp's "gpt2" vocabulary type (byte-level BPE).
#pragma once

#include <memory>

#include "src/base/status.h"
#include "src/tokenizer/tokenizer.h"

namespace lithium::tokenizer {

// `vocab` must have passed ValidateVocab. Fails on duplicate token texts and
// (Unsupported) on a Vocab::pre that names no known pre-tokenizer.
Result<std::unique_ptr<Tokenizer>> NewBpeTokenizer(Vocab vocab);

}  // namespace lithium::tokenizer
