#include "src/verify/schema_validator.h"

// Without this valijson reports a malformed schema by printing and calling
// abort(); with it, it throws, and Create() turns that into a Status.
#define VALIJSON_USE_EXCEPTIONS 1
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

namespace lithium::verify {

struct SchemaValidator::Impl {
  valijson::Schema schema;
};

SchemaValidator::SchemaValidator() : impl_(std::make_unique<Impl>()) {}
SchemaValidator::~SchemaValidator() = default;

Result<std::unique_ptr<SchemaValidator>> SchemaValidator::Create(const nlohmann::json& schema) {
  std::unique_ptr<SchemaValidator> v(new SchemaValidator());
  try {
    valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
    valijson::adapters::NlohmannJsonAdapter adapter(schema);
    parser.populateSchema(adapter, v->impl_->schema);
  } catch (const std::exception& e) {
    return Status::Invalid(std::string("invalid JSON Schema: ") + e.what());
  }
  return v;
}

namespace {

std::string EscapePointer(const std::string& token) {
  std::string out;
  for (char c : token) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// valijson names the failing node by a path such as ["<root>", "[items]",
// "[0]"], which cannot tell index 0 from a key "0"; walking the document
// alongside resolves it.
std::string ToPointer(const std::vector<std::string>& context, const nlohmann::json& doc) {
  std::string pointer;
  const nlohmann::json* at = &doc;
  for (size_t i = 1; i < context.size(); ++i) {
    std::string token = context[i];
    if (token.size() >= 2 && token.front() == '[' && token.back() == ']') token = token.substr(1, token.size() - 2);
    pointer += "/" + EscapePointer(token);
    if (at == nullptr) continue;
    if (at->is_object()) {
      auto it = at->find(token);
      at = it == at->end() ? nullptr : &*it;
    } else if (at->is_array()) {
      char* end = nullptr;
      const unsigned long k = std::strtoul(token.c_str(), &end, 10);
      at = (!token.empty() && *end == 0 && k < at->size()) ? &(*at)[k] : nullptr;
    } else {
      at = nullptr;
    }
  }
  return pointer;
}

// valijson follows each specific error with summaries for every enclosing
// node ("Failed to validate against schema associated with property name
// 'x'."); they repeat what the specific error says.
bool IsSummary(const std::string& m) {
  return m.rfind("Failed to validate against schema associated with", 0) == 0 ||
         m.rfind("Failed to validate item #", 0) == 0 ||
         m.rfind("Failed to validate against child schema", 0) == 0;
}

}  // namespace

std::vector<SchemaError> SchemaValidator::Validate(const nlohmann::json& doc) const {
  std::vector<SchemaError> out;
  try {
    valijson::Validator validator;
    valijson::ValidationResults results;
    valijson::adapters::NlohmannJsonAdapter adapter(doc);
    if (validator.validate(impl_->schema, adapter, &results)) return out;
    std::vector<SchemaError> summaries;
    valijson::ValidationResults::Error e;
    while (results.popError(e)) {
      SchemaError se{ToPointer(e.context, doc), e.description};
      (IsSummary(e.description) ? summaries : out).push_back(std::move(se));
    }
    if (out.empty()) out = std::move(summaries);
  } catch (const std::exception& e) {
    out.push_back({"", std::string("schema validation failed: ") + e.what()});
  }
  return out;
}

}  // namespace lithium::verify
