// Errors as values: every fallible call in EdgeInfer returns a Status or a Result<T>.
// Nothing in the engine aborts the process on bad input.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace edgeinfer {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,     // caller passed something malformed (name, shape, option)
  kNotFound,            // a file, tensor or option value does not exist
  kInvalidModel,        // the model file is corrupt, truncated or inconsistent
  kUnsupported,         // valid model, but an operator/type the engine does not implement
  kDataRemoved,         // an intermediate tensor was freed or its memory reused
  kIoError,             // reading or writing a file failed
  kOutOfMemory,         // an allocation failed or a declared size is absurd
  kBackendUnavailable,  // e.g. no Vulkan loader or device
  kInternal,            // a bug in EdgeInfer
};

const char* status_code_name(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok() { return Status(); }
  bool is_ok() const { return code_ == StatusCode::kOk; }
  explicit operator bool() const { return is_ok(); }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "invalid model: model.onnx: node 'conv1' (Conv): ..." style one-line text.
  std::string to_string() const;

  // Returns a copy with `context + ": "` in front of the message (keeps the code).
  Status with_context(const std::string& context) const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status error(StatusCode code, std::string message) {
  return Status(code, std::move(message));
}

// A value or the Status explaining why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}
  Result(Status status) : state_(std::move(status)) {}

  bool is_ok() const { return std::holds_alternative<T>(state_); }
  explicit operator bool() const { return is_ok(); }
  const Status& status() const {
    static const Status kOkStatus;
    return is_ok() ? kOkStatus : std::get<Status>(state_);
  }
  T& value() & { return std::get<T>(state_); }
  const T& value() const& { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> state_;
};

}  // namespace edgeinfer

// Propagates a failed Status out of the calling function.
#define EI_RETURN_IF_ERROR(expr)                \
  do {                                          \
    ::edgeinfer::Status ei_status_ = (expr);    \
    if (!ei_status_.is_ok()) return ei_status_; \
  } while (0)

#define EI_CONCAT_INNER_(a, b) a##b
#define EI_CONCAT_(a, b) EI_CONCAT_INNER_(a, b)
// EI_ASSIGN_OR_RETURN(auto x, make_x()); declares x from a Result or returns its Status.
#define EI_ASSIGN_OR_RETURN(decl, expr) \
  EI_ASSIGN_OR_RETURN_IMPL_(EI_CONCAT_(ei_result_, __LINE__), decl, expr)
#define EI_ASSIGN_OR_RETURN_IMPL_(tmp, decl, expr) \
  auto tmp = (expr);                               \
  if (!tmp.is_ok()) return tmp.status();           \
  decl = std::move(tmp).value()
