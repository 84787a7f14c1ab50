// YAML helpers for policy files: converting YAML to JSON (schemas are
// written inline in YAML) and locating a character of a scalar in the file
// (for errors at the line and column of a rule's expression). Private to
// src/verify; yaml-cpp throws, and callers catch.
#pragma once

#include <string>

#include <yaml-cpp/yaml.h>

#include "nlohmann/json.hpp"
#include "src/base/status.h"

namespace lithium::verify {

// "name:line:column", 1-based, for a yaml-cpp mark (0-based).
std::string MarkLocation(const std::string& name, const YAML::Mark& mark);

// The location of byte `offset` of the scalar `node`'s value. Quoting,
// escapes, folding and block indentation make value offsets differ from
// file offsets, so the value is aligned with the file text from the node's
// mark; where the alignment fails (an escape such as \n) the mark's line is
// used with the offset as the column distance.
std::string ScalarLocation(const std::string& name, const std::string& source, const YAML::Node& node, size_t offset);

// YAML to JSON. Plain scalars are typed by the YAML 1.2 core schema (null,
// true/false, integers, floats); quoted scalars are strings.
Result<nlohmann::json> YamlToJson(const YAML::Node& node, const std::string& name);

}  // namespace lithium::verify
