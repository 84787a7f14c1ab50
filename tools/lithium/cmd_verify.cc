// lithium verify --policy FILE [INPUT.json | -]: checks a given output, with
// its input, against a policy, without a model. Exit 0 when it passes, 1 on
// violations, 2 on bad input (unreadable files, a bad policy, an input that
// does not match the policy's input_schema).
//
// The document is a JSON object with the model's output, either parsed
// ("output": {...}) or as raw text ("text": "{...}", as `lithium run
// --format json` prints it), and optionally "input": {...}.
#include <cstdio>
#include <string>
#include <vector>

#include "nlohmann/json.hpp"
#include "src/verify/policy.h"
#include "tools/lithium/args.h"
#include "tools/lithium/commands.h"
#include "tools/lithium/common.h"

namespace lithium::cli {
namespace {

Result<std::string> ReadStdin() {
  std::string s;
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), stdin)) > 0) s.append(buf, n);
  if (std::ferror(stdin)) return Status::Io("stdin: read error");
  return s;
}

void PrintText(const std::string& path, const verify::Verification& v) {
  std::printf("%s: %s\n", path.c_str(), v.passed ? "PASS" : "FAIL");
  if (!v.output_error.empty()) std::printf("  output: %s\n", v.output_error.c_str());
  for (const verify::SchemaError& e : v.schema_errors) {
    std::printf("  schema %s: %s\n", e.pointer.empty() ? "(root)" : e.pointer.c_str(), e.message.c_str());
  }
  for (const verify::RuleOutcome& r : v.rules) {
    if (r.passed) continue;
    std::printf("  %s %s: %s\n", verify::SeverityName(r.severity), r.id.c_str(), r.message.c_str());
    if (!r.error.empty()) std::printf("    error: %s\n", r.error.c_str());
    for (const verify::FieldRead& f : r.reads) {
      const std::string value = f.missing ? "missing" : f.size >= 0 ? "size " + std::to_string(f.size) : f.value.dump();
      std::printf("    %s = %s\n", f.field.c_str(), value.c_str());
    }
  }
}

}  // namespace

int CmdVerify(int argc, char** argv) {
  std::string policy_path, format = "json";
  std::vector<std::string> positional;
  Args args("verify", "lithium verify --policy FILE [INPUT.json | -]   (exit 0 pass, 1 violations, 2 error)");
  args.String(&policy_path, "--policy", "FILE", "the policy (YAML, docs/policy.md)");
  args.String(&format, "--format", "json|text", "json prints the verification object (default); text a summary");
  args.Positional(&positional);
  Status st = args.Parse(argc, argv, 2);
  if (!st.ok()) return ReportError(st);
  if (args.help_requested()) {
    std::fputs(args.Help().c_str(), stdout);
    return kExitOk;
  }
  if (policy_path.empty()) return ReportError(Status::Usage("lithium verify: --policy FILE is required"));
  if (format != "json" && format != "text") return ReportError(Status::Usage("--format must be json or text"));
  if (positional.size() > 1) return ReportError(Status::Usage("lithium verify takes one document (a file or -)"));
  const std::string doc_path = positional.empty() ? "-" : positional[0];

  auto policy = verify::Policy::LoadFile(policy_path);
  if (!policy.ok()) return ReportError(policy.status());
  for (const verify::Diagnostic& d : (*policy)->warnings()) {
    std::fprintf(stderr, "lithium: warning: %s: %s\n", d.location.c_str(), d.message.c_str());
  }

  auto text = doc_path == "-" ? ReadStdin() : ReadTextFile(doc_path);
  if (!text.ok()) return ReportError(text.status());
  auto doc = verify::ParseJson(*text);
  if (!doc.ok()) return ReportError(doc.status().WithContext(doc_path));
  if (doc->kind != verify::JsonValue::Kind::kObject) {
    return ReportError(Status::Invalid(doc_path + ": expected an object with \"output\" (or \"text\") and \"input\""));
  }
  const verify::JsonValue* input = doc->Find("input");
  const verify::JsonValue* output = doc->Find("output");
  const verify::JsonValue* raw = doc->Find("text");
  Result<verify::Verification> v = Status::Internal("unset");
  if (output != nullptr) {
    v = (*policy)->Verify(input, *output);
  } else if (raw != nullptr && raw->kind == verify::JsonValue::Kind::kString) {
    v = (*policy)->VerifyText(input, raw->text);
  } else {
    return ReportError(Status::Invalid(doc_path + ": no \"output\" (the model's JSON) or \"text\" (its raw text) field"));
  }
  if (!v.ok()) return ReportError(v.status().WithContext(doc_path));

  if (format == "text") {
    PrintText(doc_path, *v);
  } else {
    nlohmann::ordered_json j;
    j["policy"] = {{"path", policy_path}, {"name", (*policy)->name()}};
    j["verdict"] = v->passed ? "pass" : "fail";
    j["verification"] = v->ToJson();
    std::printf("%s\n", j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  }
  return v->passed ? kExitOk : 1;
}

}  // namespace lithium::cli
