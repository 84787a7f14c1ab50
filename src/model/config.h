// Hyperparameters of a decoder-only transformer, read from GGUF metadata
// ("<arch>.<key>"), with llama.cpp's documented defaults for absent keys.
#pragma once

#include <cstdint>
#include <string>

#include "src/base/status.h"
#include "src/gguf/gguf.h"

namespace lithium::model {

enum class RopeStyle {
  kAdjacent,  // rotate pairs (2i, 2i+1): llama.cpp's "normal" rope, arch llama
  kNeox,      // rotate pairs (i, i + n_rot/2): the GPT-NeoX layout (qwen2, phi3, ...)
};

struct Config {
  std::string arch;          // general.architecture
  int64_t n_vocab = 0;       // rows of token_embd.weight
  int64_t n_embd = 0;        // <arch>.embedding_length
  int64_t n_layer = 0;       // <arch>.block_count
  int64_t n_head = 0;        // <arch>.attention.head_count
  int64_t n_head_kv = 0;     // <arch>.attention.head_count_kv (default n_head)
  int64_t head_dim = 0;      // <arch>.attention.key_length (default n_embd / n_head)
  int64_t n_ff = 0;          // <arch>.feed_forward_length
  int64_t n_ctx_train = 0;   // <arch>.context_length (default 2048)
  float rms_eps = 1e-5f;     // <arch>.attention.layer_norm_rms_epsilon
  float rope_freq_base = 10000.0f;  // <arch>.rope.freq_base
  int64_t n_rot = 0;         // <arch>.rope.dimension_count (default head_dim)
  RopeStyle rope_style = RopeStyle::kAdjacent;
  float rope_linear_scale = 1.0f;  // <arch>.rope.scaling.factor with type "linear"

  // Architecture variants of the llama block.
  bool qkv_bias = false;       // qwen2: biases on the q, k, v projections
  bool qk_norm = false;        // qwen3: RMSNorm of each q and k head before RoPE
  bool fused_qkv = false;      // phi3: one attn_qkv matrix [q | k | v]
  bool fused_gate_up = false;  // phi3: one ffn_up matrix [gate | up]

  int64_t q_dim() const { return n_head * head_dim; }
  int64_t kv_dim() const { return n_head_kv * head_dim; }
};

// Reads and validates the hyperparameters. Unknown architectures and
// missing required keys are errors that name them.
Result<Config> ReadConfig(const gguf::File& file);

}  // namespace lithium::model
