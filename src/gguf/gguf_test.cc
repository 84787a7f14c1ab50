// Tests for the GGUF reader and writer: round trips through the writer, the
// two real models in ../shared, hand-built malformed files and systematic
// corruption of the real models (truncations and structural overwrites). The
// corruption tests are meant to run under ASan+UBSan too, so every parse gets
// its own exactly-sized heap buffer and any overread is caught.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "src/gguf/gguf.h"

namespace lithium::gguf {
namespace {

using ::testing::HasSubstr;

// Parses a private, exactly-sized copy of `b` so ASan sees any overread.
Result<std::unique_ptr<File>> ParseCopy(const uint8_t* data, size_t size, const std::string& name = "t.gguf") {
  void* buf = std::malloc(size ? size : 1);
  if (size) std::memcpy(buf, data, size);
  return File::Parse(MappedFile::FromOwnedBuffer(buf, size, name));
}
Result<std::unique_ptr<File>> ParseCopy(const std::vector<uint8_t>& b, const std::string& name = "t.gguf") {
  return ParseCopy(b.data(), b.size(), name);
}

// Builds raw GGUF bytes by hand, for files our writer would refuse to write.
struct Bytes {
  std::vector<uint8_t> b;
  template <typename T>
  Bytes& Put(T v) {
    uint8_t tmp[sizeof(T)];
    std::memcpy(tmp, &v, sizeof(T));
    b.insert(b.end(), tmp, tmp + sizeof(T));
    return *this;
  }
  Bytes& Str(const std::string& s) {
    Put<uint64_t>(s.size());
    b.insert(b.end(), s.begin(), s.end());
    return *this;
  }
  Bytes& Header(uint64_t n_tensors, uint64_t n_kv, uint32_t version = 3) {
    return Put<uint32_t>(0x46554747).Put<uint32_t>(version).Put<uint64_t>(n_tensors).Put<uint64_t>(n_kv);
  }
  Bytes& Pad(size_t alignment = 32) {
    while (b.size() % alignment) b.push_back(0);
    return *this;
  }
  Bytes& Zeros(size_t n) {
    b.insert(b.end(), n, 0);
    return *this;
  }
};

Value Scalar(ValueType t) {
  Value v;
  v.type = t;
  return v;
}
Value Array(ValueType elem, std::vector<Value> items) {
  Value v;
  v.type = ValueType::kArray;
  v.array_type = elem;
  v.array = std::move(items);
  return v;
}

void ExpectSameValue(const Value& a, const Value& b, const std::string& where) {
  ASSERT_EQ(a.type, b.type) << where;
  switch (a.type) {
    case ValueType::kUint8: case ValueType::kUint16: case ValueType::kUint32: case ValueType::kUint64:
    case ValueType::kBool:
      EXPECT_EQ(a.u, b.u) << where;
      break;
    case ValueType::kInt8: case ValueType::kInt16: case ValueType::kInt32: case ValueType::kInt64:
      EXPECT_EQ(a.i, b.i) << where;
      break;
    case ValueType::kFloat32: case ValueType::kFloat64:
      EXPECT_EQ(a.f, b.f) << where;
      break;
    case ValueType::kString:
      EXPECT_EQ(a.s, b.s) << where;
      break;
    case ValueType::kArray:
      ASSERT_EQ(a.array_type, b.array_type) << where;
      ASSERT_EQ(a.array.size(), b.array.size()) << where;
      for (size_t k = 0; k < a.array.size(); ++k) {
        ExpectSameValue(a.array[k], b.array[k], where + "[" + std::to_string(k) + "]");
      }
      break;
  }
}

// One value of every scalar type, with edge values.
std::vector<std::pair<std::string, Value>> AllScalars() {
  std::vector<std::pair<std::string, Value>> out;
  auto add = [&](const std::string& k, ValueType t, uint64_t u, int64_t i, double f, const std::string& s) {
    Value v = Scalar(t);
    v.u = u;
    v.i = i;
    v.f = f;
    v.s = s;
    out.emplace_back(k, v);
  };
  add("t.u8", ValueType::kUint8, 255, 0, 0, "");
  add("t.i8", ValueType::kInt8, 0, -128, 0, "");
  add("t.u16", ValueType::kUint16, 65535, 0, 0, "");
  add("t.i16", ValueType::kInt16, 0, -32768, 0, "");
  add("t.u32", ValueType::kUint32, 0xffffffffu, 0, 0, "");
  add("t.i32", ValueType::kInt32, 0, std::numeric_limits<int32_t>::min(), 0, "");
  add("t.u64", ValueType::kUint64, std::numeric_limits<uint64_t>::max(), 0, 0, "");
  add("t.i64", ValueType::kInt64, 0, std::numeric_limits<int64_t>::min(), 0, "");
  add("t.f32", ValueType::kFloat32, 0, 0, 0.15625, "");
  add("t.f64", ValueType::kFloat64, 0, 0, 3.141592653589793, "");
  add("t.bool", ValueType::kBool, 1, 0, 0, "");
  add("t.str", ValueType::kString, 0, 0, 0, std::string("h\xc3\xa9llo\0x", 8));
  add("t.empty_str", ValueType::kString, 0, 0, 0, "");
  return out;
}

std::vector<uint8_t> BuildRoundTripFile(Writer* w, std::vector<std::pair<std::string, Value>>* expected) {
  *expected = AllScalars();
  // An array of every scalar type, an empty array and nested arrays.
  for (const auto& [key, v] : AllScalars()) {
    expected->emplace_back(key + ".arr", Array(v.type, {v, v, v}));
  }
  expected->emplace_back("t.empty_arr", Array(ValueType::kInt32, {}));
  Value s1 = Scalar(ValueType::kString);
  s1.s = "a";
  Value inner = Array(ValueType::kString, {s1, s1});
  Value nested = Array(ValueType::kArray, {inner, Array(ValueType::kString, {})});
  expected->emplace_back("t.nested2", nested);
  expected->emplace_back("t.nested3", Array(ValueType::kArray, {nested, nested}));
  for (const auto& [k, v] : *expected) w->AddValue(k, v);
  return w->Serialize();
}

TEST(GgufNames, TypeNamesAndBlocks) {
  EXPECT_STREQ(ValueTypeName(ValueType::kFloat64), "float64");
  EXPECT_STREQ(TensorTypeName(0), "F32");
  EXPECT_STREQ(TensorTypeName(30), "BF16");
  EXPECT_STREQ(TensorTypeName(12), "Q4_K");
  EXPECT_EQ(TensorTypeName(4), nullptr);
  EXPECT_EQ(TensorTypeName(1000), nullptr);
  uint64_t e = 0, b = 0;
  ASSERT_TRUE(TensorTypeBlock(14, &e, &b));
  EXPECT_EQ(e, 256u);
  EXPECT_EQ(b, 210u);
  ASSERT_TRUE(TensorTypeBlock(8, &e, &b));
  EXPECT_EQ(e, 32u);
  EXPECT_EQ(b, 34u);
  EXPECT_FALSE(TensorTypeBlock(16, &e, &b));  // IQ2_XXS: named, not sized
  EXPECT_FALSE(TensorTypeBlock(4, &e, &b));
}

TEST(GgufRoundTrip, EveryValueTypeAndTensorType) {
  for (uint64_t alignment : {32u, 1u, 64u, 4096u}) {
    Writer w;
    w.SetAlignment(alignment);
    std::vector<std::pair<std::string, Value>> expected;
    BuildRoundTripFile(&w, &expected);
    std::vector<float> f32 = {1.0f, -2.5f, 3.25f, 0.0f, 1e-30f, 7.0f};
    std::vector<uint16_t> f16 = {0x3c00, 0xc000, 0x7bff, 0x0001};  // 1, -2, 65504, tiny
    std::vector<uint16_t> bf16 = {0x3f80, 0xbf80, 0x7f80};          // 1, -1, inf
    std::vector<uint8_t> q8(34 * 2, 0x5a);
    ASSERT_TRUE(w.AddTensor("a.f32", 0, {3, 2}, f32.data(), f32.size() * 4).ok());
    ASSERT_TRUE(w.AddTensor("b.f16", 1, {4}, f16.data(), f16.size() * 2).ok());
    ASSERT_TRUE(w.AddTensor("c.bf16", 30, {1, 3, 1, 1}, bf16.data(), bf16.size() * 2).ok());
    ASSERT_TRUE(w.AddTensor("d.q8_0", 8, {64}, q8.data(), q8.size()).ok());
    std::vector<uint8_t> bytes = w.Serialize();

    auto r = ParseCopy(bytes, "rt.gguf");
    ASSERT_TRUE(r.ok()) << r.status().message();
    const File& f = *r.value();
    EXPECT_EQ(f.version(), 3u);
    EXPECT_EQ(f.alignment(), alignment);
    EXPECT_EQ(f.data_offset() % alignment, 0u);
    size_t extra = alignment != 32 ? 1 : 0;  // general.alignment
    ASSERT_EQ(f.metadata().size(), expected.size() + extra);
    for (const auto& [k, v] : expected) {
      const Value* got = f.Find(k);
      ASSERT_NE(got, nullptr) << k;
      ExpectSameValue(v, *got, k);
    }
    ASSERT_EQ(f.tensors().size(), 4u);
    const TensorInfo* t = f.FindTensor("a.f32");
    ASSERT_NE(t, nullptr);
    EXPECT_EQ(t->type, 0u);
    EXPECT_EQ(t->dims, (std::vector<uint64_t>{3, 2}));
    EXPECT_EQ(t->n_elements, 6u);
    EXPECT_EQ(t->n_bytes, 24u);
    EXPECT_EQ(std::memcmp(t->data, f32.data(), 24), 0);
    t = f.FindTensor("b.f16");
    ASSERT_NE(t, nullptr);
    EXPECT_EQ(std::memcmp(t->data, f16.data(), 8), 0);
    t = f.FindTensor("c.bf16");
    ASSERT_NE(t, nullptr);
    EXPECT_EQ(t->type, 30u);
    EXPECT_EQ(t->dims.size(), 4u);
    EXPECT_EQ(t->n_bytes, 6u);
    EXPECT_EQ(std::memcmp(t->data, bf16.data(), 6), 0);
    t = f.FindTensor("d.q8_0");
    ASSERT_NE(t, nullptr);
    EXPECT_EQ(t->n_bytes, 68u);
    EXPECT_EQ(std::memcmp(t->data, q8.data(), 68), 0);
    for (const TensorInfo& ti : f.tensors()) {
      EXPECT_EQ(static_cast<uint64_t>(ti.data - f.bytes().data()) % alignment, 0u) << ti.name;
    }
    EXPECT_EQ(f.FindTensor("missing"), nullptr);
  }
}

TEST(GgufRoundTrip, TypedAddersAndAccessors) {
  Writer w;
  w.AddUint32("u32", 7);
  w.AddInt32("i32", -7);
  w.AddUint64("u64.big", std::numeric_limits<uint64_t>::max());
  w.AddFloat32("f32", 0.5f);
  w.AddBool("flag", true);
  w.AddString("name", "tiny");
  w.AddString("name", "tinier");  // replaces, never duplicates
  w.AddStringArray("strs", {"a", "", "ccc"});
  w.AddFloat32Array("floats", {1.5f, -2.0f});
  w.AddInt32Array("ints", {1, -2, 3});
  auto r = ParseCopy(w.Serialize());
  ASSERT_TRUE(r.ok()) << r.status().message();
  const File& f = *r.value();
  EXPECT_EQ(f.metadata().size(), 9u);
  EXPECT_EQ(f.GetInt("u32").value(), 7);
  EXPECT_EQ(f.GetInt("i32").value(), -7);
  EXPECT_EQ(f.GetFloat("f32").value(), 0.5);
  EXPECT_EQ(f.GetFloat("u32").value(), 7.0);  // any number converts
  EXPECT_TRUE(f.GetBool("flag").value());
  EXPECT_EQ(f.GetString("name").value(), "tinier");
  EXPECT_EQ(f.GetIntOr("absent", 42).value(), 42);
  EXPECT_EQ(f.GetIntOr("u32", 42).value(), 7);
  EXPECT_EQ(f.GetFloatOr("absent", 2.5).value(), 2.5);
  const Value* strs = f.Find("strs");
  ASSERT_NE(strs, nullptr);
  ASSERT_EQ(strs->array.size(), 3u);
  EXPECT_EQ(strs->array[2].s, "ccc");
  EXPECT_EQ(f.Find("ints")->array[1].AsInt(), -2);
  EXPECT_EQ(f.Find("floats")->array[1].AsDouble(), -2.0);

  EXPECT_EQ(f.GetString("absent").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(f.GetInt("absent").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(f.GetBool("absent").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(f.GetFloat("absent").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(f.GetString("u32").status().code(), StatusCode::kInvalidInput);
  EXPECT_EQ(f.GetInt("f32").status().code(), StatusCode::kInvalidInput);
  EXPECT_EQ(f.GetInt("name").status().code(), StatusCode::kInvalidInput);
  EXPECT_EQ(f.GetIntOr("name", 1).status().code(), StatusCode::kInvalidInput);
  EXPECT_EQ(f.GetFloatOr("name", 1).status().code(), StatusCode::kInvalidInput);
  EXPECT_EQ(f.GetBool("u32").status().code(), StatusCode::kInvalidInput);
  EXPECT_EQ(f.GetFloat("strs").status().code(), StatusCode::kInvalidInput);
  auto big = f.GetInt("u64.big");
  EXPECT_EQ(big.status().code(), StatusCode::kInvalidInput);
  EXPECT_THAT(big.status().message(), HasSubstr("u64.big"));
  EXPECT_THAT(f.GetString("u32").status().message(), HasSubstr("'u32'"));
}

TEST(GgufValue, NumericAccessorsNeverHitUndefinedCasts) {
  Value v = Scalar(ValueType::kFloat64);
  v.f = std::nan("");
  EXPECT_EQ(v.AsInt(), 0);
  v.f = 1e300;
  EXPECT_EQ(v.AsInt(), std::numeric_limits<int64_t>::max());
  v.f = -1e300;
  EXPECT_EQ(v.AsInt(), std::numeric_limits<int64_t>::min());
  v.f = -3.7;
  EXPECT_EQ(v.AsInt(), -3);
  EXPECT_TRUE(v.IsNumber());
  EXPECT_FALSE(v.IsInteger());
  Value s = Scalar(ValueType::kString);
  EXPECT_FALSE(s.IsNumber());
  Value b = Scalar(ValueType::kBool);
  EXPECT_FALSE(b.IsInteger());
  Value u = Scalar(ValueType::kUint64);
  u.u = std::numeric_limits<uint64_t>::max();
  EXPECT_TRUE(u.IsInteger());
  EXPECT_EQ(u.AsInt(), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(u.AsDouble(), 18446744073709551615.0);
}

TEST(GgufWriter, RejectsBadTensors) {
  Writer w;
  float x[4] = {0, 0, 0, 0};
  EXPECT_TRUE(w.AddTensor("t", 0, {4}, x, 16).ok());
  EXPECT_FALSE(w.AddTensor("t", 0, {4}, x, 16).ok());             // duplicate
  EXPECT_FALSE(w.AddTensor("u", 0, {4}, x, 12).ok());             // wrong size
  EXPECT_FALSE(w.AddTensor("u", 4, {4}, x, 16).ok());             // unknown id
  EXPECT_EQ(w.AddTensor("u", 16, {256}, x, 66).code(), StatusCode::kUnsupported);
  EXPECT_FALSE(w.AddTensor("u", 2, {16}, x, 9).ok());             // Q4_0 needs 32 | dims[0]
  EXPECT_FALSE(w.AddTensor("u", 0, {}, x, 4).ok());               // no dims
  EXPECT_FALSE(w.AddTensor("u", 0, {1, 1, 1, 1, 1}, x, 4).ok());  // too many dims
  EXPECT_FALSE(w.AddTensor("u", 0, {uint64_t{1} << 40, uint64_t{1} << 40}, x, 4).ok());
}

TEST(GgufWriter, WriteFileThenOpen) {
  Writer w;
  w.AddString("general.architecture", "llama");
  float x[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  ASSERT_TRUE(w.AddTensor("x", 0, {8}, x, sizeof(x)).ok());
  std::string path = ::testing::TempDir() + "/gguf_writer_test.gguf";
  ASSERT_TRUE(w.WriteFile(path).ok());
  auto r = File::Open(path);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r.value()->GetString("general.architecture").value(), "llama");
  EXPECT_EQ(r.value()->path(), path);
  EXPECT_EQ(std::memcmp(r.value()->FindTensor("x")->data, x, sizeof(x)), 0);
  std::remove(path.c_str());
  EXPECT_EQ(File::Open(path).status().code(), StatusCode::kIo);
}

// Every truncation of a small file with metadata and tensors fails.
TEST(GgufMalformed, EveryTruncationOfASmallFileFails) {
  Writer w;
  std::vector<std::pair<std::string, Value>> expected;
  BuildRoundTripFile(&w, &expected);
  float x[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  ASSERT_TRUE(w.AddTensor("x", 0, {8}, x, sizeof(x)).ok());
  ASSERT_TRUE(w.AddTensor("y", 0, {2, 2}, x, 16).ok());
  std::vector<uint8_t> bytes = w.Serialize();
  // The last tensor is 16 bytes padded to 32, so its data ends 16 bytes early.
  const size_t end_of_data = bytes.size() - 16;
  for (size_t n = 0; n < end_of_data; ++n) {
    auto r = ParseCopy(bytes.data(), n);
    ASSERT_FALSE(r.ok()) << "truncated to " << n;
    EXPECT_FALSE(r.status().message().empty());
    EXPECT_THAT(r.status().message(), HasSubstr("t.gguf"));
  }
  EXPECT_TRUE(ParseCopy(bytes.data(), end_of_data).ok());
}

struct Case {
  const char* what;
  std::vector<uint8_t> bytes;
  StatusCode code;
  const char* needle;  // the message must name this
};

std::vector<Case> MalformedCases() {
  std::vector<Case> cs;
  auto tensor = [](Bytes b, const std::string& name, std::vector<uint64_t> dims, uint32_t type, uint64_t offset) {
    b.Str(name).Put<uint32_t>(static_cast<uint32_t>(dims.size()));
    for (uint64_t d : dims) b.Put<uint64_t>(d);
    return b.Put<uint32_t>(type).Put<uint64_t>(offset);
  };
  const StatusCode kInv = StatusCode::kInvalidInput, kUns = StatusCode::kUnsupported;
  cs.push_back({"empty", {}, kInv, "too short"});
  cs.push_back({"bad magic", Bytes().Put<uint32_t>(0x46554746).Put<uint32_t>(3).Zeros(16).b, kInv, "magic"});
  cs.push_back({"v1", Bytes().Header(0, 0, 1).b, kUns, "version 1"});
  cs.push_back({"v4", Bytes().Header(0, 0, 4).b, kUns, "version 4"});
  cs.push_back({"big-endian v3", Bytes().Header(0, 0, 0x03000000).b, kUns, "big-endian"});
  cs.push_back({"header cut", Bytes().Put<uint32_t>(0x46554747).Put<uint32_t>(3).Put<uint32_t>(0).b, kInv,
                "tensor count"});
  cs.push_back({"2^60 tensors", Bytes().Header(uint64_t{1} << 60, 0).Zeros(64).b, kInv, "tensor count"});
  cs.push_back({"2^60 keys", Bytes().Header(0, uint64_t{1} << 60).Zeros(64).b, kInv, "metadata count"});
  cs.push_back({"u64 max keys", Bytes().Header(0, ~uint64_t{0}).Zeros(64).b, kInv, "metadata count"});
  cs.push_back({"key length 2^32", Bytes().Header(0, 1).Put<uint64_t>(uint64_t{1} << 32).Zeros(64).b, kInv,
                "length 4294967296"});
  cs.push_back({"key length u64 max", Bytes().Header(0, 1).Put<uint64_t>(~uint64_t{0}).Zeros(64).b, kInv,
                "length"});
  cs.push_back({"string value length 2^32",
                Bytes().Header(0, 1).Str("k").Put<uint32_t>(8).Put<uint64_t>(uint64_t{1} << 32).Zeros(64).b, kInv,
                "'k'"});
  cs.push_back({"array count 2^40",
                Bytes().Header(0, 1).Str("arr").Put<uint32_t>(9).Put<uint32_t>(0).Put<uint64_t>(uint64_t{1} << 40)
                    .Zeros(64).b,
                kInv, "'arr'"});
  cs.push_back({"string array count 2^40",
                Bytes().Header(0, 1).Str("arr").Put<uint32_t>(9).Put<uint32_t>(8).Put<uint64_t>(uint64_t{1} << 40)
                    .Zeros(64).b,
                kInv, "1099511627776"});
  cs.push_back({"array count u64 max",
                Bytes().Header(0, 1).Str("arr").Put<uint32_t>(9).Put<uint32_t>(6).Put<uint64_t>(~uint64_t{0})
                    .Zeros(64).b,
                kInv, "'arr'"});
  {
    Bytes b = Bytes().Header(0, 1).Str("deep").Put<uint32_t>(9);
    for (int k = 0; k < 9; ++k) b.Put<uint32_t>(9).Put<uint64_t>(1);
    b.Put<uint32_t>(0).Put<uint64_t>(1).Put<uint8_t>(1);
    cs.push_back({"arrays nested 10 deep", b.b, kInv, "nested"});
  }
  cs.push_back({"unknown value type", Bytes().Header(0, 1).Str("k").Put<uint32_t>(13).Zeros(16).b, kInv,
                "unknown value type 13"});
  cs.push_back({"unknown array type",
                Bytes().Header(0, 1).Str("k").Put<uint32_t>(9).Put<uint32_t>(99).Put<uint64_t>(1).Zeros(16).b, kInv,
                "element type 99"});
  cs.push_back({"bool 2", Bytes().Header(0, 1).Str("b").Put<uint32_t>(7).Put<uint8_t>(2).b, kInv, "'b'"});
  cs.push_back({"value cut", Bytes().Header(0, 1).Str("k").Put<uint32_t>(10).Put<uint32_t>(0).b, kInv, "'k'"});
  {
    Bytes b = Bytes().Header(0, 2).Str("dup").Put<uint32_t>(4).Put<uint32_t>(1);
    b.Str("dup").Put<uint32_t>(4).Put<uint32_t>(2);
    cs.push_back({"duplicate key", b.b, kInv, "duplicate metadata key 'dup'"});
  }
  cs.push_back({"alignment 0", Bytes().Header(0, 1).Str("general.alignment").Put<uint32_t>(4).Put<uint32_t>(0).b,
                kInv, "general.alignment"});
  cs.push_back({"alignment 48", Bytes().Header(0, 1).Str("general.alignment").Put<uint32_t>(4).Put<uint32_t>(48).b,
                kInv, "power of two"});
  cs.push_back({"alignment u64",
                Bytes().Header(0, 1).Str("general.alignment").Put<uint32_t>(10).Put<uint64_t>(32).b, kInv,
                "expected uint32"});
  auto one = [&](std::vector<uint64_t> dims, uint32_t type, uint64_t offset, size_t data) {
    return tensor(Bytes().Header(1, 0), "w", dims, type, offset).Pad().Zeros(data).b;
  };
  cs.push_back({"n_dims 0", one({}, 0, 0, 64), kInv, "n_dims 0"});
  cs.push_back({"n_dims 5", one({1, 1, 1, 1, 1}, 0, 0, 64), kInv, "n_dims 5"});
  cs.push_back({"dims overflow", one({uint64_t{1} << 32, uint64_t{1} << 32}, 0, 0, 64), kInv, "overflow"});
  cs.push_back({"dim above int64", one({~uint64_t{0}}, 0, 0, 64), kInv, "overflow"});
  cs.push_back({"bytes overflow", one({uint64_t{1} << 62}, 0, 0, 64), kInv, "overflow"});
  cs.push_back({"unknown tensor type", one({4}, 4, 0, 64), kInv, "unknown tensor type id 4"});
  cs.push_back({"huge tensor type", one({4}, 0xffffffffu, 0, 64), kInv, "4294967295"});
  cs.push_back({"unsupported tensor type", one({256}, 16, 0, 66), kUns, "IQ2_XXS"});
  cs.push_back({"block multiple", one({48}, 2, 0, 64), kInv, "block size 32"});
  cs.push_back({"misaligned offset", one({4}, 0, 4, 64), kInv, "alignment"});
  cs.push_back({"data past end", one({64}, 0, 0, 255), kInv,
                "tensor 'w' data [offset 0, 256 bytes] runs past the end of the file"});
  cs.push_back({"offset past end", one({4}, 0, 1 << 20, 64), kInv, "runs past the end"});
  cs.push_back({"offset overflow", one({4}, 0, ~uint64_t{31}, 64), kInv, "runs past the end"});
  cs.push_back({"no data section", tensor(Bytes().Header(1, 0), "w", {4}, 0, 0).b, kInv, "past the end"});
  {
    Bytes b = tensor(Bytes().Header(2, 0), "w", {4}, 0, 0);
    b = tensor(b, "w", {4}, 0, 32);
    cs.push_back({"duplicate tensor", b.Pad().Zeros(64).b, kInv, "duplicate tensor name 'w'"});
  }
  cs.push_back({"tensor name cut", Bytes().Header(1, 0).Put<uint64_t>(40).Zeros(30).b, kInv, "tensor #0 name"});
  return cs;
}

TEST(GgufMalformed, HandBuiltFilesFailWithNamedErrors) {
  for (const Case& c : MalformedCases()) {
    auto r = ParseCopy(c.bytes, "bad.gguf");
    ASSERT_FALSE(r.ok()) << c.what;
    EXPECT_EQ(r.status().code(), c.code) << c.what << ": " << r.status().message();
    EXPECT_THAT(r.status().message(), HasSubstr("bad.gguf: ")) << c.what;
    EXPECT_THAT(r.status().message(), HasSubstr(c.needle)) << c.what;
    EXPECT_EQ(r.status().message().find('\n'), std::string::npos) << c.what;
  }
}

TEST(GgufMalformed, ValidHandBuiltFileParses) {
  // Sanity check for the builder used above: a v2 file with one tensor.
  Bytes b = Bytes().Header(1, 1, 2).Str("general.alignment").Put<uint32_t>(4).Put<uint32_t>(16);
  b.Str("w").Put<uint32_t>(1).Put<uint64_t>(4).Put<uint32_t>(0).Put<uint64_t>(0).Pad(16).Zeros(16);
  auto r = ParseCopy(b.b);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r.value()->version(), 2u);
  EXPECT_EQ(r.value()->alignment(), 16u);
  EXPECT_EQ(r.value()->tensors()[0].n_bytes, 16u);
}

// ---- The real models in ../shared ----

std::string SharedModel(const char* name) { return std::string(LITHIUM_SHARED_DIR) + "/models/" + name; }

bool ReadAll(const std::string& path, std::vector<uint8_t>* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  in.seekg(0, std::ios::end);
  out->resize(static_cast<size_t>(in.tellg()));
  in.seekg(0, std::ios::beg);
  return static_cast<bool>(in.read(reinterpret_cast<char*>(out->data()), static_cast<std::streamsize>(out->size())));
}

#define LOAD_OR_SKIP(var, name)                                                           \
  std::vector<uint8_t> var;                                                                \
  if (!ReadAll(SharedModel(name), &var)) {                                                 \
    GTEST_SKIP() << SharedModel(name) << " not found: the shared test models are missing"; \
  }

TEST(GgufRealModels, Stories260K) {
  LOAD_OR_SKIP(bytes, "stories260K.gguf");
  auto r = File::Open(SharedModel("stories260K.gguf"));
  ASSERT_TRUE(r.ok()) << r.status().message();
  const File& f = *r.value();
  EXPECT_EQ(f.version(), 3u);
  EXPECT_EQ(f.alignment(), 32u);
  EXPECT_EQ(f.GetString("general.architecture").value(), "llama");
  EXPECT_EQ(f.GetInt("llama.embedding_length").value(), 64);
  EXPECT_EQ(f.GetInt("llama.block_count").value(), 5);
  EXPECT_EQ(f.GetInt("llama.attention.head_count").value(), 8);
  EXPECT_EQ(f.GetInt("llama.attention.head_count_kv").value(), 4);
  EXPECT_EQ(f.GetInt("llama.feed_forward_length").value(), 172);
  EXPECT_FLOAT_EQ(f.GetFloat("llama.attention.layer_norm_rms_epsilon").value(), 1e-5f);
  EXPECT_EQ(f.GetString("tokenizer.ggml.model").value(), "llama");
  EXPECT_EQ(f.Find("tokenizer.ggml.tokens")->array.size(), 512u);
  EXPECT_EQ(f.Find("tokenizer.ggml.scores")->array_type, ValueType::kFloat32);
  EXPECT_EQ(f.tensors().size(), 48u);  // 3 + 5 blocks x 9
  const TensorInfo* t = f.FindTensor("token_embd.weight");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->type, static_cast<uint32_t>(TensorType::kF32));
  EXPECT_EQ(t->dims, (std::vector<uint64_t>{64, 512}));
  EXPECT_EQ(t->n_bytes, 64u * 512 * 4);
  const TensorInfo& last = f.tensors().back();
  EXPECT_EQ(f.data_offset() + last.offset + last.n_bytes, bytes.size());
  EXPECT_NE(f.FindTensor("blk.4.ffn_down.weight"), nullptr);
}

TEST(GgufRealModels, LlamaTwoTinyRandom) {
  LOAD_OR_SKIP(bytes, "llama-2-tiny-random.gguf");
  auto r = ParseCopy(bytes, "llama-2-tiny-random.gguf");
  ASSERT_TRUE(r.ok()) << r.status().message();
  const File& f = *r.value();
  EXPECT_EQ(f.version(), 3u);
  EXPECT_EQ(f.GetString("general.architecture").value(), "llama");
  EXPECT_EQ(f.GetInt("llama.embedding_length").value(), 8);
  EXPECT_EQ(f.GetInt("llama.block_count").value(), 1);
  EXPECT_EQ(f.GetInt("general.file_type").value(), 1);
  EXPECT_EQ(f.Find("tokenizer.ggml.tokens")->array.size(), 32000u);
  EXPECT_EQ(f.tensors().size(), 12u);
  const TensorInfo* t = f.FindTensor("token_embd.weight");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->type, static_cast<uint32_t>(TensorType::kF16));
  EXPECT_EQ(t->dims, (std::vector<uint64_t>{8, 32000}));
  EXPECT_EQ(f.FindTensor("output_norm.weight")->type, static_cast<uint32_t>(TensorType::kF32));
}

// Offsets of the structural fields of a well-formed file, found by an
// independent walk (so a reader bug cannot hide itself here).
struct Fields {
  std::vector<size_t> key_len, value_type, array_type, array_count, string_len;
  std::vector<size_t> n_dims, dim0, tensor_type, tensor_offset;
  size_t end_of_last_tensor = 0;
};

Fields Walk(const std::vector<uint8_t>& b) {
  Fields fl;
  size_t p = 8;
  auto u32 = [&](size_t at) { uint32_t v; std::memcpy(&v, &b[at], 4); return v; };
  auto u64 = [&](size_t at) { uint64_t v; std::memcpy(&v, &b[at], 8); return v; };
  uint64_t n_tensors = u64(p), n_kv = u64(p + 8);
  p += 16;
  std::function<void(uint32_t, bool)> skip = [&](uint32_t type, bool record) {
    static const size_t kSize[] = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};
    if (type == 8) {
      if (record) fl.string_len.push_back(p);
      p += 8 + u64(p);
    } else if (type == 9) {
      uint32_t et = u32(p);
      fl.array_type.push_back(p);
      fl.array_count.push_back(p + 4);
      uint64_t n = u64(p + 4);
      p += 12;
      for (uint64_t k = 0; k < n; ++k) skip(et, record && k < 4);  // a few string lengths per array
    } else {
      p += kSize[type];
    }
  };
  for (uint64_t k = 0; k < n_kv; ++k) {
    fl.key_len.push_back(p);
    p += 8 + u64(p);
    fl.value_type.push_back(p);
    uint32_t t = u32(p);
    p += 4;
    skip(t, true);
  }
  struct T { uint64_t offset, bytes; };
  std::vector<T> ts;
  for (uint64_t k = 0; k < n_tensors; ++k) {
    p += 8 + u64(p);
    fl.n_dims.push_back(p);
    uint32_t nd = u32(p);
    p += 4;
    fl.dim0.push_back(p);
    uint64_t n = 1;
    for (uint32_t d = 0; d < nd; ++d) n *= u64(p + 8 * d);
    p += 8 * nd;
    fl.tensor_type.push_back(p);
    uint32_t type = u32(p);
    fl.tensor_offset.push_back(p + 4);
    ts.push_back({u64(p + 4), n * (type == 0 ? 4 : 2)});
    p += 12;
  }
  size_t data = (p + 31) / 32 * 32;
  for (const T& t : ts) fl.end_of_last_tensor = std::max<size_t>(fl.end_of_last_tensor, data + t.offset + t.bytes);
  return fl;
}

// Truncations and structural overwrites of both real models: each variant
// must fail with a message, never crash. Runs under ASan+UBSan in CI.
TEST(GgufRealModels, CorruptedVariantsFailCleanly) {
  int variants = 0;
  for (const char* name : {"stories260K.gguf", "llama-2-tiny-random.gguf"}) {
    LOAD_OR_SKIP(orig, name);
    Fields fl = Walk(orig);
    ASSERT_EQ(fl.end_of_last_tensor, orig.size()) << name;
    auto expect_fail = [&](const std::vector<uint8_t>& b, size_t n, const std::string& what) {
      auto r = ParseCopy(b.data(), n, name);
      ++variants;
      ASSERT_FALSE(r.ok()) << name << ": " << what;
      EXPECT_FALSE(r.status().message().empty()) << what;
      EXPECT_THAT(r.status().message(), HasSubstr(name)) << what;
    };
    // Truncations: every offset in the first 1 KB, then a stride through the
    // header (which for the 32k-token model is most of the file) and data.
    std::vector<size_t> cuts;
    for (size_t n = 0; n < 1024; ++n) cuts.push_back(n);
    for (size_t n = 1024; n < orig.size(); n += orig.size() / 97 + 13) cuts.push_back(n);
    for (size_t off : fl.tensor_offset) cuts.push_back(off);
    cuts.push_back(orig.size() - 1);
    for (size_t n : cuts) expect_fail(orig, n, "truncated to " + std::to_string(n));

    auto overwrite = [&](size_t at, auto v, const std::string& what) {
      std::vector<uint8_t> b = orig;
      std::memcpy(&b[at], &v, sizeof(v));
      expect_fail(b, b.size(), what + " at " + std::to_string(at));
    };
    // Magic and version.
    for (int k = 0; k < 4; ++k) {
      std::vector<uint8_t> b = orig;
      b[k] ^= 0x20;
      expect_fail(b, b.size(), "magic byte " + std::to_string(k));
    }
    for (uint32_t v : {0u, 1u, 4u, 0x03000000u, 0xffffffffu}) overwrite(4, v, "version " + std::to_string(v));
    // Counts.
    for (uint64_t v : {uint64_t{1} << 60, uint64_t{1} << 32, ~uint64_t{0}}) {
      overwrite(8, v, "tensor count");
      overwrite(16, v, "kv count");
    }
    // Metadata: key lengths, value types, array types and counts, string lengths.
    for (size_t at : fl.key_len) {
      overwrite(at, uint64_t{1} << 32, "key length");
      overwrite(at, uint64_t{orig.size()}, "key length");
    }
    for (size_t at : fl.value_type) {
      overwrite(at, uint32_t{13}, "value type");
      overwrite(at, uint32_t{0xffffffffu}, "value type");
    }
    for (size_t at : fl.array_type) overwrite(at, uint32_t{0x100}, "array type");
    for (size_t at : fl.array_count) {
      overwrite(at, uint64_t{1} << 40, "array count");
      overwrite(at, ~uint64_t{0}, "array count");
    }
    for (size_t at : fl.string_len) overwrite(at, uint64_t{1} << 32, "string length");
    // Tensor infos.
    // Every third tensor (and the last) keeps the run short under ASan.
    for (size_t k = 0; k < fl.n_dims.size(); ++k) {
      if (k % 3 != 0 && k + 1 != fl.n_dims.size()) continue;
      overwrite(fl.n_dims[k], uint32_t{0}, "n_dims");
      overwrite(fl.n_dims[k], uint32_t{5}, "n_dims");
      overwrite(fl.dim0[k], uint64_t{1} << 62, "dims[0]");
      overwrite(fl.dim0[k], ~uint64_t{0}, "dims[0]");
      overwrite(fl.dim0[k], uint64_t{orig.size()}, "dims[0]");
      overwrite(fl.tensor_type[k], uint32_t{4}, "tensor type");
      overwrite(fl.tensor_type[k], uint32_t{16}, "tensor type");
      overwrite(fl.tensor_type[k], uint32_t{0xffffffffu}, "tensor type");
      uint64_t off;
      std::memcpy(&off, &orig[fl.tensor_offset[k]], 8);
      overwrite(fl.tensor_offset[k], off + 1, "tensor offset");
      overwrite(fl.tensor_offset[k], ~uint64_t{31}, "tensor offset");
      overwrite(fl.tensor_offset[k], uint64_t{orig.size()} / 32 * 32 + 32, "tensor offset");
    }
  }
  EXPECT_GE(variants, 200);
  std::printf("[ info ] %d corrupted variants rejected\n", variants);
}

// Random byte overwrites anywhere in the headers: any outcome but a crash.
TEST(GgufRealModels, RandomHeaderDamageNeverCrashes) {
  std::mt19937_64 rng(12345);
  for (const char* name : {"stories260K.gguf", "llama-2-tiny-random.gguf"}) {
    LOAD_OR_SKIP(orig, name);
    auto ok = ParseCopy(orig, name);
    ASSERT_TRUE(ok.ok());
    const size_t header = ok.value()->data_offset();
    int failures = 0;
    for (int k = 0; k < 150; ++k) {
      std::vector<uint8_t> b = orig;
      int n = 1 + static_cast<int>(rng() % 4);
      for (int j = 0; j < n; ++j) b[rng() % header] = static_cast<uint8_t>(rng());
      auto r = ParseCopy(b, name);
      if (!r.ok()) {
        ++failures;
        EXPECT_FALSE(r.status().message().empty());
      } else {
        for (const TensorInfo& t : r.value()->tensors()) {
          ASSERT_LE(t.data + t.n_bytes, r.value()->bytes().data() + b.size());
        }
      }
    }
    std::printf("[ info ] %s: %d of 150 random damages rejected\n", name, failures);
  }
}

}  // namespace
}  // namespace lithium::gguf
