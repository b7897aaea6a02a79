// Which Host headers the dashboard answers: the names the operator gave (--http-host) and the
// address it listens on, so a page of another site that a victim's browser resolves to this
// address (DNS rebinding) is refused.
#pragma once

#include <set>
#include <string>
#include <vector>

namespace derm::scheduler::web {

// "HOST:PORT" for each of `names` (a name that has a port is kept as it is), for the listen
// address's host (unless it is 0.0.0.0 or ::), and for localhost, 127.0.0.1 and [::1] when the
// address is a loopback or any-address; on port 80 or 443 each also without the port.
std::set<std::string> AllowedHosts(const std::string& listen_host, int port,
                                   const std::vector<std::string>& names);

}  // namespace derm::scheduler::web
