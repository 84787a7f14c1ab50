// The values a chat template computes with. They model the Python objects
// that jinja2 sees when Hugging Face's apply_chat_template renders a template
// (str, int, float, bool, None, list, tuple, dict, jinja2's Undefined and
// Namespace, functions), because byte-identical output depends on Python's
// semantics: str() of a list prints its repr, 1 == 1.0, True + 1 == 2, a
// missing dict key is Undefined rather than an error, and so on.
//
// Internal to src/tokenizer; the public API is chat_template.h.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "nlohmann/json.hpp"
#include "src/base/status.h"
#include "src/base/utf8.h"

namespace lithium::tokenizer::jinja {

class Value;
class Evaluator;

using List = std::vector<Value>;

// Positional and keyword arguments of a call, filter or test.
struct CallArgs {
  std::vector<Value> args;
  std::vector<std::pair<std::string, Value>> kwargs;
};

// A function value: a macro, a global such as range(), or a bound method
// such as "abc".upper. The evaluator is passed in because macros render.
struct Function {
  std::string name;
  std::function<Result<Value>(Evaluator&, CallArgs&)> call;
};

class Value {
 public:
  enum class Kind : uint8_t {
    kUndefined, kNone, kBool, kInt, kFloat, kString, kList, kDict, kNamespace, kFunction,
  };

  // An ordered mapping with string keys: JSON objects, dict literals and
  // namespace() attributes. Linear lookup is fine for chat-sized objects.
  struct Dict {
    std::vector<std::pair<std::string, Value>> items;
    const Value* Find(std::string_view key) const;
    void Set(const std::string& key, Value v);
  };

  Value() = default;  // Undefined
  static Value Undefined(std::string hint = {});
  static Value None();
  static Value Bool(bool b);
  static Value Int(int64_t i);
  static Value Float(double f);
  static Value String(std::string s);
  static Value MakeList(List items, bool tuple = false);
  static Value MakeDict(Dict d);
  static Value MakeNamespace(Dict d);
  static Value MakeFunction(std::string name, std::function<Result<Value>(Evaluator&, CallArgs&)> fn);
  static Value FromJson(const nlohmann::ordered_json& j);

  Kind kind() const { return kind_; }
  bool is_undefined() const { return kind_ == Kind::kUndefined; }
  bool is_none() const { return kind_ == Kind::kNone; }
  bool is_bool() const { return kind_ == Kind::kBool; }
  bool is_int() const { return kind_ == Kind::kInt; }
  bool is_float() const { return kind_ == Kind::kFloat; }
  // Python's bool is an int: True + 1 == 2.
  bool is_integral() const { return kind_ == Kind::kInt || kind_ == Kind::kBool; }
  bool is_number() const { return is_integral() || kind_ == Kind::kFloat; }
  bool is_string() const { return kind_ == Kind::kString; }
  bool is_list() const { return kind_ == Kind::kList; }
  bool is_tuple() const { return kind_ == Kind::kList && tuple_; }
  bool is_dict() const { return kind_ == Kind::kDict; }
  bool is_namespace() const { return kind_ == Kind::kNamespace; }
  bool is_function() const { return kind_ == Kind::kFunction; }

  bool bool_value() const { return b_; }
  int64_t int_value() const { return kind_ == Kind::kBool ? (b_ ? 1 : 0) : i_; }
  double number() const { return kind_ == Kind::kFloat ? f_ : static_cast<double>(int_value()); }
  const std::string& str() const { return s_; }  // kString; for kUndefined, what was undefined
  const List& list() const { return *list_; }
  const Dict& dict() const { return *dict_; }
  Dict& ns() const { return *dict_mut_; }  // namespaces are the one mutable object
  const Function& function() const { return *fn_; }
  // Identity of containers and functions, for the sameas test.
  const void* identity() const;

  // Python's truth value; Undefined is false.
  bool Truthy() const;
  // Python's type name, for error messages: 'str', 'int', 'dict', ...
  const char* TypeName() const;

 private:
  Kind kind_ = Kind::kUndefined;
  bool b_ = false;
  bool tuple_ = false;
  int64_t i_ = 0;
  double f_ = 0;
  std::string s_;
  std::shared_ptr<const List> list_;
  std::shared_ptr<const Dict> dict_;
  std::shared_ptr<Dict> dict_mut_;
  std::shared_ptr<const Function> fn_;
};

using Dict = Value::Dict;

// str(value) as Python prints it: strings as they are, None as "None",
// lists as their repr, Undefined as "".
std::string ToStr(const Value& v);
// repr(value): strings quoted and escaped the way Python does.
std::string Repr(const Value& v);
// Python's repr of a float: the shortest text that reads back exactly,
// "1.0", "1e+16", "1.5e-07".
std::string FloatRepr(double d);

// json.dumps(value, ensure_ascii, indent, separators, sort_keys), the
// tojson filter that Hugging Face installs. indent < 0 means None.
struct JsonOptions {
  int indent = -1;
  std::string indent_text;  // when indent was given as a string
  bool ensure_ascii = false;
  bool sort_keys = false;
  bool has_separators = false;  // else Python's defaults for the indent
  std::string item_sep, key_sep;
};
Result<std::string> ToJson(const Value& v, const JsonOptions& opts);

// Python ==.
bool Equal(const Value& a, const Value& b);
// Python <, for sorting and comparisons; errors on unorderable types.
Result<bool> Less(const Value& a, const Value& b);

// UTF-8 helpers: Python strings index by code point, our strings are bytes.
// Invalid bytes count as one code point each, so nothing here can fail.
std::vector<std::string> SplitCodePoints(std::string_view s);
size_t CountCodePoints(std::string_view s);
// Decodes one code point at s[*pos], advancing *pos; invalid bytes decode
// as themselves (0x80..0xFF).
uint32_t DecodeCodePoint(std::string_view s, size_t* pos);
using ::lithium::AppendUtf8;
// str.isspace() for one code point.
bool IsPyWhitespace(uint32_t cp);

}  // namespace lithium::tokenizer::jinja
