// Models for the batch engine tests: the shared stories260K and seeded
// generated models of each architecture and weight type, written once per
// test binary with lithium-genmodel and `lithium quantize` (both built with
// the tests). Every one needs ../shared (the model or a vocabulary).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "src/gguf/gguf.h"
#include "src/model/model.h"
#include "src/tokenizer/tokenizer.h"

namespace lithium::testing_models {

struct TestModel {
  std::string name;  // e.g. "qwen3-tiny-bf16"
  std::string path;
  std::shared_ptr<gguf::File> file;
  std::unique_ptr<model::Model> model;
  std::unique_ptr<tokenizer::Tokenizer> tok;
};

// The names GetModel accepts.
const std::vector<std::string>& ModelNames();

// Loads (generating on first use) a model; null with *why set when the
// shared data is absent or generation failed.
const TestModel* GetModel(const std::string& name, std::string* why);

// Four prompts of different lengths (3..40 tokens) valid for the model.
std::vector<std::vector<int32_t>> TestPrompts(const TestModel& m);

}  // namespace lithium::testing_models
