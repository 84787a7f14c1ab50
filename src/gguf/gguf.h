// GGUF v2/v3 reader and writer: the only code that parses model bytes.
//
// The reader treats the file as untrusted: every count, length, offset and
// size is checked against the file size before it is used, and nothing is
// allocated from an unchecked number. Tensor data stays in the MappedFile
// (mmap'd on POSIX hosts); TensorInfo::data points into it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "src/base/mapped_file.h"
#include "src/base/status.h"

namespace lithium::gguf {

// Metadata value types, numbered as in the GGUF specification.
enum class ValueType : uint32_t {
  kUint8 = 0, kInt8 = 1, kUint16 = 2, kInt16 = 3, kUint32 = 4, kInt32 = 5,
  kFloat32 = 6, kBool = 7, kString = 8, kArray = 9, kUint64 = 10, kInt64 = 11,
  kFloat64 = 12,
};
const char* ValueTypeName(ValueType t);

// Tensor element types, numbered as ggml numbers them. This issue supports
// F32, F16 and BF16; the quantized ids are listed so they can be named in
// errors and supported later.
enum class TensorType : uint32_t {
  kF32 = 0, kF16 = 1, kQ4_0 = 2, kQ4_1 = 3, kQ5_0 = 6, kQ5_1 = 7, kQ8_0 = 8,
  kQ8_1 = 9, kQ2_K = 10, kQ3_K = 11, kQ4_K = 12, kQ5_K = 13, kQ6_K = 14,
  kQ8_K = 15, kBF16 = 30,
};
// "F32", "Q4_K", ... or nullptr for an id ggml never defined.
const char* TensorTypeName(uint32_t type);
// Elements per block and bytes per block; false for types we cannot size.
bool TensorTypeBlock(uint32_t type, uint64_t* block_elems, uint64_t* block_bytes);

// A metadata value. Arrays hold their elements in `array` (nested arrays
// allowed); scalars use the field matching their type.
struct Value {
  ValueType type = ValueType::kUint8;
  uint64_t u = 0;     // unsigned integers and bool
  int64_t i = 0;      // signed integers
  double f = 0;       // float32 / float64
  std::string s;      // string
  ValueType array_type = ValueType::kUint8;  // element type, for arrays
  std::vector<Value> array;

  // Numeric accessors that accept any integer or float type.
  bool IsInteger() const;
  bool IsNumber() const;
  int64_t AsInt() const;
  double AsDouble() const;
};

struct TensorInfo {
  std::string name;
  uint32_t type = 0;             // a TensorType id
  std::vector<uint64_t> dims;    // ggml order: dims[0] is the contiguous one
  uint64_t offset = 0;           // from the start of the data section
  uint64_t n_elements = 0;
  uint64_t n_bytes = 0;
  const uint8_t* data = nullptr; // into the file's bytes
};

class File {
 public:
  // Parses a GGUF file. Errors name the path, the problem and, where there is
  // one, the key or tensor.
  static Result<std::unique_ptr<File>> Open(const std::string& path);
  static Result<std::unique_ptr<File>> Parse(std::shared_ptr<MappedFile> bytes);

  uint32_t version() const { return version_; }
  uint64_t alignment() const { return alignment_; }
  uint64_t data_offset() const { return data_offset_; }
  const std::string& path() const { return bytes_->path(); }
  const MappedFile& bytes() const { return *bytes_; }
  std::shared_ptr<MappedFile> shared_bytes() const { return bytes_; }

  // Metadata in file order.
  const std::vector<std::pair<std::string, Value>>& metadata() const { return kv_; }
  const Value* Find(const std::string& key) const;

  // Typed lookups: NotFound when absent, Invalid when the type is wrong.
  Result<std::string> GetString(const std::string& key) const;
  Result<int64_t> GetInt(const std::string& key) const;
  Result<double> GetFloat(const std::string& key) const;
  Result<bool> GetBool(const std::string& key) const;
  // With a default when the key is absent (a wrong type is still an error).
  Result<int64_t> GetIntOr(const std::string& key, int64_t def) const;
  Result<double> GetFloatOr(const std::string& key, double def) const;

  const std::vector<TensorInfo>& tensors() const { return tensors_; }
  const TensorInfo* FindTensor(const std::string& name) const;

 private:
  File() = default;
  std::shared_ptr<MappedFile> bytes_;
  uint32_t version_ = 0;
  uint64_t alignment_ = 32;
  uint64_t data_offset_ = 0;
  std::vector<std::pair<std::string, Value>> kv_;
  std::map<std::string, size_t> kv_index_;
  std::vector<TensorInfo> tensors_;
  std::map<std::string, size_t> tensor_index_;
};

// Builds a GGUF v3 file in memory: used by quantize and by the generators of
// test models. Tensors are written in the order added, each aligned.
class Writer {
 public:
  Writer();
  void SetAlignment(uint64_t alignment);

  void AddUint32(const std::string& key, uint32_t v);
  void AddInt32(const std::string& key, int32_t v);
  void AddUint64(const std::string& key, uint64_t v);
  void AddFloat32(const std::string& key, float v);
  void AddBool(const std::string& key, bool v);
  void AddString(const std::string& key, const std::string& v);
  void AddStringArray(const std::string& key, const std::vector<std::string>& v);
  void AddFloat32Array(const std::string& key, const std::vector<float>& v);
  void AddInt32Array(const std::string& key, const std::vector<int32_t>& v);
  // Any value, including nested arrays.
  void AddValue(const std::string& key, const Value& v);

  // `data` must hold exactly the bytes of a tensor of this type and shape.
  Status AddTensor(const std::string& name, uint32_t type, const std::vector<uint64_t>& dims,
                   const void* data, size_t n_bytes);

  std::vector<uint8_t> Serialize() const;
  Status WriteFile(const std::string& path) const;

 private:
  uint64_t alignment_ = 32;
  std::vector<std::pair<std::string, Value>> kv_;
  struct PendingTensor {
    std::string name;
    uint32_t type;
    std::vector<uint64_t> dims;
    std::vector<uint8_t> data;
  };
  std::vector<PendingTensor> tensors_;
};

}  // namespace lithium::gguf
