// JSON Schema -> grammar. The grammar accepts exactly the instances that
// validate against the schema, written in lithium's output style:
//
//   * no whitespace anywhere: {"a":1,"b":[true,null]}
//   * strings as UTF-8 with the minimal escapes: \" \\ \b \f \n \r \t, and
//     \u00XX (lowercase hex) for the other control characters; nothing
//     else is escaped (not "/", not non-ASCII)
//   * integers (and numbers with a zero fraction) as plain digits, no "-0";
//     other numbers in JSON syntax (a fraction and/or an exponent; no
//     exponent where the schema bounds the number)
//   * object members: the declared "properties" in schema order (or sorted
//     by name, JsonSchemaOptions::sort_properties), each at most once;
//     additional members, when allowed, anywhere between them, with names
//     that are not declared
//
// CanonicalJson writes any JSON value in this style. A keyword the grammar
// cannot enforce is an error naming the keyword and its JSON pointer (e.g.
// "uniqueItems at /properties/tags"), never silently ignored; annotations
// (title, description, default, examples, $comment, ...) are ignored.
// docs/structured-output.md lists what is supported.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "nlohmann/json.hpp"
#include "src/base/status.h"
#include "src/grammar/grammar.h"

namespace lithium::grammar {

struct JsonSchemaOptions {
  // JSON Schema allows additional properties unless the schema says
  // "additionalProperties": false. This flag makes absent
  // additionalProperties mean false (as OpenAI's strict mode does), which
  // keeps generated objects to the declared properties.
  bool forbid_additional_properties = false;
  // Declared properties in byte order of their names instead of schema
  // order (the recogniser tests use it: a sorted serialisation then needs
  // no knowledge of the schema).
  bool sort_properties = false;
  // 0: from "$schema" (draft-04/06/07 URIs select draft 7 semantics, the
  // default is 2020-12); 7 or 2020 to force one. Draft 7 differs in items
  // (array form), additionalItems and $ref (siblings ignored).
  int draft = 0;
};

Result<Grammar> JsonSchemaToGrammar(const nlohmann::ordered_json& schema, const JsonSchemaOptions& options = {});
// Parses the text first (an error names the offset).
Result<Grammar> JsonSchemaToGrammar(std::string_view schema_text, const JsonSchemaOptions& options = {});

// A value in lithium's output style (see above).
std::string CanonicalJson(const nlohmann::ordered_json& value, bool sort_keys);

// Keywords the compiler enforces, and those it ignores as annotations.
const std::vector<std::string>& EnforcedKeywords();
const std::vector<std::string>& AnnotationKeywords();

}  // namespace lithium::grammar
