// lithium quantize IN.gguf OUT.gguf TYPE: converts float weights to a
// quantized type, with llama.cpp's usual per-tensor mixes for q4_k_m and
// q5_k_m. Norms, biases and other vectors stay F32. The same input gives
// the same output bytes.
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "src/gguf/gguf.h"
#include "src/kernels/quant.h"
#include "tools/lithium/args.h"
#include "tools/lithium/commands.h"
#include "tools/lithium/common.h"

namespace lithium::cli {
namespace {

using gguf::TensorType;

struct Scheme {
  const char* name;
  TensorType base;
  TensorType more_bits;  // attn_v / ffn_down in some layers, and output (the *_m mixes)
  bool mix;
  uint32_t file_type;    // general.file_type as llama.cpp numbers it
};

const Scheme kSchemes[] = {
    {"f32", TensorType::kF32, TensorType::kF32, false, 0},
    {"f16", TensorType::kF16, TensorType::kF16, false, 1},
    {"bf16", TensorType::kBF16, TensorType::kBF16, false, 32},
    {"q8_0", TensorType::kQ8_0, TensorType::kQ8_0, false, 7},
    {"q4_0", TensorType::kQ4_0, TensorType::kQ4_0, false, 2},
    {"q4_1", TensorType::kQ4_1, TensorType::kQ4_1, false, 3},
    {"q5_0", TensorType::kQ5_0, TensorType::kQ5_0, false, 8},
    {"q5_1", TensorType::kQ5_1, TensorType::kQ5_1, false, 9},
    {"q4_k", TensorType::kQ4_K, TensorType::kQ4_K, false, 14},  // as Q4_K_S
    {"q5_k", TensorType::kQ5_K, TensorType::kQ5_K, false, 16},  // as Q5_K_S
    {"q6_k", TensorType::kQ6_K, TensorType::kQ6_K, false, 18},
    {"q4_k_m", TensorType::kQ4_K, TensorType::kQ6_K, true, 15},
    {"q5_k_m", TensorType::kQ5_K, TensorType::kQ6_K, true, 17},
};

// llama.cpp's use_more_bits: the first and last eighth of the layers and
// every third layer in between get more bits for attn_v and ffn_down.
bool UseMoreBits(int64_t layer, int64_t n_layer) {
  return layer < n_layer / 8 || layer >= 7 * n_layer / 8 || (layer - n_layer / 8) % 3 == 2;
}

// A type whose block fits `cols`; K-quants fall back as llama.cpp does when
// a row is not a multiple of 256.
TensorType FitType(TensorType t, uint64_t cols) {
  uint64_t be, bb;
  gguf::TensorTypeBlock(uint32_t(t), &be, &bb);
  if (cols % be == 0) return t;
  switch (t) {
    case TensorType::kQ4_K: return cols % 32 == 0 ? TensorType::kQ5_0 : TensorType::kF16;
    case TensorType::kQ5_K: return cols % 32 == 0 ? TensorType::kQ5_1 : TensorType::kF16;
    case TensorType::kQ6_K: return cols % 32 == 0 ? TensorType::kQ8_0 : TensorType::kF16;
    default: return TensorType::kF16;
  }
}

int64_t LayerOf(const std::string& name) {
  if (name.rfind("blk.", 0) != 0) return -1;
  return std::atoll(name.c_str() + 4);
}

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

int CmdQuantize(int argc, char** argv) {
  std::vector<std::string> pos;
  Args args("quantize", "lithium quantize IN.gguf OUT.gguf TYPE   (TYPE: f32 f16 bf16 q8_0 q4_0 q4_1 q5_0 q5_1 q4_k q5_k q6_k q4_k_m q5_k_m)");
  args.Positional(&pos);
  Status st = args.Parse(argc, argv, 2);
  if (!st.ok()) return ReportError(st);
  if (args.help_requested()) {
    std::fputs(args.Help().c_str(), stdout);
    return kExitOk;
  }
  if (pos.size() != 3) return ReportError(Status::Usage("lithium quantize: expected IN.gguf OUT.gguf TYPE"));
  const Scheme* scheme = nullptr;
  for (const auto& s : kSchemes) {
    if (pos[2] == s.name) scheme = &s;
  }
  if (!scheme) return ReportError(Status::Usage("lithium quantize: unknown type '" + pos[2] + "'"));

  auto in = gguf::File::Open(pos[0]);
  if (!in.ok()) return ReportError(in.status());
  const gguf::File& f = **in;
  std::string arch;
  if (auto a = f.GetString("general.architecture"); a.ok()) arch = *a;
  int64_t n_layer = 0;
  if (auto n = f.GetInt(arch + ".block_count"); n.ok()) n_layer = *n;
  const bool tied = f.FindTensor("output.weight") == nullptr;

  gguf::Writer w;
  w.SetAlignment(f.alignment());
  for (const auto& [key, value] : f.metadata()) {
    if (key == "general.file_type" || key == "general.alignment") continue;
    w.AddValue(key, value);
  }
  w.AddUint32("general.file_type", scheme->file_type);
  w.AddUint32("general.quantization_version", 2);

  const size_t n = f.tensors().size();
  uint64_t in_bytes = 0, out_bytes = 0;
  for (size_t i = 0; i < n; ++i) {
    const gguf::TensorInfo& t = f.tensors()[i];
    const bool is_float = t.type == uint32_t(TensorType::kF32) || t.type == uint32_t(TensorType::kF16) ||
                          t.type == uint32_t(TensorType::kBF16);
    TensorType target = TensorType(t.type);
    const bool float_scheme = scheme->base == TensorType::kF32 || scheme->base == TensorType::kF16 ||
                              scheme->base == TensorType::kBF16;
    if (t.dims.size() == 2 && EndsWith(t.name, ".weight") && float_scheme && kernels::IsSupportedWeightType(t.type)) {
      // Dequantizing (any type to f32/f16/bf16) is always possible.
      target = scheme->base;
    } else if (t.dims.size() == 2 && EndsWith(t.name, ".weight") && is_float) {
      target = scheme->base;
      const bool output = t.name == "output.weight" || (tied && t.name == "token_embd.weight");
      const int64_t layer = LayerOf(t.name);
      if (scheme->mix && (output || ((EndsWith(t.name, "attn_v.weight") || EndsWith(t.name, "ffn_down.weight")) &&
                                     layer >= 0 && UseMoreBits(layer, n_layer)))) {
        target = scheme->more_bits;
      }
      target = FitType(target, t.dims[0]);
    } else if (!is_float && t.dims.size() == 2) {
      return ReportError(Status::Unsupported(pos[0] + ": tensor '" + t.name + "' is already " +
                                             gguf::TensorTypeName(t.type) + "; requantizing is not supported"));
    }
    const uint64_t cols = t.dims.empty() ? 1 : t.dims[0];
    const uint64_t rows = cols ? t.n_elements / cols : 0;
    uint64_t be, bb;
    gguf::TensorTypeBlock(uint32_t(target), &be, &bb);
    const uint64_t row_out = cols / be * bb;
    std::vector<uint8_t> out(size_t(rows * row_out));
    std::vector<float> row(static_cast<size_t>(cols));
    const uint64_t row_in = rows ? t.n_bytes / rows : 0;
    for (uint64_t r = 0; r < rows; ++r) {
      kernels::DequantizeRow(t.type, t.data + r * row_in, size_t(cols), row.data());
      for (float v : row) {
        if (!std::isfinite(v)) {
          return ReportError(Status::Invalid(pos[0] + ": tensor '" + t.name + "' holds a non-finite value in row " +
                                             std::to_string(r)));
        }
      }
      kernels::QuantizeRow(uint32_t(target), row.data(), size_t(cols), out.data() + r * row_out);
    }
    LI_CHECK(w.AddTensor(t.name, uint32_t(target), t.dims, out.data(), out.size()).ok());
    in_bytes += t.n_bytes;
    out_bytes += out.size();
    std::fprintf(stderr, "[%3zu/%zu] %-32s %-5s -> %-5s %s\n", i + 1, n, t.name.c_str(), gguf::TensorTypeName(t.type),
                 gguf::TensorTypeName(uint32_t(target)), ShapeString(t.dims).c_str());
  }
  Status ws = w.WriteFile(pos[1]);
  if (!ws.ok()) return ReportError(ws);
  std::fprintf(stderr, "lithium quantize: %s: %.1f MB -> %.1f MB (%s)\n", pos[1].c_str(), in_bytes / 1e6,
               out_bytes / 1e6, scheme->name);
  return kExitOk;
}

}  // namespace lithium::cli
