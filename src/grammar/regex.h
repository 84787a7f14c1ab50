// Regular expressions (an ECMA-262 subset, the dialect JSON Schema's
// "pattern" uses) compiled into grammar expressions over UTF-8 bytes.
//
// Supported: literals, ".", classes [...] and [^...] with ranges, \d \D \w
// \W \s \S, escapes (\t \n \v \f \r \0 \cX \xHH \uHHHH \u{H..} and escaped
// syntax characters), groups (...), (?:...) and (?<name>...), alternation,
// quantifiers * + ? {n} {n,} {n,m} and their lazy forms (the language is
// the same), ^ at the start and $ at the end of a top-level alternative.
// Matching is by code point (ECMA's "u" mode).
// Unsupported, and an error naming the construct: backreferences,
// lookahead and lookbehind, \b and \B, \p{...}, anchors elsewhere.
#pragma once

#include <string_view>
#include <vector>

#include "src/base/status.h"
#include "src/grammar/grammar.h"

namespace lithium::grammar {

struct RegexOptions {
  // Emit each character as it appears inside a JSON string in lithium's
  // output style (canonical escapes; see json_schema.h), for "pattern".
  bool json_string = false;
  // JSON Schema semantics: the string must contain a match somewhere,
  // unless anchored by ^ and $. Otherwise the whole output must match.
  bool search = false;
};

Result<ExprId> CompileRegex(std::string_view pattern, Grammar* g, const RegexOptions& options);

// A grammar whose root accepts exactly the strings the regex matches in
// full (for `lithium run --regex`).
Result<Grammar> RegexGrammar(std::string_view pattern);

// The characters in `ranges` (normalised), as bytes: raw UTF-8, or in
// JSON-string form with lithium's canonical escapes.
ExprId EmitChars(Grammar* g, const std::vector<CpRange>& ranges, bool json_string);

}  // namespace lithium::grammar
