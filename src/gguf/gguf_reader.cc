// GGUF v2/v3 reader.
//
// The file is untrusted. The parser walks it with a bounds-checked cursor and
// checks every count and length against the bytes that remain BEFORE it
// allocates or loops: an element of any type occupies at least one byte, so a
// count larger than the remaining bytes (divided by the element's minimum
// size) cannot be honest. Multiplications and additions on file-supplied
// numbers use __builtin_*_overflow.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <utility>

#include "src/gguf/gguf.h"

namespace lithium::gguf {

namespace {

constexpr uint32_t kMagic = 0x46554747;  // "GGUF" read as little-endian uint32
// Nested arrays are legal but no real model nests more than twice; the bound
// keeps recursion (and the stack) small on hostile input.
constexpr int kMaxArrayDepth = 8;
// Each Value is ~100 bytes in memory while a uint8 element is one byte in the
// file, so a large file of tiny elements could make us allocate ~100x its
// size. The largest real vocabularies (256k tokens, several parallel arrays,
// merges) stay far below this many values.
constexpr uint64_t kMaxMetadataValues = uint64_t{1} << 24;
constexpr int kMaxDims = 4;

std::string Quote(const std::string& s) {
  // Keys and names come from the file: keep error messages one printable line.
  std::string out = "'";
  size_t n = 0;
  for (char c : s) {
    if (++n > 96) {
      out += "...";
      break;
    }
    unsigned char uc = static_cast<unsigned char>(c);
    if (uc < 0x20 || uc == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", uc);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "'";
}

// A bounds-checked little-endian reader over the file bytes.
class Cursor {
 public:
  Cursor(const uint8_t* data, uint64_t size, const std::string& path)
      : data_(data), size_(size), path_(path) {}

  uint64_t pos() const { return pos_; }
  uint64_t remaining() const { return size_ - pos_; }
  const std::string& path() const { return path_; }

  Status Error(const std::string& what) const { return Status::Invalid(path_ + ": " + what); }

  Status Truncated(const std::string& what) const {
    return Error(what + " at offset " + std::to_string(pos_) + " runs past the end of the file (size " +
                 std::to_string(size_) + ")");
  }

  // `what` names the field for the error message: a string, or a callable
  // returning one, so hot loops build no message unless the read fails.
  template <typename T, typename What>
  Status Read(T* out, const What& what) {
    if (remaining() < sizeof(T)) return Truncated(Label(what));
    std::memcpy(out, data_ + pos_, sizeof(T));  // host is little-endian (x86, arm, wasm)
    pos_ += sizeof(T);
    return Status::Ok();
  }

  template <typename What>
  Status ReadString(std::string* out, const What& what) {
    uint64_t len = 0;
    if (remaining() < sizeof(len)) return Truncated(Label(what) + " length");
    std::memcpy(&len, data_ + pos_, sizeof(len));
    pos_ += sizeof(len);
    if (len > remaining()) {
      return Error(Label(what) + " length " + std::to_string(len) + " at offset " + std::to_string(pos_ - 8) +
                   " exceeds the " + std::to_string(remaining()) + " bytes left in the file");
    }
    out->assign(reinterpret_cast<const char*>(data_ + pos_), static_cast<size_t>(len));
    pos_ += len;
    return Status::Ok();
  }

 private:
  static std::string Label(const char* s) { return s; }
  static std::string Label(const std::string& s) { return s; }
  template <typename F>
  static std::string Label(const F& f) { return f(); }

 private:
  const uint8_t* data_;
  uint64_t size_;
  uint64_t pos_ = 0;
  const std::string& path_;
};

// Smallest encoding of one element of type `t` (for arrays: the element
// type and count header). Used to bound counts before allocating.
uint64_t MinEncodedSize(ValueType t) {
  switch (t) {
    case ValueType::kUint8: case ValueType::kInt8: case ValueType::kBool: return 1;
    case ValueType::kUint16: case ValueType::kInt16: return 2;
    case ValueType::kUint32: case ValueType::kInt32: case ValueType::kFloat32: return 4;
    case ValueType::kUint64: case ValueType::kInt64: case ValueType::kFloat64: return 8;
    case ValueType::kString: return 8;
    case ValueType::kArray: return 12;
  }
  return 1;
}

bool KnownValueType(uint32_t t) { return t <= static_cast<uint32_t>(ValueType::kFloat64); }

class Parser {
 public:
  Parser(Cursor* c) : c_(*c) {}  // NOLINT

  // Reads one value of type `type` for key `key`.
  Status ReadValue(ValueType type, const std::string& key, int depth, Value* v) {
    v->type = type;
    switch (type) {
      case ValueType::kUint8: { uint8_t x = 0; LI_RETURN_IF_ERROR(Rd(&x, key)); v->u = x; return Status::Ok(); }
      case ValueType::kUint16: { uint16_t x = 0; LI_RETURN_IF_ERROR(Rd(&x, key)); v->u = x; return Status::Ok(); }
      case ValueType::kUint32: { uint32_t x = 0; LI_RETURN_IF_ERROR(Rd(&x, key)); v->u = x; return Status::Ok(); }
      case ValueType::kUint64: { uint64_t x = 0; LI_RETURN_IF_ERROR(Rd(&x, key)); v->u = x; return Status::Ok(); }
      case ValueType::kInt8: { int8_t x = 0; LI_RETURN_IF_ERROR(Rd(&x, key)); v->i = x; return Status::Ok(); }
      case ValueType::kInt16: { int16_t x = 0; LI_RETURN_IF_ERROR(Rd(&x, key)); v->i = x; return Status::Ok(); }
      case ValueType::kInt32: { int32_t x = 0; LI_RETURN_IF_ERROR(Rd(&x, key)); v->i = x; return Status::Ok(); }
      case ValueType::kInt64: { int64_t x = 0; LI_RETURN_IF_ERROR(Rd(&x, key)); v->i = x; return Status::Ok(); }
      case ValueType::kFloat32: { float x = 0; LI_RETURN_IF_ERROR(Rd(&x, key)); v->f = x; return Status::Ok(); }
      case ValueType::kFloat64: { double x = 0; LI_RETURN_IF_ERROR(Rd(&x, key)); v->f = x; return Status::Ok(); }
      case ValueType::kBool: {
        uint8_t x = 0;
        LI_RETURN_IF_ERROR(Rd(&x, key));
        if (x > 1) {
          return c_.Error("key " + Quote(key) + ": bool value " + std::to_string(x) + " at offset " +
                          std::to_string(c_.pos() - 1) + " is neither 0 nor 1");
        }
        v->u = x;
        return Status::Ok();
      }
      case ValueType::kString:
        return c_.ReadString(&v->s, [&] { return "key " + Quote(key) + ": string value"; });
      case ValueType::kArray:
        return ReadArray(key, depth, v);
    }
    return c_.Error("key " + Quote(key) + ": unknown value type " + std::to_string(static_cast<uint32_t>(type)));
  }

  Status CountValues(uint64_t n, const std::string& key) {
    values_ += n;
    if (values_ > kMaxMetadataValues) {
      std::string where = key.empty() ? "" : "key " + Quote(key) + ": ";
      return Status::Unsupported(c_.path() + ": " + where + "metadata holds more than " +
                                 std::to_string(kMaxMetadataValues) + " values");
    }
    return Status::Ok();
  }

 private:
  template <typename T>
  Status Rd(T* x, const std::string& key) {
    return c_.Read(x, [&] { return "key " + Quote(key) + ": value"; });
  }

  Status ReadArray(const std::string& key, int depth, Value* v) {
    if (depth >= kMaxArrayDepth) {
      return c_.Error("key " + Quote(key) + ": arrays nested deeper than " + std::to_string(kMaxArrayDepth) +
                      " levels at offset " + std::to_string(c_.pos()));
    }
    uint32_t et = 0;
    LI_RETURN_IF_ERROR(c_.Read(&et, [&] { return "key " + Quote(key) + ": array element type"; }));
    if (!KnownValueType(et)) {
      return c_.Error("key " + Quote(key) + ": unknown array element type " + std::to_string(et) + " at offset " +
                      std::to_string(c_.pos() - 4));
    }
    v->array_type = static_cast<ValueType>(et);
    uint64_t count = 0;
    LI_RETURN_IF_ERROR(c_.Read(&count, [&] { return "key " + Quote(key) + ": array count"; }));
    // Bound the count by the bytes left before reserving anything.
    uint64_t min_size = MinEncodedSize(v->array_type);
    if (count > c_.remaining() / min_size) {
      return c_.Error("key " + Quote(key) + ": array of " + std::to_string(count) + " " +
                      ValueTypeName(v->array_type) + " elements at offset " + std::to_string(c_.pos() - 8) +
                      " needs more than the " + std::to_string(c_.remaining()) + " bytes left in the file");
    }
    LI_RETURN_IF_ERROR(CountValues(count, key));
    v->array.resize(static_cast<size_t>(count));
    for (uint64_t k = 0; k < count; ++k) {
      LI_RETURN_IF_ERROR(ReadValue(v->array_type, key, depth + 1, &v->array[k]));
    }
    return Status::Ok();
  }

  Cursor& c_;
  uint64_t values_ = 0;
};

std::string TypeLabel(uint32_t type) {
  const char* name = TensorTypeName(type);
  return name ? std::string(name) + " (" + std::to_string(type) + ")" : std::to_string(type);
}

}  // namespace

const char* ValueTypeName(ValueType t) {
  switch (t) {
    case ValueType::kUint8: return "uint8";
    case ValueType::kInt8: return "int8";
    case ValueType::kUint16: return "uint16";
    case ValueType::kInt16: return "int16";
    case ValueType::kUint32: return "uint32";
    case ValueType::kInt32: return "int32";
    case ValueType::kFloat32: return "float32";
    case ValueType::kBool: return "bool";
    case ValueType::kString: return "string";
    case ValueType::kArray: return "array";
    case ValueType::kUint64: return "uint64";
    case ValueType::kInt64: return "int64";
    case ValueType::kFloat64: return "float64";
  }
  return "unknown";
}

const char* TensorTypeName(uint32_t type) {
  // Every id ggml has assigned, so errors can say "IQ2_XS" rather than "17".
  switch (type) {
    case 0: return "F32";
    case 1: return "F16";
    case 2: return "Q4_0";
    case 3: return "Q4_1";
    case 6: return "Q5_0";
    case 7: return "Q5_1";
    case 8: return "Q8_0";
    case 9: return "Q8_1";
    case 10: return "Q2_K";
    case 11: return "Q3_K";
    case 12: return "Q4_K";
    case 13: return "Q5_K";
    case 14: return "Q6_K";
    case 15: return "Q8_K";
    case 16: return "IQ2_XXS";
    case 17: return "IQ2_XS";
    case 18: return "IQ3_XXS";
    case 19: return "IQ1_S";
    case 20: return "IQ4_NL";
    case 21: return "IQ3_S";
    case 22: return "IQ2_S";
    case 23: return "IQ4_XS";
    case 24: return "I8";
    case 25: return "I16";
    case 26: return "I32";
    case 27: return "I64";
    case 28: return "F64";
    case 29: return "IQ1_M";
    case 30: return "BF16";
    case 34: return "TQ1_0";
    case 35: return "TQ2_0";
    case 39: return "MXFP4";
    default: return nullptr;
  }
}

bool TensorTypeBlock(uint32_t type, uint64_t* block_elems, uint64_t* block_bytes) {
  uint64_t e = 0, b = 0;
  switch (static_cast<TensorType>(type)) {
    case TensorType::kF32: e = 1; b = 4; break;
    case TensorType::kF16: e = 1; b = 2; break;
    case TensorType::kBF16: e = 1; b = 2; break;
    case TensorType::kQ4_0: e = 32; b = 18; break;
    case TensorType::kQ4_1: e = 32; b = 20; break;
    case TensorType::kQ5_0: e = 32; b = 22; break;
    case TensorType::kQ5_1: e = 32; b = 24; break;
    case TensorType::kQ8_0: e = 32; b = 34; break;
    case TensorType::kQ8_1: e = 32; b = 36; break;
    case TensorType::kQ2_K: e = 256; b = 84; break;
    case TensorType::kQ3_K: e = 256; b = 110; break;
    case TensorType::kQ4_K: e = 256; b = 144; break;
    case TensorType::kQ5_K: e = 256; b = 176; break;
    case TensorType::kQ6_K: e = 256; b = 210; break;
    case TensorType::kQ8_K: e = 256; b = 292; break;
    default: return false;
  }
  if (block_elems) *block_elems = e;
  if (block_bytes) *block_bytes = b;
  return true;
}

bool Value::IsInteger() const {
  switch (type) {
    case ValueType::kUint8: case ValueType::kInt8: case ValueType::kUint16: case ValueType::kInt16:
    case ValueType::kUint32: case ValueType::kInt32: case ValueType::kUint64: case ValueType::kInt64:
      return true;
    default:
      return false;
  }
}

bool Value::IsNumber() const {
  return IsInteger() || type == ValueType::kFloat32 || type == ValueType::kFloat64;
}

int64_t Value::AsInt() const {
  switch (type) {
    case ValueType::kUint8: case ValueType::kUint16: case ValueType::kUint32: case ValueType::kBool:
      return static_cast<int64_t>(u);
    case ValueType::kUint64:
      // Saturate: a uint64 above INT64_MAX has no int64 spelling.
      return u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) ? std::numeric_limits<int64_t>::max()
                                                                              : static_cast<int64_t>(u);
    case ValueType::kInt8: case ValueType::kInt16: case ValueType::kInt32: case ValueType::kInt64:
      return i;
    case ValueType::kFloat32: case ValueType::kFloat64: {
      // Casting NaN or an out-of-range double to int64 is undefined behaviour.
      if (std::isnan(f)) return 0;
      if (f >= 9223372036854775807.0) return std::numeric_limits<int64_t>::max();
      if (f <= -9223372036854775808.0) return std::numeric_limits<int64_t>::min();
      return static_cast<int64_t>(f);
    }
    default:
      return 0;
  }
}

double Value::AsDouble() const {
  switch (type) {
    case ValueType::kUint8: case ValueType::kUint16: case ValueType::kUint32: case ValueType::kUint64:
    case ValueType::kBool:
      return static_cast<double>(u);
    case ValueType::kInt8: case ValueType::kInt16: case ValueType::kInt32: case ValueType::kInt64:
      return static_cast<double>(i);
    case ValueType::kFloat32: case ValueType::kFloat64:
      return f;
    default:
      return 0;
  }
}

Result<std::unique_ptr<File>> File::Open(const std::string& path) {
  LI_ASSIGN_OR_RETURN(std::shared_ptr<MappedFile> bytes, MappedFile::Open(path));
  return Parse(std::move(bytes));
}

Result<std::unique_ptr<File>> File::Parse(std::shared_ptr<MappedFile> bytes) {
  if (!bytes) return Status::Internal("gguf::File::Parse: null MappedFile");
  std::unique_ptr<File> file(new File());
  file->bytes_ = bytes;
  const std::string& path = bytes->path();
  const uint64_t file_size = bytes->size();
  Cursor c(bytes->data(), file_size, path);

  // Header.
  uint32_t magic = 0;
  if (file_size < 4) return c.Error("too short to be a GGUF file (" + std::to_string(file_size) + " bytes)");
  LI_RETURN_IF_ERROR(c.Read(&magic, "magic"));
  if (magic != kMagic) {
    char buf[64];
    std::snprintf(buf, sizeof(buf), "0x%08x", magic);
    return c.Error(std::string("not a GGUF file (magic ") + buf + ", expected \"GGUF\")");
  }
  uint32_t version = 0;
  LI_RETURN_IF_ERROR(c.Read(&version, "version"));
  if (version != 2 && version != 3) {
    std::string hint;
    if (version == 1) hint = " (GGUF v1 used 32-bit counts; convert the model again)";
    if (version == 0x02000000 || version == 0x03000000) hint = " (a big-endian GGUF file?)";
    return Status::Unsupported(path + ": unsupported GGUF version " + std::to_string(version) +
                               " (lithium reads versions 2 and 3)" + hint);
  }
  file->version_ = version;
  uint64_t tensor_count = 0, kv_count = 0;
  LI_RETURN_IF_ERROR(c.Read(&tensor_count, "tensor count"));
  LI_RETURN_IF_ERROR(c.Read(&kv_count, "metadata count"));
  // A key/value pair needs at least 8 (key length) + 4 (type) + 1 bytes, a
  // tensor info at least 8 (name length) + 4 (n_dims) + 8 (one dim) + 4
  // (type) + 8 (offset).
  if (kv_count > c.remaining() / 13) {
    return c.Error("metadata count " + std::to_string(kv_count) + " cannot fit in the " +
                   std::to_string(c.remaining()) + " bytes left in the file");
  }
  if (tensor_count > c.remaining() / 32) {
    return c.Error("tensor count " + std::to_string(tensor_count) + " cannot fit in the " +
                   std::to_string(c.remaining()) + " bytes left in the file");
  }

  // Metadata.
  Parser parser(&c);
  LI_RETURN_IF_ERROR(parser.CountValues(kv_count, ""));
  // Each entry is ~10x its minimal encoding in memory: grow as entries
  // actually parse rather than reserving from the header's claim.
  file->kv_.reserve(static_cast<size_t>(std::min<uint64_t>(kv_count, 1024)));
  for (uint64_t k = 0; k < kv_count; ++k) {
    std::string key;
    uint64_t key_at = c.pos();
    LI_RETURN_IF_ERROR(c.ReadString(&key, [&] { return "metadata key #" + std::to_string(k); }));
    if (file->kv_index_.count(key)) {
      return c.Error("duplicate metadata key " + Quote(key) + " at offset " + std::to_string(key_at));
    }
    uint32_t type = 0;
    LI_RETURN_IF_ERROR(c.Read(&type, [&] { return "key " + Quote(key) + ": value type"; }));
    if (!KnownValueType(type)) {
      return c.Error("key " + Quote(key) + ": unknown value type " + std::to_string(type) + " at offset " +
                     std::to_string(c.pos() - 4));
    }
    Value v;
    LI_RETURN_IF_ERROR(parser.ReadValue(static_cast<ValueType>(type), key, 0, &v));
    file->kv_index_.emplace(key, file->kv_.size());
    file->kv_.emplace_back(std::move(key), std::move(v));
  }

  // Alignment of the data section and of every tensor in it.
  if (const Value* a = file->Find("general.alignment")) {
    if (a->type != ValueType::kUint32) {
      return c.Error(std::string("key 'general.alignment' has type ") + ValueTypeName(a->type) +
                     ", expected uint32");
    }
    if (a->u == 0 || (a->u & (a->u - 1)) != 0) {
      return c.Error("key 'general.alignment' is " + std::to_string(a->u) + ", not a nonzero power of two");
    }
    file->alignment_ = a->u;
  }
  const uint64_t alignment = file->alignment_;

  // Tensor infos. Re-check the count against what the metadata left.
  if (tensor_count > c.remaining() / 32) {
    return c.Error("tensor count " + std::to_string(tensor_count) + " cannot fit in the " +
                   std::to_string(c.remaining()) + " bytes left after the metadata");
  }
  file->tensors_.reserve(static_cast<size_t>(tensor_count));
  for (uint64_t k = 0; k < tensor_count; ++k) {
    TensorInfo t;
    uint64_t name_at = c.pos();
    LI_RETURN_IF_ERROR(c.ReadString(&t.name, [&] { return "tensor #" + std::to_string(k) + " name"; }));
    if (file->tensor_index_.count(t.name)) {
      return c.Error("duplicate tensor name " + Quote(t.name) + " at offset " + std::to_string(name_at));
    }
    const std::string what = "tensor " + Quote(t.name);
    uint32_t n_dims = 0;
    LI_RETURN_IF_ERROR(c.Read(&n_dims, [&] { return what + ": n_dims"; }));
    if (n_dims < 1 || n_dims > kMaxDims) {
      return c.Error(what + ": n_dims " + std::to_string(n_dims) + " at offset " + std::to_string(c.pos() - 4) +
                     " is not in [1, " + std::to_string(kMaxDims) + "]");
    }
    t.dims.resize(n_dims);
    uint64_t n_elements = 1;
    for (uint32_t d = 0; d < n_dims; ++d) {
      LI_RETURN_IF_ERROR(c.Read(&t.dims[d], [&] { return what + ": dims"; }));
      // ggml stores dims as int64; a product that overflows cannot be real.
      if (t.dims[d] > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) ||
          __builtin_mul_overflow(n_elements, t.dims[d], &n_elements) ||
          n_elements > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        return c.Error(what + ": dims overflow (dim " + std::to_string(d) + " = " + std::to_string(t.dims[d]) +
                       ")");
      }
    }
    t.n_elements = n_elements;
    LI_RETURN_IF_ERROR(c.Read(&t.type, [&] { return what + ": type"; }));
    const char* type_name = TensorTypeName(t.type);
    if (!type_name) return c.Error(what + ": unknown tensor type id " + std::to_string(t.type));
    uint64_t block_elems = 0, block_bytes = 0;
    if (!TensorTypeBlock(t.type, &block_elems, &block_bytes)) {
      return Status::Unsupported(path + ": " + what + ": tensor type " + TypeLabel(t.type) +
                                 " is not supported");
    }
    if (t.dims[0] % block_elems != 0) {
      return c.Error(what + ": dims[0] = " + std::to_string(t.dims[0]) + " is not a multiple of the " +
                     type_name + " block size " + std::to_string(block_elems));
    }
    // n_elements / block_elems blocks; dims[0] divisible implies the total is.
    if (__builtin_mul_overflow(n_elements / block_elems, block_bytes, &t.n_bytes)) {
      return c.Error(what + ": size in bytes overflows");
    }
    LI_RETURN_IF_ERROR(c.Read(&t.offset, [&] { return what + ": offset"; }));
    if (t.offset % alignment != 0) {
      return c.Error(what + ": data offset " + std::to_string(t.offset) + " is not a multiple of the alignment " +
                     std::to_string(alignment));
    }
    file->tensor_index_.emplace(t.name, file->tensors_.size());
    file->tensors_.push_back(std::move(t));
  }

  // The data section starts at the next multiple of the alignment.
  uint64_t data_offset = c.pos();
  uint64_t rem = data_offset % alignment;
  if (rem != 0 && __builtin_add_overflow(data_offset, alignment - rem, &data_offset)) {
    return c.Error("data section offset overflows");
  }
  file->data_offset_ = data_offset;
  if (tensor_count > 0 && data_offset > file_size) {
    return c.Error("data section at offset " + std::to_string(data_offset) + " starts past the end of the file (size " +
                   std::to_string(file_size) + ")");
  }
  for (TensorInfo& t : file->tensors_) {
    uint64_t start = 0, end = 0;
    if (__builtin_add_overflow(data_offset, t.offset, &start) || __builtin_add_overflow(start, t.n_bytes, &end) ||
        end > file_size) {
      return c.Error("tensor " + Quote(t.name) + " data [offset " + std::to_string(t.offset) + ", " +
                     std::to_string(t.n_bytes) + " bytes] runs past the end of the file (size " +
                     std::to_string(file_size) + ")");
    }
    t.data = bytes->data() + start;
  }
  return file;
}

const Value* File::Find(const std::string& key) const {
  auto it = kv_index_.find(key);
  return it == kv_index_.end() ? nullptr : &kv_[it->second].second;
}

const TensorInfo* File::FindTensor(const std::string& name) const {
  auto it = tensor_index_.find(name);
  return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

namespace {
Status Missing(const File& f, const std::string& key) {
  return Status::NotFound(f.path() + ": metadata key " + Quote(key) + " not found");
}
Status WrongType(const File& f, const std::string& key, const Value& v, const char* want) {
  return Status::Invalid(f.path() + ": metadata key " + Quote(key) + " has type " + ValueTypeName(v.type) +
                         ", expected " + want);
}
}  // namespace

Result<std::string> File::GetString(const std::string& key) const {
  const Value* v = Find(key);
  if (!v) return Missing(*this, key);
  if (v->type != ValueType::kString) return WrongType(*this, key, *v, "string");
  return v->s;
}

Result<int64_t> File::GetInt(const std::string& key) const {
  const Value* v = Find(key);
  if (!v) return Missing(*this, key);
  if (!v->IsInteger()) return WrongType(*this, key, *v, "an integer");
  if (v->type == ValueType::kUint64 && v->u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return Status::Invalid(path() + ": metadata key " + Quote(key) + " value " + std::to_string(v->u) +
                           " does not fit in int64");
  }
  return v->AsInt();
}

Result<double> File::GetFloat(const std::string& key) const {
  const Value* v = Find(key);
  if (!v) return Missing(*this, key);
  if (!v->IsNumber()) return WrongType(*this, key, *v, "a number");
  return v->AsDouble();
}

Result<bool> File::GetBool(const std::string& key) const {
  const Value* v = Find(key);
  if (!v) return Missing(*this, key);
  if (v->type != ValueType::kBool) return WrongType(*this, key, *v, "bool");
  return v->u != 0;
}

Result<int64_t> File::GetIntOr(const std::string& key, int64_t def) const {
  if (!Find(key)) return def;
  return GetInt(key);
}

Result<double> File::GetFloatOr(const std::string& key, double def) const {
  if (!Find(key)) return def;
  return GetFloat(key);
}

}  // namespace lithium::gguf
