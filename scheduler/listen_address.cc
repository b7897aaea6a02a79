#include "scheduler/listen_address.h"

#include <arpa/inet.h>

#include "common/parse_number.h"

namespace derm::scheduler {

StatusOr<std::string> NumericListenAddress(const std::string& listen) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos) return InvalidArgument("--listen " + listen + " is not HOST:PORT");
  std::string host = listen.substr(0, colon);
  const auto port = ParseInt64(listen.substr(colon + 1));
  if (!port || *port < 0 || *port > 65535) {
    return InvalidArgument("--listen " + listen + ": the port must be a number from 0 to 65535");
  }
  if (host.empty()) {
    return InvalidArgument("--listen " + listen +
                           ": name the address to listen on (127.0.0.1, 0.0.0.0 or [::])");
  }
  if (host == "localhost") host = "127.0.0.1";
  unsigned char buf[16];
  const bool v6 = host.size() > 2 && host.front() == '[' && host.back() == ']' &&
                  inet_pton(AF_INET6, host.substr(1, host.size() - 2).c_str(), buf) == 1;
  if (!v6 && inet_pton(AF_INET, host.c_str(), buf) != 1) {
    return InvalidArgument("--listen " + listen +
                           ": listen on an IP address (127.0.0.1, 0.0.0.0, [::]), not a name: a name can "
                           "resolve to several addresses, each of which would get a port of its own");
  }
  return host + ":" + std::to_string(*port);
}

bool IsLoopback(const std::string& numeric_address) {
  const std::string host = numeric_address.substr(0, numeric_address.rfind(':'));
  return host.rfind("127.", 0) == 0 || host == "[::1]";
}

}  // namespace derm::scheduler
