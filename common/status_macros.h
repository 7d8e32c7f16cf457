// Early-return helpers for absl::Status / absl::StatusOr. Debian's Abseil
// (20220623) ships neither RETURN_IF_ERROR nor ASSIGN_OR_RETURN.
#ifndef STREAMTUNE_COMMON_STATUS_MACROS_H_
#define STREAMTUNE_COMMON_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

// Returns the status from the enclosing function if `expr` is not OK.
#define STREAMTUNE_RETURN_IF_ERROR(expr)                     \
  do {                                                       \
    ::absl::Status streamtune_status_ = (expr);              \
    if (!streamtune_status_.ok()) return streamtune_status_; \
  } while (0)

#define STREAMTUNE_CONCAT_INNER_(a, b) a##b
#define STREAMTUNE_CONCAT_(a, b) STREAMTUNE_CONCAT_INNER_(a, b)

// `lhs` = value of the StatusOr `rexpr`, or return its status.
// Usage: STREAMTUNE_ASSIGN_OR_RETURN(auto rows, store->ListJobs(...));
#define STREAMTUNE_ASSIGN_OR_RETURN(lhs, rexpr) \
  STREAMTUNE_ASSIGN_OR_RETURN_IMPL_(            \
      STREAMTUNE_CONCAT_(streamtune_statusor_, __LINE__), lhs, rexpr)

#define STREAMTUNE_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                                      \
  if (!statusor.ok()) return std::move(statusor).status();      \
  lhs = std::move(statusor).value()

#endif  // STREAMTUNE_COMMON_STATUS_MACROS_H_
