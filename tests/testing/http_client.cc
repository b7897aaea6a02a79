#include "tests/testing/http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/strings.h"

namespace derm::testing {

namespace {

// Writes `request` to ADDRESS and returns what comes back until the connection ends or
// enough(everything so far) is true.
std::string Exchange(const std::string& address, const std::string& request,
                     const std::function<bool(const std::string&)>& enough) {
  const size_t colon = address.rfind(':');
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(std::stoi(address.substr(colon + 1))));
  inet_pton(AF_INET, address.substr(0, colon).c_str(), &addr.sin_addr);
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return "";
  }
  timeval bound{20, 0};  // a bound for a failing test, not a wait
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &bound, sizeof bound);
  (void)!send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string resp;
  char buf[4096];
  for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) {
    resp.append(buf, n);
    if (enough && enough(resp)) break;
  }
  close(fd);
  return resp;
}

}  // namespace

HttpReply Http(const std::string& address, const HttpRequestSpec& request,
               const std::function<bool(const std::string&)>& enough) {
  std::string raw = request.method + " " + request.path +
                    " HTTP/1.1\r\nHost: " + (request.host.empty() ? address : request.host) +
                    "\r\nConnection: close\r\n";
  for (const auto& [name, value] : request.headers) raw += name + ": " + value + "\r\n";
  if (!request.body.empty() || request.method == "POST")
    raw += "Content-Length: " + std::to_string(request.body.size()) + "\r\n";
  raw += "\r\n" + request.body;
  const std::function<bool(const std::string&)> body_enough =
      enough ? [&enough](const std::string& all) {
        const size_t end = all.find("\r\n\r\n");
        return end != std::string::npos && enough(all.substr(end + 4));
      }
             : std::function<bool(const std::string&)>();
  const std::string resp = Exchange(address, raw, body_enough);
  HttpReply reply;
  const size_t head_end = resp.find("\r\n\r\n");
  if (resp.rfind("HTTP/1.1 ", 0) != 0 || head_end == std::string::npos) return reply;
  reply.status = std::stoi(resp.substr(9, 3));
  for (const std::string& line : Split(resp.substr(0, head_end), '\n')) {
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    reply.headers[AsciiLower(line.substr(0, colon))] = Trim(line.substr(colon + 1));
  }
  reply.body = resp.substr(head_end + 4);
  return reply;
}

std::string HttpGet(const std::string& address, const std::string& path) {
  return Exchange(address, "GET " + path + " HTTP/1.1\r\nHost: " + address + "\r\nConnection: close\r\n\r\n",
                  {});
}

}  // namespace derm::testing
