// What every derm client of the scheduler (dermctl, derm-worker, derm-launcher) dials with: a
// channel with derm's message limits, over TLS when files are given, and calls that carry the
// caller's token and a deadline.
// Thread-safety: thread-safe.
#pragma once

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <memory>
#include <string>

#include "common/grpc/tls.h"
#include "common/status_or.h"

namespace derm {

// A channel to `address` that sends and accepts messages up to kMaxMessageBytes. INVALID_ARGUMENT
// naming a TLS file that cannot be used.
StatusOr<std::shared_ptr<grpc::Channel>> OpenChannel(const std::string& address, const TlsFiles& tls);

// A context whose deadline is `timeout_ms` from now (0: none), carrying "authorization: Bearer
// <token>" when `token` is not empty.
std::unique_ptr<grpc::ClientContext> CallContext(int64_t timeout_ms, const std::string& token);

}  // namespace derm
