// Bearer tokens on gRPC calls: every call to the scheduler carries "authorization: Bearer <token>"
// metadata (workers and dermctl send it), which the scheduler checks (scheduler/access/). Without
// TLS (common/grpc/tls.h) anyone on the path can read it: serve TLS beyond loopback.
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

}  // namespace derm
