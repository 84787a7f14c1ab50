// GGUF v3 writer (little-endian). Used by quantize and by the generators of
// test models, so it validates what it is given: a file it writes always
// parses with our reader.
#include <cstdio>
#include <cstring>
#include <utility>

#include "src/gguf/gguf.h"

namespace lithium::gguf {

namespace {

constexpr uint64_t kDefaultAlignment = 32;

class Out {
 public:
  explicit Out(std::vector<uint8_t>* buf) : buf_(*buf) {}
  template <typename T>
  void Put(T v) {
    uint8_t b[sizeof(T)];
    std::memcpy(b, &v, sizeof(T));  // host is little-endian (x86, arm, wasm)
    buf_.insert(buf_.end(), b, b + sizeof(T));
  }
  void PutString(const std::string& s) {
    Put<uint64_t>(s.size());
    buf_.insert(buf_.end(), s.begin(), s.end());
  }
  void PadTo(uint64_t alignment) {
    while (buf_.size() % alignment != 0) buf_.push_back(0);
  }
  size_t size() const { return buf_.size(); }

 private:
  std::vector<uint8_t>& buf_;
};

// Writes the payload of `v` as type `type` (the element type, for array
// members; a member's own `type` field is not consulted).
void PutValue(Out* out, ValueType type, const Value& v) {
  switch (type) {
    case ValueType::kUint8: out->Put<uint8_t>(static_cast<uint8_t>(v.u)); break;
    case ValueType::kInt8: out->Put<int8_t>(static_cast<int8_t>(v.i)); break;
    case ValueType::kUint16: out->Put<uint16_t>(static_cast<uint16_t>(v.u)); break;
    case ValueType::kInt16: out->Put<int16_t>(static_cast<int16_t>(v.i)); break;
    case ValueType::kUint32: out->Put<uint32_t>(static_cast<uint32_t>(v.u)); break;
    case ValueType::kInt32: out->Put<int32_t>(static_cast<int32_t>(v.i)); break;
    case ValueType::kUint64: out->Put<uint64_t>(v.u); break;
    case ValueType::kInt64: out->Put<int64_t>(v.i); break;
    case ValueType::kFloat32: out->Put<float>(static_cast<float>(v.f)); break;
    case ValueType::kFloat64: out->Put<double>(v.f); break;
    case ValueType::kBool: out->Put<uint8_t>(v.u ? 1 : 0); break;
    case ValueType::kString: out->PutString(v.s); break;
    case ValueType::kArray:
      out->Put<uint32_t>(static_cast<uint32_t>(v.array_type));
      out->Put<uint64_t>(v.array.size());
      for (const Value& e : v.array) PutValue(out, v.array_type, e);
      break;
  }
}

Value Scalar(ValueType t) {
  Value v;
  v.type = t;
  return v;
}

Value ArrayOf(ValueType elem) {
  Value v;
  v.type = ValueType::kArray;
  v.array_type = elem;
  return v;
}

}  // namespace

Writer::Writer() = default;

void Writer::SetAlignment(uint64_t alignment) {
  // A bad alignment is a bug in the caller, never untrusted input.
  LI_CHECK(alignment != 0 && (alignment & (alignment - 1)) == 0 && alignment <= 0xffffffffu);
  alignment_ = alignment;
  // Readers learn the alignment only from this key.
  if (alignment != kDefaultAlignment) {
    AddUint32("general.alignment", static_cast<uint32_t>(alignment));
  } else {
    for (size_t k = 0; k < kv_.size(); ++k) {
      if (kv_[k].first == "general.alignment") {
        kv_.erase(kv_.begin() + static_cast<std::ptrdiff_t>(k));
        break;
      }
    }
  }
}

void Writer::AddUint32(const std::string& key, uint32_t v) {
  Value x = Scalar(ValueType::kUint32);
  x.u = v;
  AddValue(key, x);
}

void Writer::AddInt32(const std::string& key, int32_t v) {
  Value x = Scalar(ValueType::kInt32);
  x.i = v;
  AddValue(key, x);
}

void Writer::AddUint64(const std::string& key, uint64_t v) {
  Value x = Scalar(ValueType::kUint64);
  x.u = v;
  AddValue(key, x);
}

void Writer::AddFloat32(const std::string& key, float v) {
  Value x = Scalar(ValueType::kFloat32);
  x.f = v;
  AddValue(key, x);
}

void Writer::AddBool(const std::string& key, bool v) {
  Value x = Scalar(ValueType::kBool);
  x.u = v ? 1 : 0;
  AddValue(key, x);
}

void Writer::AddString(const std::string& key, const std::string& v) {
  Value x = Scalar(ValueType::kString);
  x.s = v;
  AddValue(key, x);
}

void Writer::AddStringArray(const std::string& key, const std::vector<std::string>& v) {
  Value x = ArrayOf(ValueType::kString);
  x.array.resize(v.size());
  for (size_t k = 0; k < v.size(); ++k) {
    x.array[k].type = ValueType::kString;
    x.array[k].s = v[k];
  }
  AddValue(key, x);
}

void Writer::AddFloat32Array(const std::string& key, const std::vector<float>& v) {
  Value x = ArrayOf(ValueType::kFloat32);
  x.array.resize(v.size());
  for (size_t k = 0; k < v.size(); ++k) {
    x.array[k].type = ValueType::kFloat32;
    x.array[k].f = v[k];
  }
  AddValue(key, x);
}

void Writer::AddInt32Array(const std::string& key, const std::vector<int32_t>& v) {
  Value x = ArrayOf(ValueType::kInt32);
  x.array.resize(v.size());
  for (size_t k = 0; k < v.size(); ++k) {
    x.array[k].type = ValueType::kInt32;
    x.array[k].i = v[k];
  }
  AddValue(key, x);
}

void Writer::AddValue(const std::string& key, const Value& v) {
  // A second Add of the same key replaces the first: duplicate keys would
  // make the file unreadable.
  for (auto& kv : kv_) {
    if (kv.first == key) {
      kv.second = v;
      return;
    }
  }
  kv_.emplace_back(key, v);
}

Status Writer::AddTensor(const std::string& name, uint32_t type, const std::vector<uint64_t>& dims,
                         const void* data, size_t n_bytes) {
  const std::string what = "gguf writer: tensor '" + name + "'";
  for (const PendingTensor& t : tensors_) {
    if (t.name == name) return Status::Invalid(what + " added twice");
  }
  const char* type_name = TensorTypeName(type);
  if (!type_name) return Status::Invalid(what + ": unknown tensor type id " + std::to_string(type));
  uint64_t block_elems = 0, block_bytes = 0;
  if (!TensorTypeBlock(type, &block_elems, &block_bytes)) {
    return Status::Unsupported(what + ": tensor type " + type_name + " is not supported");
  }
  if (dims.empty() || dims.size() > 4) {
    return Status::Invalid(what + ": " + std::to_string(dims.size()) + " dims, expected 1 to 4");
  }
  if (dims[0] % block_elems != 0) {
    return Status::Invalid(what + ": dims[0] = " + std::to_string(dims[0]) + " is not a multiple of the " +
                           type_name + " block size " + std::to_string(block_elems));
  }
  uint64_t n = 1;
  for (uint64_t d : dims) {
    if (__builtin_mul_overflow(n, d, &n)) return Status::Invalid(what + ": dims overflow");
  }
  uint64_t want = 0;
  if (__builtin_mul_overflow(n / block_elems, block_bytes, &want)) {
    return Status::Invalid(what + ": size overflows");
  }
  if (want != n_bytes) {
    return Status::Invalid(what + ": got " + std::to_string(n_bytes) + " bytes, a " + type_name + " tensor of " +
                           std::to_string(n) + " elements needs " + std::to_string(want));
  }
  if (n_bytes > 0 && data == nullptr) return Status::Invalid(what + ": null data");
  PendingTensor t;
  t.name = name;
  t.type = type;
  t.dims = dims;
  const uint8_t* p = static_cast<const uint8_t*>(data);
  if (n_bytes > 0) t.data.assign(p, p + n_bytes);
  tensors_.push_back(std::move(t));
  return Status::Ok();
}

std::vector<uint8_t> Writer::Serialize() const {
  std::vector<uint8_t> buf;
  Out out(&buf);
  out.Put<uint32_t>(0x46554747);  // "GGUF"
  out.Put<uint32_t>(3);
  out.Put<uint64_t>(tensors_.size());
  out.Put<uint64_t>(kv_.size());
  for (const auto& [key, v] : kv_) {
    out.PutString(key);
    out.Put<uint32_t>(static_cast<uint32_t>(v.type));
    PutValue(&out, v.type, v);
  }
  // Each tensor starts at a multiple of the alignment within the data section.
  uint64_t offset = 0;
  for (const PendingTensor& t : tensors_) {
    out.PutString(t.name);
    out.Put<uint32_t>(static_cast<uint32_t>(t.dims.size()));
    for (uint64_t d : t.dims) out.Put<uint64_t>(d);
    out.Put<uint32_t>(t.type);
    out.Put<uint64_t>(offset);
    offset += (t.data.size() + alignment_ - 1) / alignment_ * alignment_;
  }
  out.PadTo(alignment_);
  for (const PendingTensor& t : tensors_) {
    buf.insert(buf.end(), t.data.begin(), t.data.end());
    out.PadTo(alignment_);
  }
  return buf;
}

Status Writer::WriteFile(const std::string& path) const {
  std::vector<uint8_t> buf = Serialize();
  // Write to a temporary name and rename, so a crash never leaves a
  // truncated model under the real name.
  std::string tmp = path + ".tmp";
  FILE* fp = std::fopen(tmp.c_str(), "wb");
  if (!fp) return Status::Io(tmp + ": cannot open for writing");
  size_t n = buf.empty() ? 0 : std::fwrite(buf.data(), 1, buf.size(), fp);
  bool ok = n == buf.size();
  ok = (std::fclose(fp) == 0) && ok;
  if (!ok) {
    std::remove(tmp.c_str());
    return Status::Io(tmp + ": write failed");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return Status::Io(path + ": cannot rename " + tmp + " into place");
  }
  return Status::Ok();
}

}  // namespace lithium::gguf
