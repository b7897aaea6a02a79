// HttpServer: a small Boost.Beast HTTP/1.1 server on its own thread for the operational endpoints
// (GET /metrics, GET /healthz), plaintext or HTTPS. Connections are served concurrently
// (asynchronously, on that one thread), one request each; every request (and a TLS handshake)
// must arrive whole within a deadline, so a slow or silent client holds only its own connection,
// and at most max_connections are open at once (more are closed on accept). With TLS, certificate
// and key are read again when either file changes (checked as connections arrive), so they are
// replaced without a restart. Thread-safety: Start/Stop from one thread; the handler runs on the
// server's thread.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <ctime>
#include <functional>
#include <memory>
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
  // HTTPS with this certificate chain and key (PEM files); both empty: plaintext.
  std::string tls_cert, tls_key;
};

class HttpServer {
 public:
  using Handler = std::function<HttpResponse(const std::string& method, const std::string& path)>;
  explicit HttpServer(Handler handler, HttpServerOptions options = {});
  ~HttpServer();

  // Binds HOST:PORT (port 0 picks one) and starts serving; returns the bound port.
  // INVALID_ARGUMENT for a malformed address, a port outside 0-65535 or TLS files that cannot be
  // used; UNAVAILABLE when the address cannot be bound.
  StatusOr<int> Start(const std::string& listen);
  void Stop();

 private:
  void Accept();
  // The TLS context, rebuilt when the certificate or key file changed; the current one when the
  // new files cannot be used (a half-written file), so serving goes on.
  StatusOr<std::shared_ptr<boost::asio::ssl::context>> TlsContext();
  Handler handler_;
  HttpServerOptions options_;
  std::atomic<int> open_{0};  // before io_: sessions still queued in io_ count down on its destruction
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_{io_};
  std::thread thread_;
  std::shared_ptr<boost::asio::ssl::context> tls_;  // null: plaintext
  std::timespec tls_cert_mtime_{}, tls_key_mtime_{};
};

}  // namespace derm::scheduler
