// HttpServer: a small Boost.Beast HTTP/1.1 server on its own thread for the operational endpoints
// (GET /metrics, GET /healthz). One connection at a time, one request per connection: enough for
// scrapers and probes. Thread-safety: Start/Stop from one thread; the handler runs on the
// server's thread.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
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

class HttpServer {
 public:
  using Handler = std::function<HttpResponse(const std::string& method, const std::string& path)>;
  explicit HttpServer(Handler handler);
  ~HttpServer();

  // Binds HOST:PORT (port 0 picks one) and starts serving; returns the bound port.
  StatusOr<int> Start(const std::string& listen);
  void Stop();

 private:
  void Serve();
  Handler handler_;
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_{io_};
  std::thread thread_;
  std::atomic<bool> stopping_{false};
};

}  // namespace derm::scheduler
