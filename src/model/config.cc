#include "src/model/config.h"

namespace lithium::model {
namespace {

// Architectures whose forward pass is the llama block with variants, as
// llama.cpp defines them. SmolLM2 and Mistral GGUFs use arch "llama".
bool SetArchitecture(Config* c) {
  const std::string& a = c->arch;
  if (a == "llama" || a == "mistral") {
    c->rope_style = RopeStyle::kAdjacent;
  } else if (a == "qwen2") {
    c->rope_style = RopeStyle::kNeox;
    c->qkv_bias = true;
  } else if (a == "qwen3") {
    c->rope_style = RopeStyle::kNeox;
    c->qk_norm = true;
  } else if (a == "phi3") {
    c->rope_style = RopeStyle::kNeox;
    c->fused_qkv = true;
    c->fused_gate_up = true;
  } else {
    return false;
  }
  return true;
}

}  // namespace

Result<Config> ReadConfig(const gguf::File& f) {
  Config c;
  LI_ASSIGN_OR_RETURN(c.arch, f.GetString("general.architecture"));
  if (!SetArchitecture(&c)) {
    return Status::Unsupported("architecture '" + c.arch +
                               "' is not supported (supported: llama, mistral, qwen2, qwen3, phi3)");
  }
  const std::string a = c.arch + ".";
  auto required = [&](const std::string& key, int64_t* out) -> Status {
    auto v = f.GetInt(a + key);
    if (!v.ok()) {
      if (v.status().code() == StatusCode::kNotFound) return Status::Invalid("missing required key '" + a + key + "'");
      return v.status();
    }
    *out = *v;
    return Status::Ok();
  };
  LI_RETURN_IF_ERROR(required("embedding_length", &c.n_embd));
  LI_RETURN_IF_ERROR(required("block_count", &c.n_layer));
  LI_RETURN_IF_ERROR(required("attention.head_count", &c.n_head));
  LI_RETURN_IF_ERROR(required("feed_forward_length", &c.n_ff));
  LI_ASSIGN_OR_RETURN(c.n_head_kv, f.GetIntOr(a + "attention.head_count_kv", c.n_head));
  LI_ASSIGN_OR_RETURN(c.n_ctx_train, f.GetIntOr(a + "context_length", 2048));
  LI_ASSIGN_OR_RETURN(double eps, f.GetFloatOr(a + "attention.layer_norm_rms_epsilon", 1e-5));
  LI_ASSIGN_OR_RETURN(double base, f.GetFloatOr(a + "rope.freq_base", 10000.0));
  c.rms_eps = static_cast<float>(eps);
  c.rope_freq_base = static_cast<float>(base);

  auto in_range = [&](const char* name, int64_t v, int64_t lo, int64_t hi) -> Status {
    if (v < lo || v > hi) {
      return Status::Invalid("key '" + a + name + "' = " + std::to_string(v) + " is out of range [" +
                             std::to_string(lo) + ", " + std::to_string(hi) + "]");
    }
    return Status::Ok();
  };
  LI_RETURN_IF_ERROR(in_range("embedding_length", c.n_embd, 1, 1 << 16));
  LI_RETURN_IF_ERROR(in_range("block_count", c.n_layer, 1, 1024));
  LI_RETURN_IF_ERROR(in_range("attention.head_count", c.n_head, 1, 1024));
  LI_RETURN_IF_ERROR(in_range("attention.head_count_kv", c.n_head_kv, 1, c.n_head));
  LI_RETURN_IF_ERROR(in_range("feed_forward_length", c.n_ff, 1, 1 << 20));
  LI_RETURN_IF_ERROR(in_range("context_length", c.n_ctx_train, 1, 1 << 24));
  if (c.n_head % c.n_head_kv != 0) {
    return Status::Invalid("attention.head_count " + std::to_string(c.n_head) +
                           " is not a multiple of head_count_kv " + std::to_string(c.n_head_kv));
  }
  if (!(c.rms_eps > 0.0f && c.rms_eps < 1.0f)) return Status::Invalid("key '" + a + "attention.layer_norm_rms_epsilon' is out of range");
  if (!(c.rope_freq_base > 0.0f && c.rope_freq_base < 1e12f)) return Status::Invalid("key '" + a + "rope.freq_base' is out of range");

  LI_ASSIGN_OR_RETURN(c.head_dim, f.GetIntOr(a + "attention.key_length", c.n_embd / c.n_head));
  LI_RETURN_IF_ERROR(in_range("attention.key_length", c.head_dim, 1, 1 << 12));
  LI_ASSIGN_OR_RETURN(int64_t vdim, f.GetIntOr(a + "attention.value_length", c.head_dim));
  if (vdim != c.head_dim) return Status::Unsupported("attention.value_length != key_length is not supported");
  LI_ASSIGN_OR_RETURN(c.n_rot, f.GetIntOr(a + "rope.dimension_count", c.head_dim));
  if (c.n_rot < 0 || c.n_rot > c.head_dim || c.n_rot % 2 != 0) {
    return Status::Invalid("key '" + a + "rope.dimension_count' = " + std::to_string(c.n_rot) +
                           " must be even and at most the head size " + std::to_string(c.head_dim));
  }
  // RoPE scaling: linear position interpolation is supported; Llama 3's
  // frequency factors come as the rope_freqs tensor (weights.cc). Anything
  // else would silently change the model, so it is an error.
  if (const gguf::Value* v = f.Find(a + "rope.scaling.type")) {
    if (v->type != gguf::ValueType::kString) return Status::Invalid("key '" + a + "rope.scaling.type' is not a string");
    LI_ASSIGN_OR_RETURN(double factor, f.GetFloatOr(a + "rope.scaling.factor", 1.0));
    if (v->s == "linear") {
      if (!(factor >= 1.0 && factor <= 1024.0)) return Status::Invalid("key '" + a + "rope.scaling.factor' is out of range");
      c.rope_linear_scale = static_cast<float>(factor);
    } else if (v->s != "none" && !(factor == 1.0)) {
      return Status::Unsupported("RoPE scaling type '" + v->s + "' is not supported (supported: none, linear)");
    }
  }
  return c;
}

}  // namespace lithium::model
