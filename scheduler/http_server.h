// HttpServer: a small Boost.Beast HTTP/1.1 server on its own thread for the operational endpoints
// (GET /metrics, GET /healthz). Connections are served concurrently (asynchronously, on that one
// thread), one request each; every request must arrive whole within a deadline, so a slow or
// silent client holds only its own connection, and at most max_connections are open at once
// (more are closed on accept). Thread-safety: Start/Stop from one thread; the handler runs on the
// server's thread.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <functional>
#include <string>
#include <thread>

#include "common/status_or.h"

namespace derm::scheduler {

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; version=0.0.4";
  std::string body;
};

struct HttpServerOptions {
  int max_connections = 256;
  // From accepting a connection to having read its whole request; then again for the reply.
  std::chrono::milliseconds request_deadline{5000};
};

class HttpServer {
 public:
  using Handler = std::function<HttpResponse(const std::string& method, const std::string& path)>;
  explicit HttpServer(Handler handler, HttpServerOptions options = {});
  ~HttpServer();

  // Binds HOST:PORT (port 0 picks one) and starts serving; returns the bound port.
  // INVALID_ARGUMENT for a malformed address or a port outside 0-65535; UNAVAILABLE when the
  // address cannot be bound.
  StatusOr<int> Start(const std::string& listen);
  void Stop();

 private:
  void Accept();
  Handler handler_;
  HttpServerOptions options_;
  std::atomic<int> open_{0};  // before io_: sessions still queued in io_ count down on its destruction
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_{io_};
  std::thread thread_;
};

}  // namespace derm::scheduler
