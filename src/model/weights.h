// The tensors of a llama-style model, viewed in place in the GGUF file
// (nothing is copied). Shapes are checked against the Config at load.
#pragma once

#include <memory>
#include <vector>

#include "src/base/status.h"
#include "src/gguf/gguf.h"
#include "src/kernels/kernels.h"
#include "src/model/config.h"

namespace lithium::model {

struct LayerWeights {
  const float* attn_norm = nullptr;  // [n_embd]
  kernels::Weights wq;               // [q_dim rows, n_embd cols]
  kernels::Weights wk;               // [kv_dim, n_embd]
  kernels::Weights wv;               // [kv_dim, n_embd]
  kernels::Weights wo;               // [n_embd, q_dim]
  const float* bq = nullptr;         // [q_dim] (qkv_bias)
  const float* bk = nullptr;         // [kv_dim] (qkv_bias)
  const float* bv = nullptr;         // [kv_dim] (qkv_bias)
  const float* q_norm = nullptr;     // [head_dim] (qk_norm)
  const float* k_norm = nullptr;     // [head_dim] (qk_norm)
  const float* ffn_norm = nullptr;   // [n_embd]
  kernels::Weights w_gate;           // [n_ff, n_embd]
  kernels::Weights w_up;             // [n_ff, n_embd]
  kernels::Weights w_down;           // [n_embd, n_ff]
};

struct Weights {
  kernels::Weights token_embd;       // [n_vocab, n_embd]
  std::vector<LayerWeights> layers;  // [n_layer]
  const float* output_norm = nullptr;  // [n_embd]
  kernels::Weights output;           // [n_vocab, n_embd]; token_embd when tied
  bool tied_output = false;
  const float* rope_freqs = nullptr;  // [n_rot / 2] frequency divisors (Llama 3.1+), optional
};

// Finds every tensor, checks its type and shape; errors name the tensor.
// Sets cfg->n_vocab from the embedding matrix.
Result<Weights> LoadWeights(const gguf::File& file, Config* cfg);

}  // namespace lithium::model
