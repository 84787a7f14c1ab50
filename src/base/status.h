// Errors as values (after LevelDB's Status): every function that can fail on
// untrusted input returns a Status or a Result<T>. Nothing here throws, so
// the portable core builds with -fno-exceptions for WebAssembly.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>

namespace lithium {

// Error codes map onto the CLI's exit codes: kInvalidInput and kUsage are
// the user's fault (exit 2); kInternal is ours.
enum class StatusCode {
  kOk = 0,
  kInvalidInput,  // malformed model file, prompt, schema, request body
  kUsage,         // bad flags or arguments
  kNotFound,      // missing file, key or tensor
  kUnsupported,   // valid input we do not handle (e.g. unknown tensor type)
  kOutOfRange,    // context overflow, budget exceeded
  kIo,            // the operating system refused
  kInternal,      // a bug
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  static Status Ok() { return Status(); }
  static Status Error(StatusCode code, std::string message) {
    return Status(code, std::move(message));
  }
  static Status Invalid(std::string m) { return Error(StatusCode::kInvalidInput, std::move(m)); }
  static Status Usage(std::string m) { return Error(StatusCode::kUsage, std::move(m)); }
  static Status NotFound(std::string m) { return Error(StatusCode::kNotFound, std::move(m)); }
  static Status Unsupported(std::string m) { return Error(StatusCode::kUnsupported, std::move(m)); }
  static Status OutOfRange(std::string m) { return Error(StatusCode::kOutOfRange, std::move(m)); }
  static Status Io(std::string m) { return Error(StatusCode::kIo, std::move(m)); }
  static Status Internal(std::string m) { return Error(StatusCode::kInternal, std::move(m)); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // Prefixes context ("reading model.gguf: ") while keeping the code.
  Status WithContext(const std::string& context) const {
    if (ok()) return *this;
    return Status(code_, context + ": " + message_);
  }

 private:
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// Result<T> holds either a value or a non-ok Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)), has_value_(true) {}  // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {              // NOLINT
    if (status_.ok()) status_ = Status::Internal("Result constructed from an ok Status without a value");
  }

  bool ok() const { return has_value_; }
  const Status& status() const { return status_; }
  T& value() & { return value_; }
  const T& value() const& { return value_; }
  T&& value() && { return std::move(value_); }
  T* operator->() { return &value_; }
  const T* operator->() const { return &value_; }
  T& operator*() & { return value_; }
  const T& operator*() const& { return value_; }
  T&& operator*() && { return std::move(value_); }

 private:
  T value_{};
  bool has_value_ = false;
  Status status_;
};

// Aborts with a message: for broken invariants (bugs) only, never for
// untrusted bytes.
[[noreturn]] inline void CheckFailed(const char* file, int line, const char* cond) {
  std::fprintf(stderr, "lithium: internal check failed at %s:%d: %s\n", file, line, cond);
  std::abort();
}

}  // namespace lithium

#define LI_CHECK(cond) \
  do { if (!(cond)) ::lithium::CheckFailed(__FILE__, __LINE__, #cond); } while (0)

// Propagates a non-ok Status to the caller.
#define LI_RETURN_IF_ERROR(expr)            \
  do {                                      \
    ::lithium::Status li_status_ = (expr);  \
    if (!li_status_.ok()) return li_status_; \
  } while (0)

#define LI_CONCAT_INNER(a, b) a##b
#define LI_CONCAT(a, b) LI_CONCAT_INNER(a, b)
// Declares `lhs` from a Result, or returns its Status.
#define LI_ASSIGN_OR_RETURN(lhs, expr) \
  LI_ASSIGN_OR_RETURN_IMPL(LI_CONCAT(li_result_, __LINE__), lhs, expr)
#define LI_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                             \
  if (!tmp.ok()) return tmp.status();            \
  lhs = std::move(tmp).value()
