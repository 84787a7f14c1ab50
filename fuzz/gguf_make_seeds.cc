// Writes the GGUF fuzz seeds: tiny files from our Writer that between them
// use every value type, nested arrays, every sized tensor type, v2 and a
// non-default alignment. Usage: gguf_make_seeds OUT_DIR
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "src/gguf/gguf.h"

namespace {

using lithium::gguf::Value;
using lithium::gguf::ValueType;
using lithium::gguf::Writer;

Value Make(ValueType t, uint64_t u, int64_t i, double f, const char* s) {
  Value v;
  v.type = t;
  v.u = u;
  v.i = i;
  v.f = f;
  v.s = s;
  return v;
}

Value ArrayOf(ValueType t, std::vector<Value> items) {
  Value v;
  v.type = ValueType::kArray;
  v.array_type = t;
  v.array = std::move(items);
  return v;
}

bool Save(const std::string& dir, const char* name, const std::vector<uint8_t>& bytes) {
  std::string path = dir + "/" + name;
  FILE* fp = std::fopen(path.c_str(), "wb");
  if (!fp) return false;
  bool ok = std::fwrite(bytes.data(), 1, bytes.size(), fp) == bytes.size();
  ok = std::fclose(fp) == 0 && ok;
  std::printf("%s: %zu bytes\n", path.c_str(), bytes.size());
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUT_DIR\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  bool ok = true;

  {  // Every scalar type and arrays of them, nested arrays, no tensors.
    Writer w;
    std::vector<Value> scalars = {
        Make(ValueType::kUint8, 200, 0, 0, ""),      Make(ValueType::kInt8, 0, -5, 0, ""),
        Make(ValueType::kUint16, 60000, 0, 0, ""),   Make(ValueType::kInt16, 0, -300, 0, ""),
        Make(ValueType::kUint32, 70000, 0, 0, ""),   Make(ValueType::kInt32, 0, -70000, 0, ""),
        Make(ValueType::kFloat32, 0, 0, 0.5, ""),    Make(ValueType::kBool, 1, 0, 0, ""),
        Make(ValueType::kString, 0, 0, 0, "llama"),  Make(ValueType::kUint64, 1ull << 40, 0, 0, ""),
        Make(ValueType::kInt64, 0, -(1ll << 40), 0, ""), Make(ValueType::kFloat64, 0, 0, 1e-5, ""),
    };
    for (size_t k = 0; k < scalars.size(); ++k) {
      std::string key = std::string("s.") + lithium::gguf::ValueTypeName(scalars[k].type);
      w.AddValue(key, scalars[k]);
      w.AddValue(key + ".arr", ArrayOf(scalars[k].type, {scalars[k], scalars[k]}));
    }
    Value inner = ArrayOf(ValueType::kInt32, {Make(ValueType::kInt32, 0, 1, 0, ""), Make(ValueType::kInt32, 0, 2, 0, "")});
    w.AddValue("nested", ArrayOf(ValueType::kArray, {inner, ArrayOf(ValueType::kArray, {inner})}));
    ok = Save(dir, "values.gguf", w.Serialize()) && ok;
  }
  {  // A miniature llama: the keys and tensor names a real model has.
    Writer w;
    w.AddString("general.architecture", "llama");
    w.AddString("general.name", "seed");
    w.AddUint32("llama.embedding_length", 8);
    w.AddUint32("llama.block_count", 1);
    w.AddUint32("llama.attention.head_count", 2);
    w.AddFloat32("llama.attention.layer_norm_rms_epsilon", 1e-5f);
    w.AddString("tokenizer.ggml.model", "llama");
    w.AddStringArray("tokenizer.ggml.tokens", {"<unk>", "<s>", "</s>", "\xe2\x96\x81" "a", "b"});
    w.AddFloat32Array("tokenizer.ggml.scores", {0, 0, 0, -1, -2});
    w.AddInt32Array("tokenizer.ggml.token_type", {2, 3, 3, 1, 1});
    w.AddUint32("tokenizer.ggml.bos_token_id", 1);
    std::vector<float> f32(8 * 5, 0.25f);
    std::vector<uint16_t> f16(8 * 8, 0x3c00);
    std::vector<float> norm(8, 1.0f);
    ok = w.AddTensor("token_embd.weight", 0, {8, 5}, f32.data(), f32.size() * 4).ok() && ok;
    ok = w.AddTensor("blk.0.attn_q.weight", 1, {8, 8}, f16.data(), f16.size() * 2).ok() && ok;
    ok = w.AddTensor("blk.0.attn_k.weight", 30, {8, 8}, f16.data(), f16.size() * 2).ok() && ok;
    ok = w.AddTensor("output_norm.weight", 0, {8}, norm.data(), norm.size() * 4).ok() && ok;
    ok = Save(dir, "tiny_llama.gguf", w.Serialize()) && ok;
  }
  {  // Every sized tensor type, one block each, with alignment 64.
    Writer w;
    w.SetAlignment(64);
    std::vector<uint8_t> block(292, 0x11);
    for (uint32_t type = 0; type < 64; ++type) {
      uint64_t elems = 0, bytes = 0;
      if (!lithium::gguf::TensorTypeBlock(type, &elems, &bytes)) continue;
      std::string name = std::string("t.") + lithium::gguf::TensorTypeName(type);
      ok = w.AddTensor(name, type, {elems}, block.data(), bytes).ok() && ok;
    }
    ok = Save(dir, "tensor_types.gguf", w.Serialize()) && ok;
  }
  {  // A GGUF v2 file (same layout as v3 on a little-endian host).
    Writer w;
    w.AddString("general.architecture", "llama");
    float x[4] = {1, 2, 3, 4};
    ok = w.AddTensor("x", 0, {2, 2}, x, sizeof(x)).ok() && ok;
    std::vector<uint8_t> bytes = w.Serialize();
    bytes[4] = 2;
    ok = Save(dir, "v2.gguf", bytes) && ok;
  }
  return ok ? 0 : 1;
}
