// Status propagation helpers. Debian's Abseil (20220623) has no
// ABSL_RETURN_IF_ERROR / ASSIGN_OR_RETURN; these have the same meaning.
#ifndef GWAPI_LIB_BASE_STATUS_MACROS_H_
#define GWAPI_LIB_BASE_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define GWAPI_RETURN_IF_ERROR(expr)                 \
  do {                                              \
    ::absl::Status gwapi_status_ = (expr);          \
    if (!gwapi_status_.ok()) return gwapi_status_;  \
  } while (0)

#define GWAPI_STATUS_CONCAT_INNER_(a, b) a##b
#define GWAPI_STATUS_CONCAT_(a, b) GWAPI_STATUS_CONCAT_INNER_(a, b)

#define GWAPI_ASSIGN_OR_RETURN(lhs, expr) \
  GWAPI_ASSIGN_OR_RETURN_IMPL_(GWAPI_STATUS_CONCAT_(gwapi_statusor_, __LINE__), lhs, expr)

#define GWAPI_ASSIGN_OR_RETURN_IMPL_(var, lhs, expr) \
  auto var = (expr);                                 \
  if (!var.ok()) return std::move(var).status();     \
  lhs = std::move(var).value()

#endif  // GWAPI_LIB_BASE_STATUS_MACROS_H_
