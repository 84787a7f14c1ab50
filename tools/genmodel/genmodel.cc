// lithium-genmodel: writes seeded random-weight GGUF models of each supported
// architecture, with a real vocabulary copied from a vocabulary-only GGUF
// (../shared/vocab). Tests use the small shapes; benchmarks use the real
// shapes (Qwen2.5-0.5B, Llama-3.2-1B). The same command writes the same bytes.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "src/base/half.h"
#include "src/gguf/gguf.h"
#include "tools/lithium/args.h"

namespace lithium::genmodel {
namespace {

struct Shape {
  int64_t n_embd, n_layer, n_head, n_head_kv, n_ff, n_ctx, n_vocab;  // n_vocab 0: the vocabulary's size
  double rope_base;
  bool tied;
};

Result<Shape> ShapeFor(const std::string& name, const std::string& arch) {
  if (name == "tiny") return Shape{64, 2, 4, 2, 128, 512, 0, arch == "llama" ? 10000.0 : 1000000.0, arch == "qwen2"};
  if (name == "small") return Shape{256, 4, 8, 4, 640, 2048, 0, 10000.0, false};
  if (name == "qwen2.5-0.5b") return Shape{896, 24, 14, 2, 4864, 32768, 151936, 1000000.0, true};
  if (name == "llama-3.2-1b") return Shape{2048, 16, 32, 8, 8192, 131072, 128256, 500000.0, true};
  return Status::Usage("unknown --shape '" + name + "' (tiny, small, qwen2.5-0.5b, llama-3.2-1b)");
}

// SplitMix64: a tiny seeded generator; the stream for each tensor is keyed
// by the seed and the tensor's name, so tensors do not depend on order.
class Rng {
 public:
  Rng(uint64_t seed, const std::string& name) : s_(seed * 0x9E3779B97F4A7C15ull) {
    for (unsigned char c : name) s_ = (s_ ^ c) * 0x100000001B3ull;
  }
  uint64_t Next() {
    uint64_t z = (s_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [-1, 1).
  float Uniform() { return float(double(Next() >> 11) * (2.0 / 9007199254740992.0) - 1.0); }

 private:
  uint64_t s_;
};

class Builder {
 public:
  Builder(uint32_t type, uint64_t seed) : type_(type), seed_(seed) {}
  gguf::Writer& writer() { return w_; }

  // A matrix of `rows` x `cols` with uniform values of variance 1/cols, so
  // activations keep their scale through the layers.
  Status Matrix(const std::string& name, int64_t rows, int64_t cols) {
    Rng rng(seed_, name);
    const float a = float(std::sqrt(3.0 / double(cols)));
    const size_t n = size_t(rows * cols);
    std::vector<uint8_t> bytes(n * (type_ == 0 ? 4 : 2));
    for (size_t i = 0; i < n; ++i) {
      float x = a * rng.Uniform();
      if (type_ == uint32_t(gguf::TensorType::kF32)) {
        std::memcpy(&bytes[4 * i], &x, 4);
      } else {
        uint16_t h = type_ == uint32_t(gguf::TensorType::kF16) ? F32ToF16(x) : F32ToBf16(x);
        std::memcpy(&bytes[2 * i], &h, 2);
      }
    }
    return w_.AddTensor(name, type_, {uint64_t(cols), uint64_t(rows)}, bytes.data(), bytes.size());
  }

  // A float32 vector: center + spread * uniform.
  Status Vector(const std::string& name, int64_t n, float center, float spread) {
    Rng rng(seed_, name);
    std::vector<float> v(static_cast<size_t>(n));
    for (auto& x : v) x = center + spread * rng.Uniform();
    return w_.AddTensor(name, 0, {uint64_t(n)}, v.data(), v.size() * 4);
  }

  Status Raw(const std::string& name, const std::vector<float>& v) {
    return w_.AddTensor(name, 0, {uint64_t(v.size())}, v.data(), v.size() * 4);
  }

 private:
  gguf::Writer w_;
  uint32_t type_;
  uint64_t seed_;
};

// Llama 3's frequency factors (as its converter computes them for
// rope_scaling type "llama3": factor 32, low 1, high 4, original context 8192).
std::vector<float> Llama3RopeFactors(int64_t n_rot, double base) {
  const double factor = 32, low = 1, high = 4, old_ctx = 8192;
  const double low_wavelen = old_ctx / low, high_wavelen = old_ctx / high;
  std::vector<float> out;
  for (int64_t i = 0; i < n_rot; i += 2) {
    double freq = 1.0 / std::pow(base, double(i) / double(n_rot));
    double wavelen = 2 * M_PI / freq;
    if (wavelen < high_wavelen) {
      out.push_back(1.0f);
    } else if (wavelen > low_wavelen) {
      out.push_back(float(factor));
    } else {
      double smooth = (old_ctx / wavelen - low) / (high - low);
      out.push_back(float(1.0 / ((1 - smooth) / factor + smooth)));
    }
  }
  return out;
}

int Main(int argc, char** argv) {
  std::string arch = "llama", shape_name = "tiny", vocab_path, out, type_name = "f32";
  int64_t seed = 1;
  bool llama3_rope = false;
  cli::Args args("genmodel", "lithium-genmodel --arch ARCH --vocab VOCAB.gguf --out FILE [options]");
  args.String(&arch, "--arch", "ARCH", "llama, qwen2, qwen3 or phi3 (default llama)");
  args.String(&shape_name, "--shape", "NAME", "tiny, small, qwen2.5-0.5b or llama-3.2-1b (default tiny)");
  args.String(&vocab_path, "--vocab", "FILE", "GGUF whose tokenizer.* metadata is copied (e.g. ../shared/vocab/...)");
  args.String(&out, "--out", "FILE", "output GGUF path");
  args.String(&type_name, "--type", "f32|f16|bf16", "matrix type (norms and biases stay F32; default f32)");
  args.Int(&seed, "--seed", "S", "seed (default 1)");
  args.Flag(&llama3_rope, "--llama3-rope", "add a rope_freqs tensor with Llama 3's scaling factors");
  Status st = args.Parse(argc, argv, 1);
  auto fail = [](const Status& s) {
    std::fprintf(stderr, "lithium-genmodel: %s\n", s.message().c_str());
    return 2;
  };
  if (!st.ok()) return fail(st);
  if (args.help_requested()) {
    std::fputs(args.Help().c_str(), stdout);
    return 0;
  }
  if (vocab_path.empty() || out.empty()) return fail(Status::Usage("--vocab and --out are required"));
  uint32_t type = type_name == "f32" ? 0 : type_name == "f16" ? 1 : type_name == "bf16" ? 30 : 999;
  if (type == 999) return fail(Status::Usage("--type must be f32, f16 or bf16"));
  if (arch != "llama" && arch != "qwen2" && arch != "qwen3" && arch != "phi3") {
    return fail(Status::Usage("--arch must be llama, qwen2, qwen3 or phi3"));
  }
  auto shape_r = ShapeFor(shape_name, arch);
  if (!shape_r.ok()) return fail(shape_r.status());
  Shape s = *shape_r;
  auto vocab = gguf::File::Open(vocab_path);
  if (!vocab.ok()) return fail(vocab.status());
  const gguf::Value* tokens = (*vocab)->Find("tokenizer.ggml.tokens");
  if (!tokens || tokens->type != gguf::ValueType::kArray) return fail(Status::Invalid(vocab_path + ": no tokenizer.ggml.tokens"));
  const int64_t n_tokens = int64_t(tokens->array.size());
  if (s.n_vocab == 0) s.n_vocab = n_tokens;
  if (s.n_vocab < n_tokens) return fail(Status::Invalid("the vocabulary is larger than the shape's"));

  Builder b(type, uint64_t(seed));
  gguf::Writer& w = b.writer();
  const std::string a = arch + ".";
  const int64_t head_dim = s.n_embd / s.n_head;
  w.AddString("general.architecture", arch);
  w.AddString("general.name", "lithium generated " + arch + " " + shape_name + " seed " + std::to_string(seed));
  w.AddUint32("general.file_type", type == 0 ? 0 : type == 1 ? 1 : 32);
  w.AddUint32(a + "context_length", uint32_t(s.n_ctx));
  w.AddUint32(a + "embedding_length", uint32_t(s.n_embd));
  w.AddUint32(a + "block_count", uint32_t(s.n_layer));
  w.AddUint32(a + "feed_forward_length", uint32_t(s.n_ff));
  w.AddUint32(a + "attention.head_count", uint32_t(s.n_head));
  w.AddUint32(a + "attention.head_count_kv", uint32_t(s.n_head_kv));
  w.AddFloat32(a + "attention.layer_norm_rms_epsilon", 1e-6f);
  w.AddFloat32(a + "rope.freq_base", float(s.rope_base));
  w.AddUint32(a + "rope.dimension_count", uint32_t(head_dim));
  // The tokenizer, padded to the shape's vocabulary as converters pad
  // Qwen's embedding matrix, with unused placeholder tokens.
  for (const auto& [key, value] : (*vocab)->metadata()) {
    if (key.rfind("tokenizer.", 0) != 0) continue;
    if (s.n_vocab > n_tokens && (key == "tokenizer.ggml.tokens" || key == "tokenizer.ggml.token_type" ||
                                 key == "tokenizer.ggml.scores")) {
      gguf::Value v = value;
      for (int64_t i = n_tokens; i < s.n_vocab; ++i) {
        gguf::Value e;
        e.type = v.array_type;
        if (key == "tokenizer.ggml.tokens") e.s = "[PAD" + std::to_string(i) + "]";
        if (key == "tokenizer.ggml.token_type") e.i = 5, e.u = 5;  // UNUSED
        v.array.push_back(e);
      }
      w.AddValue(key, v);
      continue;
    }
    w.AddValue(key, value);
  }

  const int64_t d = s.n_embd, qd = s.n_head * head_dim, kvd = s.n_head_kv * head_dim;
  auto check = [&](Status st2) { if (!st2.ok()) { fail(st2); std::exit(2); } };
  check(b.Matrix("token_embd.weight", s.n_vocab, d));
  if (llama3_rope) check(b.Raw("rope_freqs.weight", Llama3RopeFactors(head_dim, s.rope_base)));
  for (int64_t l = 0; l < s.n_layer; ++l) {
    const std::string p = "blk." + std::to_string(l) + ".";
    check(b.Vector(p + "attn_norm.weight", d, 1.0f, 0.1f));
    if (arch == "phi3") {
      check(b.Matrix(p + "attn_qkv.weight", qd + 2 * kvd, d));
    } else {
      check(b.Matrix(p + "attn_q.weight", qd, d));
      check(b.Matrix(p + "attn_k.weight", kvd, d));
      check(b.Matrix(p + "attn_v.weight", kvd, d));
    }
    if (arch == "qwen2") {
      check(b.Vector(p + "attn_q.bias", qd, 0.0f, 0.2f));
      check(b.Vector(p + "attn_k.bias", kvd, 0.0f, 0.2f));
      check(b.Vector(p + "attn_v.bias", kvd, 0.0f, 0.2f));
    }
    if (arch == "qwen3") {
      check(b.Vector(p + "attn_q_norm.weight", head_dim, 1.0f, 0.1f));
      check(b.Vector(p + "attn_k_norm.weight", head_dim, 1.0f, 0.1f));
    }
    check(b.Matrix(p + "attn_output.weight", d, qd));
    check(b.Vector(p + "ffn_norm.weight", d, 1.0f, 0.1f));
    if (arch == "phi3") {
      check(b.Matrix(p + "ffn_up.weight", 2 * s.n_ff, d));
    } else {
      check(b.Matrix(p + "ffn_gate.weight", s.n_ff, d));
      check(b.Matrix(p + "ffn_up.weight", s.n_ff, d));
    }
    check(b.Matrix(p + "ffn_down.weight", d, s.n_ff));
  }
  check(b.Vector("output_norm.weight", d, 1.0f, 0.1f));
  if (!s.tied) check(b.Matrix("output.weight", s.n_vocab, d));
  check(w.WriteFile(out));
  return 0;
}

}  // namespace
}  // namespace lithium::genmodel

int main(int argc, char** argv) { return lithium::genmodel::Main(argc, argv); }
