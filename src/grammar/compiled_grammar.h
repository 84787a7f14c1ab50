// A grammar compiled for matching: each rule becomes a minimal DFA over
// bytes and rule calls (a recursive transition network). The matcher runs
// it as a pushdown automaton whose stack frames are DFA states.
//
// Compile rejects what the matcher cannot run: undefined rules, left
// recursion (it would grow the stack without consuming a byte) and
// grammars that accept nothing. It also trims every state from which no
// accepting path exists, so any state the matcher reaches can be completed:
// that is what makes a token that ends inside a rule safe to allow without
// looking at the rest of the stack.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "src/base/status.h"
#include "src/grammar/grammar.h"

namespace lithium::grammar {

struct Call {
  RuleId rule;     // the callee
  int32_t ret;     // the caller's state once the callee completes
};

struct CompiledGrammar {
  RuleId root = -1;
  std::vector<std::string> rule_names;
  std::vector<int32_t> rule_start;       // [rule] global state id
  std::vector<uint8_t> rule_leaf;        // [rule] 1: the rule calls no rule
  std::vector<int32_t> rule_class_map;   // [rule] index into class_maps
  std::vector<std::array<uint8_t, 256>> class_maps;  // byte -> class, shared by rules
  std::vector<int32_t> class_count;      // [class map] number of classes

  std::vector<int32_t> state_rule;       // [state]
  std::vector<uint8_t> final;            // [state] the rule may end here
  std::vector<uint8_t> byte_ready;       // [state] has a byte transition
  std::vector<int32_t> row;              // [state] offset of its row in trans
  std::vector<int32_t> trans;            // [row + class] next state, -1 none
  std::vector<int32_t> call_begin;       // [state + 1] CSR into calls
  std::vector<Call> calls;

  int32_t num_states() const { return int32_t(state_rule.size()); }
  int32_t Next(int32_t s, uint8_t b) const {
    return trans[size_t(row[size_t(s)]) + class_maps[rule_class_map[size_t(state_rule[size_t(s)])]][b]];
  }
};

struct CompileOptions {
  // Caps the work on pathological inputs (e.g. a{1000}{1000}); exceeding
  // one is an error, never a silent truncation.
  int64_t max_nfa_states = 4'000'000;
  int64_t max_dfa_states = 400'000;
};

Result<std::shared_ptr<const CompiledGrammar>> Compile(const Grammar& g, const CompileOptions& options = {});

}  // namespace lithium::grammar
