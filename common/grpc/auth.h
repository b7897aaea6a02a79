// Shared-secret authentication of gRPC calls: when the scheduler has a token, every call must
// carry "authorization: Bearer <token>" metadata (workers and dermctl send it). Without TLS this
// keeps out accidental and unauthorised clients on a trusted network, not eavesdroppers.
#pragma once

#include <string>

#include "common/status_or.h"

namespace derm {

inline constexpr char kAuthMetadataKey[] = "authorization";

// "Bearer <token>".
std::string BearerValue(const std::string& token);

// The token from `file` when given (surrounding whitespace trimmed), else from $DERM_TOKEN, else
// empty. NOT_FOUND or INVALID_ARGUMENT naming the file when it cannot be read or is empty.
StatusOr<std::string> LoadToken(const std::string& file);

// OK when `expected` is empty (no authentication) or `presented` (the metadata value, or null
// when absent) is "Bearer <expected>"; UNAUTHENTICATED otherwise. Constant-time comparison.
Status CheckBearer(const std::string& expected, const std::string* presented);

}  // namespace derm
