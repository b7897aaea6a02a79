// StatusOr<T>: either a value or a non-OK Status (as in ray's status_or.h).
// Thread-safety: like T.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <utility>

#include "common/status.h"

namespace derm {

template <typename T>
class [[nodiscard]] StatusOr {
 public:
  // Implicit from a value or from a non-OK status, so functions can `return value;` / `return status;`.
  StatusOr(T value) : value_(std::move(value)) {}         // NOLINT
  StatusOr(Status status) : status_(std::move(status)) {  // NOLINT
    if (status_.ok()) status_ = Status(StatusCode::kInternal, "StatusOr built from an OK status");
  }

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  // Require ok(): on an error they print the status and abort (a bug, never an input's fault).
  T& value() & { return Checked(), *value_; }
  const T& value() const& { return Checked(), *value_; }
  // By value, so that a temporary's value outlives a range-for over it.
  T value() && { return Checked(), std::move(*value_); }
  T* operator->() { return Checked(), &*value_; }
  const T* operator->() const { return Checked(), &*value_; }
  T& operator*() { return Checked(), *value_; }
  const T& operator*() const { return Checked(), *value_; }

 private:
  void Checked() const {
    if (!value_) {
      std::fprintf(stderr, "StatusOr::value() on an error: %s\n", status_.ToString().c_str());
      std::abort();
    }
  }
  Status status_;
  std::optional<T> value_;
};

}  // namespace derm

#define DERM_CONCAT_INNER(a, b) a##b
#define DERM_CONCAT(a, b) DERM_CONCAT_INNER(a, b)
// DERM_ASSIGN_OR_RETURN(auto x, Call()): assigns the value or returns the error status.
#define DERM_ASSIGN_OR_RETURN(lhs, expr) \
  DERM_ASSIGN_OR_RETURN_IMPL(DERM_CONCAT(derm_sor_, __LINE__), lhs, expr)
#define DERM_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                               \
  if (!tmp.ok()) return tmp.status();              \
  lhs = std::move(tmp).value()
