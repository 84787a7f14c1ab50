#include "src/model/weights.h"

#include <string>

#include "src/kernels/quant.h"

namespace lithium::model {
namespace {


std::string ShapeString(const std::vector<uint64_t>& dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
  return s + "]";
}

const char* TypeName(uint32_t t) {
  const char* n = gguf::TensorTypeName(t);
  return n ? n : "unknown";
}

class Finder {
 public:
  explicit Finder(const gguf::File& f) : f_(f) {}

  // A matrix with ggml dims {cols, rows}: rows of `cols` contiguous values.
  Result<kernels::Weights> Matrix(const std::string& name, int64_t rows, int64_t cols) {
    const gguf::TensorInfo* t = f_.FindTensor(name);
    if (!t) return Status::Invalid("missing tensor '" + name + "'");
    if (t->dims.size() != 2 || int64_t(t->dims[0]) != cols || int64_t(t->dims[1]) != rows) {
      return Status::Invalid("tensor '" + name + "' has shape " + ShapeString(t->dims) + ", expected [" +
                             std::to_string(cols) + ", " + std::to_string(rows) + "]");
    }
    if (!kernels::IsSupportedWeightType(t->type)) {
      return Status::Unsupported("tensor '" + name + "' has type " + TypeName(t->type) +
                                 ", which lithium does not run (F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, "
                                 "Q5_1, Q4_K, Q5_K, Q6_K)");
    }
    // Float rows are read as floats: they must be aligned to their element.
    const size_t elem = t->type == uint32_t(gguf::TensorType::kF32) ? 4 : 2;
    if (!kernels::IsQuantizedType(t->type) && reinterpret_cast<uintptr_t>(t->data) % elem != 0) {
      return Status::Invalid("tensor '" + name + "' data is not " + std::to_string(elem) + "-byte aligned");
    }
    kernels::Weights w;
    w.data = t->data;
    w.type = t->type;
    w.rows = size_t(rows);
    w.cols = size_t(cols);
    w.row_bytes = size_t(t->n_bytes / uint64_t(rows));
    return w;
  }

  // Rows [first, first + n) of a matrix: a view into a fused projection.
  static kernels::Weights Rows(const kernels::Weights& w, size_t first, size_t n) {
    kernels::Weights v = w;
    v.data = static_cast<const uint8_t*>(w.data) + first * w.row_bytes;
    v.rows = n;
    return v;
  }

  // A float32 vector of n values (norm weights).
  Result<const float*> Vector(const std::string& name, int64_t n) {
    const gguf::TensorInfo* t = f_.FindTensor(name);
    if (!t) return Status::Invalid("missing tensor '" + name + "'");
    if (t->dims.size() != 1 || int64_t(t->dims[0]) != n) {
      return Status::Invalid("tensor '" + name + "' has shape " + ShapeString(t->dims) + ", expected [" +
                             std::to_string(n) + "]");
    }
    if (t->type != uint32_t(gguf::TensorType::kF32)) {
      return Status::Unsupported("tensor '" + name + "' has type " + TypeName(t->type) + ", expected F32");
    }
    if (reinterpret_cast<uintptr_t>(t->data) % alignof(float) != 0) {
      return Status::Invalid("tensor '" + name + "' is not 4-byte aligned");
    }
    return reinterpret_cast<const float*>(t->data);
  }

 private:
  const gguf::File& f_;
};

}  // namespace

Result<Weights> LoadWeights(const gguf::File& file, Config* cfg) {
  Finder find(file);
  Weights w;
  const gguf::TensorInfo* emb = file.FindTensor("token_embd.weight");
  if (!emb) return Status::Invalid("missing tensor 'token_embd.weight'");
  if (emb->dims.size() != 2 || emb->dims[1] < 1 || emb->dims[1] > (1u << 24)) {
    return Status::Invalid("tensor 'token_embd.weight' has shape " + ShapeString(emb->dims));
  }
  cfg->n_vocab = int64_t(emb->dims[1]);
  const int64_t d = cfg->n_embd;
  LI_ASSIGN_OR_RETURN(w.token_embd, find.Matrix("token_embd.weight", cfg->n_vocab, d));
  LI_ASSIGN_OR_RETURN(w.output_norm, find.Vector("output_norm.weight", d));
  if (file.FindTensor("output.weight")) {
    LI_ASSIGN_OR_RETURN(w.output, find.Matrix("output.weight", cfg->n_vocab, d));
  } else {
    w.output = w.token_embd;  // tied embeddings
    w.tied_output = true;
  }
  if (file.FindTensor("rope_freqs.weight")) {
    LI_ASSIGN_OR_RETURN(w.rope_freqs, find.Vector("rope_freqs.weight", cfg->n_rot / 2));
    for (int64_t i = 0; i < cfg->n_rot / 2; ++i) {
      if (!(w.rope_freqs[i] > 0.0f && w.rope_freqs[i] < 1e9f)) {
        return Status::Invalid("tensor 'rope_freqs.weight' has a non-positive or huge factor at " + std::to_string(i));
      }
    }
  }
  // Phi-3's long-context variants scale RoPE with two factor sets (LongRoPE);
  // running them without it would be silently wrong.
  if (file.FindTensor("rope_factors_long.weight") || file.FindTensor("rope_factors_short.weight")) {
    return Status::Unsupported("LongRoPE factors (rope_factors_long/short) are not supported");
  }
  w.layers.resize(size_t(cfg->n_layer));
  for (int64_t i = 0; i < cfg->n_layer; ++i) {
    const std::string p = "blk." + std::to_string(i) + ".";
    LayerWeights& l = w.layers[size_t(i)];
    const int64_t qd = cfg->q_dim(), kvd = cfg->kv_dim();
    LI_ASSIGN_OR_RETURN(l.attn_norm, find.Vector(p + "attn_norm.weight", d));
    if (cfg->fused_qkv) {
      LI_ASSIGN_OR_RETURN(auto qkv, find.Matrix(p + "attn_qkv.weight", qd + 2 * kvd, d));
      l.wq = Finder::Rows(qkv, 0, size_t(qd));
      l.wk = Finder::Rows(qkv, size_t(qd), size_t(kvd));
      l.wv = Finder::Rows(qkv, size_t(qd + kvd), size_t(kvd));
    } else {
      LI_ASSIGN_OR_RETURN(l.wq, find.Matrix(p + "attn_q.weight", qd, d));
      LI_ASSIGN_OR_RETURN(l.wk, find.Matrix(p + "attn_k.weight", kvd, d));
      LI_ASSIGN_OR_RETURN(l.wv, find.Matrix(p + "attn_v.weight", kvd, d));
    }
    if (cfg->qkv_bias) {
      LI_ASSIGN_OR_RETURN(l.bq, find.Vector(p + "attn_q.bias", qd));
      LI_ASSIGN_OR_RETURN(l.bk, find.Vector(p + "attn_k.bias", kvd));
      LI_ASSIGN_OR_RETURN(l.bv, find.Vector(p + "attn_v.bias", kvd));
    }
    if (cfg->qk_norm) {
      LI_ASSIGN_OR_RETURN(l.q_norm, find.Vector(p + "attn_q_norm.weight", cfg->head_dim));
      LI_ASSIGN_OR_RETURN(l.k_norm, find.Vector(p + "attn_k_norm.weight", cfg->head_dim));
    }
    LI_ASSIGN_OR_RETURN(l.wo, find.Matrix(p + "attn_output.weight", d, qd));
    LI_ASSIGN_OR_RETURN(l.ffn_norm, find.Vector(p + "ffn_norm.weight", d));
    if (cfg->fused_gate_up) {
      LI_ASSIGN_OR_RETURN(auto gate_up, find.Matrix(p + "ffn_up.weight", 2 * cfg->n_ff, d));
      l.w_gate = Finder::Rows(gate_up, 0, size_t(cfg->n_ff));
      l.w_up = Finder::Rows(gate_up, size_t(cfg->n_ff), size_t(cfg->n_ff));
    } else {
      LI_ASSIGN_OR_RETURN(l.w_gate, find.Matrix(p + "ffn_gate.weight", cfg->n_ff, d));
      LI_ASSIGN_OR_RETURN(l.w_up, find.Matrix(p + "ffn_up.weight", cfg->n_ff, d));
    }
    LI_ASSIGN_OR_RETURN(l.w_down, find.Matrix(p + "ffn_down.weight", d, cfg->n_ff));
  }
  return w;
}

}  // namespace lithium::model
