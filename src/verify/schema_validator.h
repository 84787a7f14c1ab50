// JSON Schema validation (valijson), with errors located by JSON pointer.
// valijson throws on a malformed schema; this wrapper catches that and
// returns a Status, so callers may be built without exceptions.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "nlohmann/json.hpp"
#include "src/base/status.h"

namespace lithium::verify {

struct SchemaError {
  std::string pointer;  // RFC 6901 JSON pointer to the failing value ("" = the root)
  std::string message;
};

class SchemaValidator {
 public:
  // Draft 7 (valijson's newest). Only local $refs resolve: a policy never
  // fetches anything.
  static Result<std::unique_ptr<SchemaValidator>> Create(const nlohmann::json& schema);
  ~SchemaValidator();

  // The errors valijson reports, most specific first; empty when valid.
  std::vector<SchemaError> Validate(const nlohmann::json& doc) const;

 private:
  SchemaValidator();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lithium::verify
