// The policy language: the subset of CEL (the Common Expression Language of
// Kubernetes admission policies) that docs/policy.md documents. This header
// holds the syntax tree and the static types the checker gives its nodes.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "src/verify/json_doc.h"
#include "src/verify/decimal.h"

namespace lithium::verify::cel {

struct Type;
using TypeRef = std::shared_ptr<const Type>;

struct Field {
  std::string name;
  TypeRef type;
  bool required = false;
};

// A static type. Types of `input` and `output` come from the policy's JSON
// Schemas, with the schema facts the load-time analysis turns into Z3
// constraints (bounds, enums, lengths); types of literals and operators
// carry none of those.
struct Type {
  enum class Kind : uint8_t { kBool, kInt, kNumber, kString, kNull, kList, kObject, kAny };
  Kind kind = Kind::kAny;
  bool nullable = false;        // the schema allows null besides `kind`
  bool decimal_string = false;  // kNumber written as a JSON string ("12.50"): format "decimal"
  TypeRef elem;                 // kList
  std::vector<Field> fields;    // kObject, in schema order

  // Schema facts (load-time analysis only).
  std::vector<JsonValue> enum_values;  // from enum / const; empty when absent
  bool has_minimum = false, has_maximum = false;
  bool exclusive_minimum = false, exclusive_maximum = false;
  Decimal minimum, maximum;
  int64_t min_items = 0, max_items = -1;    // -1: unbounded
  int64_t min_length = 0, max_length = -1;  // in code points

  const Field* FindField(const std::string& name) const;
  bool is_numeric() const { return kind == Kind::kInt || kind == Kind::kNumber; }
  bool is_scalar() const { return kind != Kind::kList && kind != Kind::kObject && kind != Kind::kAny; }
  std::string Name() const;  // "int", "list(string)", "object", ...
};

TypeRef MakeType(Type::Kind kind);
TypeRef ListOf(TypeRef elem);

// A syntax tree node. `pos` is a byte offset into the expression text: the
// policy loader turns it into the line and column of the policy file.
struct Expr {
  enum class Kind : uint8_t {
    kBool, kInt, kNumber, kString, kNull,  // literals
    kIdent,    // text = name
    kSelect,   // args[0].text
    kIndex,    // args[0][args[1]]
    kCall,     // text = function; has_target: args[0].text(args[1..])
    kList,     // [args...]
    kUnary,    // text = "!" or "-"
    kBinary,   // text = operator: || && == != < <= > >= in + - * / %
    kTernary,  // args[0] ? args[1] : args[2]
  };
  Kind kind = Kind::kNull;
  uint32_t pos = 0;
  std::string text;  // identifier, field, function, operator, string value or number text
  bool boolean = false;
  bool has_target = false;
  std::vector<std::unique_ptr<Expr>> args;
  TypeRef type;  // set by Check
};
using ExprPtr = std::unique_ptr<Expr>;

// An error at a byte offset of the expression.
struct Error {
  uint32_t pos = 0;
  std::string message;
};

// Parses an expression; on failure returns null and fills *err.
ExprPtr Parse(const std::string& text, Error* err);

// What a rule may refer to. A null root type means the policy gave no
// schema for it, and any use is an error.
struct CheckEnv {
  TypeRef input;
  TypeRef output;
};

// Type-checks a rule and annotates every node. A rule must be boolean.
bool Check(Expr* root, const CheckEnv& env, Error* err);

// Builds a type from a JSON Schema (draft 4-7 keywords: type, properties,
// required, items, enum, const, minimum, maximum, exclusive bounds,
// minItems, maxItems, minLength, maxLength, format "decimal", local $ref).
// Schemas that allow several kinds (anyOf, ["string", "number"]) give kAny,
// which a rule can only test with has() or == null.
Result<TypeRef> TypeFromSchema(const nlohmann::json& schema);

// The dotted form of a field path for messages: output.items[2].amount,
// output["odd key"].
std::string AppendField(const std::string& path, const std::string& field);

}  // namespace lithium::verify::cel
