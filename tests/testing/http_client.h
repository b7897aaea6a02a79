// A small HTTP/1.1 client for process-level tests of derm-scheduler's HTTP server: one request
// per connection over a plain socket, every read bounded (20 s) so a failing test ends.
#pragma once

#include <functional>
#include <map>
#include <string>

namespace derm::testing {

struct HttpReply {
  int status = 0;                              // 0: no answer
  std::map<std::string, std::string> headers;  // names in lower case; a repeated one: the last
  std::string body;
};

struct HttpRequestSpec {
  std::string method = "GET";
  std::string path;
  std::string host;  // the Host header; empty: the address itself
  std::map<std::string, std::string> headers;
  std::string body;
};

// Sends `request` to ADDRESS (IP:PORT) and reads the answer: to the end of the connection, or,
// with `enough`, until enough(body so far) is true (for event streams that do not end).
HttpReply Http(const std::string& address, const HttpRequestSpec& request,
               const std::function<bool(const std::string&)>& enough = {});

// GET http://ADDRESS/PATH; returns the whole response (status line included).
std::string HttpGet(const std::string& address, const std::string& path);

}  // namespace derm::testing
