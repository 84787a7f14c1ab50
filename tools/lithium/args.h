// A small command-line parser. CLI11 would be the obvious choice, but it
// reports errors by throwing, and the CLI must also build for wasm32-wasi
// where exceptions are off. Flags are declared with their help text, so the
// usage message documents every flag.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "src/base/status.h"

namespace lithium::cli {

class Args {
 public:
  Args(std::string command, std::string usage) : command_(std::move(command)), usage_(std::move(usage)) {}

  void Flag(bool* out, const std::string& names, const std::string& help);
  void String(std::string* out, const std::string& names, const std::string& meta, const std::string& help);
  void Strings(std::vector<std::string>* out, const std::string& names, const std::string& meta,
               const std::string& help);  // repeatable
  void Int(int64_t* out, const std::string& names, const std::string& meta, const std::string& help);
  void Float(float* out, const std::string& names, const std::string& meta, const std::string& help);
  // Positional arguments are collected in order.
  void Positional(std::vector<std::string>* out) { positional_ = out; }

  // Parses argv[first...]. "--help" sets help_requested().
  Status Parse(int argc, char** argv, int first);
  bool help_requested() const { return help_; }
  bool WasSet(const std::string& long_name) const;
  std::string Help() const;

 private:
  enum class Kind { kFlag, kString, kStrings, kInt, kFloat };
  struct Spec {
    std::vector<std::string> names;
    Kind kind;
    void* out;
    std::string meta, help;
    bool set = false;
  };
  Spec* Find(const std::string& name);
  std::string command_, usage_;
  std::vector<Spec> specs_;
  std::vector<std::string>* positional_ = nullptr;
  bool help_ = false;
};

}  // namespace lithium::cli
