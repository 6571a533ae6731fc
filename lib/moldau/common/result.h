#pragma once
// Status and Result<T>: how code below the socket reports failure, instead of exceptions.
// A Status carries one of Kafka's error codes (so a handler can put it on the wire as is) and a
// message for logs that says where the failure happened.

#include <cassert>
#include <string>
#include <utility>
#include <variant>

#include "moldau/common/error_code.h"

namespace moldau {

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok_status() { return Status(); }

  bool ok() const { return code_ == ErrorCode::kNone; }
  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "CORRUPT_MESSAGE: Fetch v11: ..." for logs and tool errors.
  std::string to_string() const;

 private:
  ErrorCode code_ = ErrorCode::kNone;
  std::string message_;
};

// Either a value or a failed Status. Constructing from an ok Status is a programming error.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit on purpose
  Result(Status status) : v_(std::in_place_index<1>, std::move(status)) {  // NOLINT
    assert(!std::get<1>(v_).ok());
  }
  Result(ErrorCode code, std::string message) : Result(Status(code, std::move(message))) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  // The failure, or an ok Status when there is a value.
  Status status() const { return ok() ? Status() : std::get<1>(v_); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace moldau

#define MOLDAU_CONCAT_INNER(a, b) a##b
#define MOLDAU_CONCAT(a, b) MOLDAU_CONCAT_INNER(a, b)

// Returns the Status from the enclosing function when `expr` (a Status) failed.
#define MOLDAU_RETURN_IF_ERROR(expr)              \
  do {                                            \
    ::moldau::Status moldau_status_ = (expr);     \
    if (!moldau_status_.ok()) return moldau_status_; \
  } while (0)

// `lhs = value of expr` (a Result<T>), or returns its Status from the enclosing function.
#define MOLDAU_ASSIGN_OR_RETURN(lhs, expr) \
  MOLDAU_ASSIGN_OR_RETURN_IMPL(MOLDAU_CONCAT(moldau_result_, __LINE__), lhs, expr)
#define MOLDAU_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) return tmp.status();                \
  lhs = std::move(tmp).value()

// The same two for coroutines (co_return).
#define MOLDAU_CO_RETURN_IF_ERROR(expr)                 \
  do {                                                  \
    ::moldau::Status moldau_status_ = (expr);           \
    if (!moldau_status_.ok()) co_return moldau_status_; \
  } while (0)
#define MOLDAU_CO_ASSIGN_OR_RETURN(lhs, expr) \
  MOLDAU_CO_ASSIGN_OR_RETURN_IMPL(MOLDAU_CONCAT(moldau_result_, __LINE__), lhs, expr)
#define MOLDAU_CO_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                    \
  if (!tmp.ok()) co_return tmp.status();                \
  lhs = std::move(tmp).value()
