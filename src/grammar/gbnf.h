// GBNF, llama.cpp's grammar format, so that existing grammars work:
//
//   root   ::= object            # the start rule is "root"
//   object ::= "{" ws ( pair ( "," ws pair )* )? "}"
//   pair   ::= [a-z]+ ":" ws value
//   ws     ::= [ \t\n]*
//
// Literals "..." and classes [...] / [^...] are sequences of Unicode code
// points (escapes \n \r \t \\ \" \[ \] \- \xHH \uHHHH \UHHHHHHHH), "." is any
// code point, ( ) groups, | separates alternatives, * + ? {m} {m,} {m,n}
// repeat, # starts a comment. As an extension, a rule may continue on the
// next line anywhere (llama.cpp only allows it inside parentheses): a rule
// ends where the next "name ::=" begins. Rule names may also contain '_'.
#pragma once

#include <string_view>

#include "src/base/status.h"
#include "src/grammar/grammar.h"

namespace lithium::grammar {

// Errors name the line and column.
Result<Grammar> ParseGbnf(std::string_view text);

}  // namespace lithium::grammar
