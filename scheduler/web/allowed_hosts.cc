#include "scheduler/web/allowed_hosts.h"

namespace derm::scheduler::web {

std::set<std::string> AllowedHosts(const std::string& listen_host, int port,
                                   const std::vector<std::string>& names) {
  std::vector<std::string> hosts;
  const bool any = listen_host == "0.0.0.0" || listen_host == "::";
  const bool loopback =
      listen_host == "127.0.0.1" || listen_host == "::1" || listen_host.rfind("127.", 0) == 0;
  if (!any)
    hosts.push_back(listen_host.find(':') != std::string::npos ? "[" + listen_host + "]" : listen_host);
  if (any || loopback) {
    for (const char* h : {"localhost", "127.0.0.1", "[::1]"}) hosts.emplace_back(h);
  }
  std::set<std::string> allowed;
  for (const std::string& name : names) {
    const bool has_port = name.find(':') != std::string::npos && name.back() != ']';
    if (has_port) {
      allowed.insert(name);
    } else {
      hosts.push_back(name);
    }
  }
  for (const std::string& h : hosts) {
    allowed.insert(h + ":" + std::to_string(port));
    if (port == 80 || port == 443) allowed.insert(h);
  }
  return allowed;
}

}  // namespace derm::scheduler::web
