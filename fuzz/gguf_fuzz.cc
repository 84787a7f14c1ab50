// libFuzzer target for the GGUF reader: any byte string must parse or fail
// with a message, never crash, overread or hit undefined behaviour. When a
// parse succeeds, every metadata value and tensor is touched, and the file is
// written back with our Writer and parsed again (that must succeed).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "src/gguf/gguf.h"

namespace {

using lithium::gguf::File;
using lithium::gguf::TensorInfo;
using lithium::gguf::Value;
using lithium::gguf::ValueType;

// Trap with a message on a broken invariant: libFuzzer records the input.
void Require(bool cond, const char* what) {
  if (!cond) {
    std::fprintf(stderr, "gguf_fuzz: invariant failed: %s\n", what);
    std::abort();
  }
}

uint64_t Touch(const Value& v) {
  uint64_t h = static_cast<uint64_t>(v.type);
  h += static_cast<uint64_t>(v.AsInt()) + static_cast<uint64_t>(v.IsInteger()) + v.IsNumber();
  double d = v.AsDouble();
  h += d == d ? 1 : 2;
  h += lithium::gguf::ValueTypeName(v.type)[0];
  for (char c : v.s) h = h * 31 + static_cast<unsigned char>(c);
  for (const Value& e : v.array) {
    Require(e.type == v.array_type, "array element type differs from array_type");
    h += Touch(e);
  }
  return h;
}

uint64_t TouchFile(const File& f) {
  uint64_t h = f.version() + f.alignment() + f.data_offset();
  Require(f.alignment() != 0 && (f.alignment() & (f.alignment() - 1)) == 0, "alignment is a power of two");
  for (const auto& [key, v] : f.metadata()) {
    Require(f.Find(key) == &v, "Find returns the value");
    h += Touch(v);
    // The typed lookups must return a value or a message, whatever the type.
    auto s = f.GetString(key);
    auto i = f.GetInt(key);
    auto d = f.GetFloat(key);
    auto b = f.GetBool(key);
    Require(s.ok() || !s.status().message().empty(), "GetString message");
    Require(i.ok() || !i.status().message().empty(), "GetInt message");
    Require(d.ok() || !d.status().message().empty(), "GetFloat message");
    Require(b.ok() || !b.status().message().empty(), "GetBool message");
    h += s.ok() + i.ok() + d.ok() + b.ok();
  }
  const uint8_t* begin = f.bytes().data();
  const uint8_t* end = begin + f.bytes().size();
  for (const TensorInfo& t : f.tensors()) {
    Require(f.FindTensor(t.name) == &t, "FindTensor returns the tensor");
    Require(lithium::gguf::TensorTypeName(t.type) != nullptr, "tensor type is named");
    Require(t.dims.size() >= 1 && t.dims.size() <= 4, "1 to 4 dims");
    Require(t.data >= begin && t.n_bytes <= static_cast<uint64_t>(end - t.data), "tensor inside the file");
    Require((t.data - begin) % f.alignment() == 0, "tensor data aligned");
    if (t.n_bytes > 0) h += t.data[0] + t.data[t.n_bytes - 1];  // ASan checks both ends
  }
  return h;
}

// Writes `f` back with the Writer and parses the result.
void RoundTrip(const File& f) {
  lithium::gguf::Writer w;
  w.SetAlignment(f.alignment());
  for (const auto& [key, v] : f.metadata()) w.AddValue(key, v);
  for (const TensorInfo& t : f.tensors()) {
    lithium::Status st = w.AddTensor(t.name, t.type, t.dims, t.data, t.n_bytes);
    Require(st.ok(), "Writer accepts every tensor the reader accepted");
  }
  std::vector<uint8_t> bytes = w.Serialize();
  auto again = File::Parse(lithium::MappedFile::FromMemory(bytes.data(), bytes.size(), "roundtrip.gguf"));
  if (!again.ok()) std::fprintf(stderr, "%s\n", again.status().message().c_str());
  Require(again.ok(), "rewritten file parses");
  Require(again.value()->metadata().size() == f.metadata().size(), "same metadata count");
  Require(again.value()->tensors().size() == f.tensors().size(), "same tensor count");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto r = File::Parse(lithium::MappedFile::FromMemory(data, size, "fuzz.gguf"));
  if (!r.ok()) {
    Require(!r.status().message().empty(), "errors have a message");
    Require(r.status().message().find('\n') == std::string::npos, "errors are one line");
    return 0;
  }
  volatile uint64_t sink = TouchFile(*r.value());
  (void)sink;
  RoundTrip(*r.value());
  return 0;
}
