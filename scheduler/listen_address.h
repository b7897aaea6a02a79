// The address derm-scheduler's gRPC server listens on. Only an IP address and a port: a host name
// can resolve to several addresses (localhost to 127.0.0.1 and ::1), and with port 0 each one
// would get a port of its own, only one of them printed, every one serving the whole API.
#pragma once

#include <string>

#include "common/status_or.h"

namespace derm::scheduler {

// "IP:PORT" for `listen`: an IPv4 address or a bracketed IPv6 one ("[::]:50051"), "localhost"
// meaning 127.0.0.1, and a port from 0 (pick a free one) to 65535. INVALID_ARGUMENT naming the
// problem otherwise (an empty host, a name, a bad port).
StatusOr<std::string> NumericListenAddress(const std::string& listen);

// Whether a NumericListenAddress result is reachable from this machine only (127.0.0.0/8, [::1]).
bool IsLoopback(const std::string& numeric_address);

}  // namespace derm::scheduler
