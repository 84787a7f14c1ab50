// A JSON document that remembers what nlohmann::json forgets: the exact text
// of every number (so decimals stay exact) and the byte span of every value
// in the source text (so a field's value can be matched with the tokens that
// produced it, for per-field confidence). Written without exceptions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "nlohmann/json.hpp"
#include "src/base/status.h"

namespace lithium::verify {

struct JsonValue {
  enum class Kind : uint8_t { kNull, kBool, kNumber, kString, kArray, kObject };
  Kind kind = Kind::kNull;
  bool boolean = false;
  std::string text;               // kString: the decoded UTF-8; kNumber: the literal as written
  std::vector<JsonValue> items;   // kArray: the elements; kObject: the values
  std::vector<std::string> keys;  // kObject: the keys, parallel to items, in document order
  size_t begin = 0, end = 0;      // byte span [begin, end) of the value in the source

  // The value under `key` in an object, or null when absent (or not an object).
  const JsonValue* Find(std::string_view key) const;
  const char* KindName() const;
};

// Parses one JSON text (RFC 8259). Duplicate keys in an object are an error:
// a validator and a consumer that keep different duplicates is a classic
// bypass. Errors give the line and column (1-based, in bytes).
Result<JsonValue> ParseJson(std::string_view text);

// For libraries that want nlohmann (valijson, reports). Numbers become
// int64/uint64 when integral and in range, else double: fine for schema
// checks and display, never used for the exact arithmetic.
nlohmann::json ToNlohmann(const JsonValue& v);

// A JSON value built from an nlohmann one (the YAML side and tests). Numbers
// are printed by nlohmann and re-read, exact for every integer and for
// doubles as they print (shortest round trip).
JsonValue FromNlohmann(const nlohmann::json& j);

}  // namespace lithium::verify
