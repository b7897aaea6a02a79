// HttpServer: a small Boost.Beast HTTP/1.1 server on its own thread, plaintext or HTTPS, for the
// operational endpoints and the dashboard. Connections are served concurrently (asynchronously,
// on that one thread), one request each; every request (and a TLS handshake) must arrive whole
// within a deadline, so a slow or silent client holds only its own connection, and at most
// max_connections are open at once (more are closed on accept). Handlers run on a small pool of
// threads, so a slow one holds up no connection but its own. A response may be a stream (Server-
// Sent Events): after its headers, its producer runs on a thread of its own (at most max_streams
// at once; more get 503) until it ends, the client goes or the server stops. With TLS,
// certificate and key are read again when either file changes (checked as connections arrive),
// so they are replaced without a restart. Thread-safety: Start/Stop from one thread; the handler
// is called from several threads at once.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <ctime>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/mutex.h"
#include "common/status_or.h"

namespace derm::scheduler {

struct HttpRequest {
  std::string method;
  std::string target;                          // the path and query, as sent
  std::map<std::string, std::string> headers;  // names in lower case; a repeated one: the last
  std::string body;
  bool tls = false;  // it came over HTTPS
};

// A stream's producer: called again and again on the stream's thread; appends what to send next to
// *out (possibly nothing) and returns false after its last part. Each call returns within about a
// second, so that a server that stops is not held up.
using HttpStream = std::function<bool(std::string* out)>;

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; version=0.0.4";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // added to the response as they are
  HttpStream stream;  // set: the response is a stream (the body is not sent)
};

struct HttpServerOptions {
  int max_connections = 256;
  int handler_threads = 4;
  int max_streams = 32;
  size_t max_body_bytes = 1 << 20;
  // From accepting a connection to having read its whole request; then again for the reply.
  std::chrono::milliseconds request_deadline{5000};
  // HTTPS with this certificate chain and key (PEM files); both empty: plaintext.
  std::string tls_cert, tls_key;
};

namespace http_internal {
template <typename Stream>
class Session;  // one connection (http_server.cc)
}  // namespace http_internal

class HttpServer {
 public:
  using Handler = std::function<HttpResponse(const HttpRequest& request)>;
  explicit HttpServer(Handler handler, HttpServerOptions options = {});
  ~HttpServer();

  // Binds HOST:PORT (port 0 picks one) and starts serving; returns the bound port.
  // INVALID_ARGUMENT for a malformed address, a port outside 0-65535 or TLS files that cannot be
  // used; UNAVAILABLE when the address cannot be bound.
  StatusOr<int> Start(const std::string& listen);
  void Stop();

 private:
  void Accept();
  // Runs `loop` on a stream thread; false (and `loop` not run) at the cap or once stopping.
  bool StartStream(std::function<void()> loop);
  template <typename Stream>
  friend class http_internal::Session;
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
  std::unique_ptr<boost::asio::thread_pool> pool_;  // runs the handler
  struct StreamThread {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };
  Mutex streams_mu_;
  std::vector<StreamThread> streams_ DERM_GUARDED_BY(streams_mu_);
  std::atomic<bool> stopping_{false};
};

}  // namespace derm::scheduler
