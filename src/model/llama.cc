// The llama forward pass (Touvron et al. 2023), one step per comment, for a
// chunk of T rows: tokens appended to one or several sequences. Activations are row-major
// [T, width]. Threads split independent outputs only: matrix rows and
// (token, head) pairs of attention.
#include <algorithm>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "src/base/half.h"
#include "src/kernels/math.h"
#include "src/kernels/quant.h"
#include "src/model/model.h"

namespace lithium::model {
namespace {

// Rows per thread task: enough to amortise the handoff.
constexpr size_t kRowGrain = 16;

// Quantized activations reused across calls, one per use in a layer; a
// named reference, because a lambda running on a worker thread would
// otherwise see that thread's own (empty) instance.
enum ActSlot { kActMatmul, kActProjections, kActFfnProduct, kActSlots };
kernels::ActQ8& ActScratch(ActSlot slot) {
#if defined(LITHIUM_NO_THREADS)
  // wasm32-wasi: one thread, and no __cxa_thread_atexit to run a
  // thread_local's destructor, so a plain static is the same thing.
  static kernels::ActQ8 acts[kActSlots];
#else
  thread_local kernels::ActQ8 acts[kActSlots];
#endif
  return acts[slot];
}

// y[T, rows] = act W^T for activations already quantized.
void MatmulQuantized(const kernels::Ops& ops, ThreadPool& pool, const kernels::Weights& w,
                     const kernels::ActQ8& act, float* y) {
  pool.ParallelFor(w.rows, kRowGrain, [&](size_t r0, size_t r1) { ops.matmul_q(w, act, y, w.rows, r0, r1); });
}

// y[T, rows] = x[T, cols] W^T. Quantized weights first quantize the
// activations to int8 blocks (once, shared by all threads).
void Matmul(const kernels::Ops& ops, ThreadPool& pool, const kernels::Weights& w, const float* x,
            size_t n_tokens, float* y) {
  if (kernels::IsQuantizedType(w.type)) {
    kernels::ActQ8& act = ActScratch(kActMatmul);
    ops.quantize_act(x, n_tokens, w.cols, &act);
    MatmulQuantized(ops, pool, w, act, y);
    return;
  }
  pool.ParallelFor(w.rows, kRowGrain, [&](size_t r0, size_t r1) {
    ops.matmul(w, x, n_tokens, y, w.rows, r0, r1);
  });
}

// Several matrices applied to the same input (q, k and v): quantized
// activations computed once, and one split of all the matrices' rows over
// the pool instead of a hand-off per matrix (k and v of a small model are
// 128 rows: less work than the hand-off). Each output row is computed
// exactly as Matmul computes it.
struct Projection {
  const kernels::Weights* w;
  float* y;
};
void MatmulSameInput(const kernels::Ops& ops, ThreadPool& pool, std::initializer_list<Projection> ps, const float* x,
                     size_t n_tokens) {
  bool fused = true;
  size_t total = 0;
  for (const Projection& p : ps) {
    fused = fused && kernels::IsQuantizedType(p.w->type) && p.w->cols == ps.begin()->w->cols;
    total += p.w->rows;
  }
  if (!fused) {
    for (const Projection& p : ps) Matmul(ops, pool, *p.w, x, n_tokens, p.y);
    return;
  }
  kernels::ActQ8& act = ActScratch(kActProjections);
  ops.quantize_act(x, n_tokens, ps.begin()->w->cols, &act);
  pool.ParallelFor(total, kRowGrain, [&](size_t r0, size_t r1) {
    size_t offset = 0;
    for (const Projection& p : ps) {
      const size_t b = std::max(r0, offset), e = std::min(r1, offset + p.w->rows);
      if (b < e) ops.matmul_q(*p.w, act, p.y, p.w->rows, b - offset, e - offset);
      offset += p.w->rows;
    }
  });
}

// The feed-forward block's input side (SwiGLU):
//   gate = silu(W_gate xb) * (W_up xb),
// and, when W_down is quantized, gate quantized for it. With quantized gate
// and up weights this is one pass over the pool: each range of n_ff indices
// (whole 32-blocks) computes those rows of both matrices, their product and
// its blocks of W_down's input. The product and its quantization (four
// times the work with four sequences) then leave the calling thread, at no
// extra hand-off; every value is the one the separate steps give.
// Returns W_down's quantized input, or nullptr when the caller must use
// Matmul on gate.
const kernels::ActQ8* FeedForwardIn(const kernels::Ops& ops, ThreadPool& pool, const LayerWeights& lw,
                                    const float* xb, size_t n_tokens, size_t ff, float* gate, float* up) {
  const bool fused = kernels::IsQuantizedType(lw.w_gate.type) && kernels::IsQuantizedType(lw.w_up.type) &&
                     lw.w_gate.cols == lw.w_up.cols && lw.w_gate.rows == ff && lw.w_up.rows == ff;
  if (!fused) {
    MatmulSameInput(ops, pool, {{&lw.w_gate, gate}, {&lw.w_up, up}}, xb, n_tokens);
    ops.swiglu(gate, up, n_tokens * ff, gate);
    return nullptr;
  }
  const bool quantize = kernels::IsQuantizedType(lw.w_down.type) && ff % kernels::kQBlock == 0;
  kernels::ActQ8& act = ActScratch(kActProjections);
  ops.quantize_act(xb, n_tokens, lw.w_gate.cols, &act);
  kernels::ActQ8& product = ActScratch(kActFfnProduct);
  if (quantize) product.Resize(n_tokens, ff);
  pool.ParallelFor(ff, quantize ? kernels::kQBlock : kRowGrain, [&](size_t r0, size_t r1) {
    ops.matmul_q(lw.w_gate, act, gate, ff, r0, r1);
    ops.matmul_q(lw.w_up, act, up, ff, r0, r1);
    for (size_t t = 0; t < n_tokens; ++t) {
      ops.swiglu(gate + t * ff + r0, up + t * ff + r0, r1 - r0, gate + t * ff + r0);
      if (quantize) {
        ops.quantize_act_blocks(gate, (t * ff + r0) / kernels::kQBlock, (t * ff + r1) / kernels::kQBlock, &product);
      }
    }
  });
  return quantize ? &product : nullptr;
}

// Looks up one embedding row as float (ggml's dequantization for every type).
void EmbeddingRow(const kernels::Weights& e, int32_t token, float* out) {
  kernels::DequantizeRow(e.type, static_cast<const uint8_t*>(e.data) + size_t(token) * e.row_bytes, e.cols, out);
}

// cos/sin of (pos / linear_scale) * base^(-2i/n_rot) / freq_factor[i] for
// i < n_rot/2, computed in double with the project's own functions and
// rounded once, so every platform agrees.
void RopeAngles(const Config& c, const float* freq_factors, int64_t pos, float* cos_sin) {
  const double log_base = kernels::LogD(double(c.rope_freq_base));
  const double p = double(pos) / double(c.rope_linear_scale);
  for (int64_t i = 0; i < c.n_rot / 2; ++i) {
    double inv_freq = kernels::ExpD(-double(2 * i) / double(c.n_rot) * log_base);
    double theta = p * inv_freq;
    if (freq_factors) theta = theta / double(freq_factors[i]);
    double s, co;
    kernels::SinCosD(theta, &s, &co);
    cos_sin[2 * i] = float(co);
    cos_sin[2 * i + 1] = float(s);
  }
}

}  // namespace

Status RunForward(const Model& model, KvCache& cache, std::span<const int32_t> tokens,
                  const kernels::Ops& ops, ThreadPool& pool, std::vector<float>* logits) {
  const BatchEntry one{&cache, tokens, logits};
  return RunForwardBatch(model, std::span(&one, 1), ops, pool);
}

Status RunForwardBatch(const Model& model, std::span<const BatchEntry> batch, const kernels::Ops& ops,
                       ThreadPool& pool) {
  const Config& c = model.config();
  const Weights& w = model.weights();
  if (batch.empty()) return Status::Invalid("no sequences to evaluate");

  // Every row of the batch, in entry order: which sequence it belongs to and
  // its position there. Validated before any cache is touched.
  struct Row {
    KvCache* cache;
    int64_t pos;
  };
  std::vector<Row> rows;
  size_t n_logits = 0;
  for (size_t e = 0; e < batch.size(); ++e) {
    const BatchEntry& b = batch[e];
    if (b.cache == nullptr || b.tokens.empty()) return Status::Invalid("no tokens to evaluate");
    for (size_t f = 0; f < e; ++f) {
      if (batch[f].cache == b.cache) return Status::Invalid("two batch entries share one KV cache");
    }
    const int64_t pos0 = b.cache->n_past();
    if (pos0 + int64_t(b.tokens.size()) > b.cache->n_ctx()) {
      return Status::OutOfRange("context overflow: " + std::to_string(pos0 + int64_t(b.tokens.size())) +
                                " tokens exceed the context size " + std::to_string(b.cache->n_ctx()) +
                                " (raise it with -c, up to the model's " + std::to_string(c.n_ctx_train) + ")");
    }
    for (int32_t t : b.tokens) {
      if (t < 0 || t >= c.n_vocab) {
        return Status::Invalid("token id " + std::to_string(t) + " is outside the vocabulary [0, " +
                               std::to_string(c.n_vocab) + ")");
      }
    }
    for (size_t t = 0; t < b.tokens.size(); ++t) rows.push_back({b.cache, pos0 + int64_t(t)});
    if (b.logits) ++n_logits;
  }

  const size_t T = rows.size();  // rows of every sequence together
  const size_t d = size_t(c.n_embd), qd = size_t(c.q_dim()), kvd = size_t(c.kv_dim());
  const size_t hd = size_t(c.head_dim), ff = size_t(c.n_ff);
  const size_t group = size_t(c.n_head / c.n_head_kv);  // query heads per kv head
  std::vector<float> x(T * d);          // residual stream [T, d]
  std::vector<float> xb(T * d);         // normed input [T, d]
  std::vector<float> q(T * qd);         // queries [T, n_head * head_dim]
  std::vector<float> k(T * kvd), v(T * kvd);  // new keys and values [T, kv_dim]
  std::vector<float> att(T * qd);       // attention output [T, q_dim]
  std::vector<float> proj(T * d);       // output projections [T, d]
  std::vector<float> gate(T * ff), up(T * ff);  // feed-forward [T, n_ff]
  std::vector<float> cos_sin(T * size_t(c.n_rot));  // per row [n_rot/2][cos, sin]
  size_t max_keys = 0;                  // longest attention span of any row
  for (const Row& r : rows) max_keys = std::max(max_keys, size_t(r.pos) + 1);

  // Token embeddings and rotary angles at each row's own position.
  {
    size_t t = 0;
    for (const BatchEntry& b : batch) {
      for (int32_t tok : b.tokens) EmbeddingRow(w.token_embd, tok, &x[t++ * d]);
    }
  }
  for (size_t t = 0; t < T; ++t) RopeAngles(c, w.rope_freqs, rows[t].pos, &cos_sin[t * size_t(c.n_rot)]);
  const float scale = 1.0f / __builtin_sqrtf(float(hd));

  for (int64_t l = 0; l < c.n_layer; ++l) {
    const LayerWeights& lw = w.layers[size_t(l)];

    // Attention block: xb = RMSNorm(x) * attn_norm.
    for (size_t t = 0; t < T; ++t) ops.rmsnorm(&x[t * d], lw.attn_norm, d, c.rms_eps, &xb[t * d]);

    // Projections of all rows at once.
    MatmulSameInput(ops, pool, {{&lw.wq, q.data()}, {&lw.wk, k.data()}, {&lw.wv, v.data()}}, xb.data(), T);

    // qwen2: projection biases.
    if (c.qkv_bias) {
      for (size_t t = 0; t < T; ++t) {
        ops.add(&q[t * qd], lw.bq, qd);
        ops.add(&k[t * kvd], lw.bk, kvd);
        ops.add(&v[t * kvd], lw.bv, kvd);
      }
    }
    // qwen3: RMSNorm of every query and key head (over head_dim).
    if (c.qk_norm) {
      for (size_t t = 0; t < T; ++t) {
        for (int64_t h = 0; h < c.n_head; ++h) {
          float* qh = &q[t * qd + size_t(h) * hd];
          ops.rmsnorm(qh, lw.q_norm, hd, c.rms_eps, qh);
        }
        for (int64_t h = 0; h < c.n_head_kv; ++h) {
          float* kh = &k[t * kvd + size_t(h) * hd];
          ops.rmsnorm(kh, lw.k_norm, hd, c.rms_eps, kh);
        }
      }
    }

    // Rotary position embedding of queries and keys; keys and values go
    // into their own sequence's cache.
    for (size_t t = 0; t < T; ++t) {
      const float* cs = &cos_sin[t * size_t(c.n_rot)];
      const bool neox = c.rope_style == RopeStyle::kNeox;
      ops.rope(&q[t * qd], size_t(c.n_head), hd, size_t(c.n_rot), cs, neox);
      ops.rope(&k[t * kvd], size_t(c.n_head_kv), hd, size_t(c.n_rot), cs, neox);
      std::memcpy(rows[t].cache->k(l, rows[t].pos), &k[t * kvd], kvd * 4);
      std::memcpy(rows[t].cache->v(l, rows[t].pos), &v[t * kvd], kvd * 4);
    }

    // Causal grouped-query attention: a row at position p sees positions
    // 0 .. p of its own sequence.
    pool.ParallelFor(T * size_t(c.n_head), 1, [&](size_t b, size_t e) {
      std::vector<float> scores(max_keys);
      for (size_t i = b; i < e; ++i) {
        const size_t t = i / size_t(c.n_head), h = i % size_t(c.n_head);
        const size_t kvh = h / group;
        KvCache& cache = *rows[t].cache;
        ops.attention(&q[t * qd + h * hd], cache.k(l, 0) + kvh * hd, cache.v(l, 0) + kvh * hd, kvd,
                      size_t(rows[t].pos) + 1, hd, scale, scores.data(), &att[t * qd + h * hd]);
      }
    });

    // Output projection and residual: x += Wo att.
    Matmul(ops, pool, lw.wo, att.data(), T, proj.data());
    ops.add(x.data(), proj.data(), T * d);

    // Feed-forward block (SwiGLU): x += W_down (silu(W_gate xb) * W_up xb).
    for (size_t t = 0; t < T; ++t) ops.rmsnorm(&x[t * d], lw.ffn_norm, d, c.rms_eps, &xb[t * d]);
    const kernels::ActQ8* product = FeedForwardIn(ops, pool, lw, xb.data(), T, ff, gate.data(), up.data());
    if (product != nullptr) {
      MatmulQuantized(ops, pool, lw.w_down, *product, proj.data());
    } else {
      Matmul(ops, pool, lw.w_down, gate.data(), T, proj.data());
    }
    ops.add(x.data(), proj.data(), T * d);
  }
  for (const BatchEntry& b : batch) b.cache->SetPast(b.cache->n_past() + int64_t(b.tokens.size()));
  if (n_logits == 0) return Status::Ok();

  // Final norm and the vocabulary projection, for the last row of each
  // sequence that wants logits.
  const size_t n_vocab = size_t(c.n_vocab);
  std::vector<float> last(n_logits * d);  // [n_logits, d]
  {
    size_t row_end = 0, i = 0;
    for (const BatchEntry& b : batch) {
      row_end += b.tokens.size();
      if (b.logits) ops.rmsnorm(&x[(row_end - 1) * d], w.output_norm, d, c.rms_eps, &last[i++ * d]);
    }
  }
  if (n_logits == 1) {
    // One row (a lone sequence): straight into its vector, no copy.
    for (const BatchEntry& b : batch) {
      if (!b.logits) continue;
      b.logits->resize(n_vocab);
      Matmul(ops, pool, w.output, last.data(), 1, b.logits->data());
    }
    return Status::Ok();
  }
  // [n_logits, n_vocab], every element written by the matmul: no zero fill.
  std::unique_ptr<float[]> out(new float[n_logits * n_vocab]);
  Matmul(ops, pool, w.output, last.data(), n_logits, out.get());
  size_t i = 0;
  for (const BatchEntry& b : batch) {
    if (!b.logits) continue;
    b.logits->assign(out.get() + i * n_vocab, out.get() + (i + 1) * n_vocab);
    ++i;
  }
  return Status::Ok();
}

}  // namespace lithium::model
