#include "scheduler/http_server.h"

#include <sys/stat.h>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <memory>
#include <type_traits>

#include "common/grpc/tls.h"
#include "common/parse_number.h"
#include "common/strings.h"

namespace derm::scheduler {

namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

namespace http_internal {

// One connection: (a TLS handshake,) read one request within the deadline, run the handler on the
// server's pool, answer (or hand the connection to a stream thread), close.
// Stream: beast::tcp_stream, or beast::ssl_stream over one.
template <typename Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
 public:
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

  // `tls`: the context a TLS session starts with (kept alive with it); null for plaintext.
  Session(tcp::socket socket, HttpServer* server, std::shared_ptr<boost::asio::ssl::context> tls = nullptr)
      : tls_(std::move(tls)), stream_(MakeStream(std::move(socket), tls_.get())), server_(server) {}
  ~Session() { --server_->open_; }

  void Start() {
    beast::get_lowest_layer(stream_).expires_after(server_->options_.request_deadline);
    if constexpr (kTls) {
      stream_.async_handshake(boost::asio::ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (ec) return self->Close();
                                self->Read();
                              });
    } else {
      Read();
    }
  }

 private:
  static Stream MakeStream(tcp::socket socket, [[maybe_unused]] boost::asio::ssl::context* tls) {
    if constexpr (kTls) {
      return Stream(std::move(socket), *tls);
    } else {
      return Stream(std::move(socket));
    }
  }

  void Read() {
    parser_.body_limit(server_->options_.max_body_bytes);
    parser_.header_limit(16 * 1024);
    http::async_read(stream_, buffer_, parser_,
                     [self = this->shared_from_this()](beast::error_code ec, size_t) { self->OnRead(ec); });
  }

  void OnRead(beast::error_code ec) {
    if (ec == http::error::body_limit) {
      HttpResponse r;
      r.status = 413;
      r.body = "request body too large\n";
      return Write(std::move(r));
    }
    if (ec) return Close();  // includes the deadline passing: beast::error::timeout
    const auto& message = parser_.get();
    version_ = message.version();
    auto request = std::make_shared<HttpRequest>();
    request->method = std::string(message.method_string());
    request->target = std::string(message.target());
    for (const auto& field : message) {
      request->headers[AsciiLower(std::string(field.name_string()))] = std::string(field.value());
    }
    request->body = message.body();
    request->tls = kTls;
    boost::asio::post(*server_->pool_, [self = this->shared_from_this(), request] {
      HttpResponse r = self->server_->handler_(*request);
      boost::asio::post(self->stream_.get_executor(),
                        [self, r = std::move(r)]() mutable { self->Write(std::move(r)); });
    });
  }

  void Write(HttpResponse r) {
    auto response = std::make_shared<http::response<http::string_body>>();
    response->version(version_);
    response->set(http::field::server, "derm-scheduler");
    response->keep_alive(false);
    if (r.stream) {
      response->result(static_cast<http::status>(r.status));
      response->set(http::field::content_type, r.content_type);
      for (const auto& [name, value] : r.headers) response->insert(name, value);
      beast::get_lowest_layer(stream_).expires_never();  // the stream's thread owns the connection now
      if (server_->StartStream([self = this->shared_from_this(), response, producer = std::move(r.stream)] {
            self->RunStream(*response, producer);
          })) {
        return;
      }
      r = HttpResponse();  // at the cap of open streams
      r.status = 503;
      r.body = "too many event streams are open; try again later\n";
      response->clear();  // the stream's headers
      response->set(http::field::server, "derm-scheduler");
      response->keep_alive(false);
    }
    response->result(static_cast<http::status>(r.status));
    response->set(http::field::content_type, r.content_type);
    for (const auto& [name, value] : r.headers) response->insert(name, value);
    response->body() = std::move(r.body);
    response->prepare_payload();
    beast::get_lowest_layer(stream_).expires_after(server_->options_.request_deadline);
    http::async_write(
        stream_, *response,
        [self = this->shared_from_this(), response](beast::error_code, size_t) { self->Shutdown(); });
  }

  // On the stream's own thread: the headers (no length: the body ends when the connection does),
  // then the producer's parts until it ends, the client goes or the server stops.
  void RunStream(http::response<http::string_body>& response, const HttpStream& producer) {
    http::response_serializer<http::string_body> serializer(response);
    beast::error_code ec;
    http::write_header(stream_, serializer, ec);
    std::string out;
    for (bool more = !ec; more && !server_->stopping_;) {
      out.clear();
      more = producer(&out);
      if (!out.empty()) boost::asio::write(stream_, boost::asio::buffer(out), ec);
      if (ec) break;
    }
    Close();
  }

  void Shutdown() {
    if constexpr (kTls) {
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) { self->Close(); });
    } else {
      Close();
    }
  }

  void Close() {
    beast::error_code ec;
    beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_both, ec);
  }

  std::shared_ptr<boost::asio::ssl::context> tls_;  // before stream_, which uses it
  Stream stream_;
  HttpServer* server_;
  beast::flat_buffer buffer_;
  http::request_parser<http::string_body> parser_;
  unsigned version_ = 11;
};

}  // namespace http_internal

namespace {

// The modification time of `path`; zero when it cannot be read.
std::timespec ModifiedAt(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return {};
  return st.st_mtim;
}

bool operator!=(const std::timespec& a, const std::timespec& b) {
  return a.tv_sec != b.tv_sec || a.tv_nsec != b.tv_nsec;
}

}  // namespace

HttpServer::HttpServer(Handler handler, HttpServerOptions options)
    : handler_(std::move(handler)), options_(options) {}

HttpServer::~HttpServer() { Stop(); }

StatusOr<int> HttpServer::Start(const std::string& listen) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos)
    return InvalidArgument("--http-listen must be HOST:PORT, got '" + listen + "'");
  const std::string host = listen.substr(0, colon), port_text = listen.substr(colon + 1);
  const std::optional<int64_t> port = ParseInt64(port_text);
  if (!port || *port < 0 || *port > 65535) {
    return InvalidArgument("--http-listen: the port must be a number from 0 to 65535, got '" + port_text +
                           "'");
  }
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(host, ec);
  if (ec) return InvalidArgument("--http-listen: bad address '" + host + "'");
  if (!options_.tls_cert.empty() || !options_.tls_key.empty()) {
    DERM_ASSIGN_OR_RETURN(tls_, TlsContext());
  }
  tcp::endpoint endpoint(address, static_cast<unsigned short>(*port));
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(boost::asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(boost::asio::socket_base::max_listen_connections, ec);
  if (ec) return Unavailable("cannot listen on " + listen + ": " + ec.message());
  const int bound = acceptor_.local_endpoint().port();
  pool_ = std::make_unique<boost::asio::thread_pool>(std::max(1, options_.handler_threads));
  Accept();
  thread_ = std::thread([this] { io_.run(); });
  return bound;
}

void HttpServer::Accept() {
  acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
    if (ec == boost::asio::error::operation_aborted) return;  // Stop()
    if (!ec) {
      if (open_ >= options_.max_connections) {
        socket.close(ec);  // over the cap: refused at once, nothing read
      } else if (!tls_) {
        ++open_;
        std::make_shared<http_internal::Session<beast::tcp_stream>>(std::move(socket), this)->Start();
      } else {
        if (auto fresh = TlsContext(); fresh.ok()) tls_ = *fresh;
        ++open_;
        std::make_shared<http_internal::Session<beast::ssl_stream<beast::tcp_stream>>>(std::move(socket),
                                                                                       this, tls_)
            ->Start();
      }
    }
    Accept();
  });
}

StatusOr<std::shared_ptr<boost::asio::ssl::context>> HttpServer::TlsContext() {
  const std::timespec cert_mtime = ModifiedAt(options_.tls_cert), key_mtime = ModifiedAt(options_.tls_key);
  const bool changed = cert_mtime != tls_cert_mtime_ || key_mtime != tls_key_mtime_;
  if (tls_ && !changed) return tls_;
  // Files that cannot be used are not read again until they change once more.
  tls_cert_mtime_ = cert_mtime;
  tls_key_mtime_ = key_mtime;
  auto ctx = std::make_shared<boost::asio::ssl::context>(boost::asio::ssl::context::tls_server);
  boost::system::error_code ec;
  ctx->set_options(boost::asio::ssl::context::no_sslv2 | boost::asio::ssl::context::no_sslv3 |
                       boost::asio::ssl::context::no_tlsv1 | boost::asio::ssl::context::no_tlsv1_1,
                   ec);
  if (!ec) ctx->use_certificate_chain_file(options_.tls_cert, ec);
  if (!ec) ctx->use_private_key_file(options_.tls_key, boost::asio::ssl::context::pem, ec);
  if (!ec && SSL_CTX_check_private_key(ctx->native_handle()) == 1) return ctx;
  // The files are read once on success; on failure again, for the message that names the problem.
  TlsFiles files;
  files.cert = options_.tls_cert;
  files.key = options_.tls_key;
  DERM_RETURN_IF_ERROR(CheckTlsFiles(files, /*need_identity=*/true).WithPrefix("HTTPS"));
  return InvalidArgument("HTTPS: cannot use " + options_.tls_cert + " and " + options_.tls_key + ": " +
                         (ec ? ec.message() : "the key does not match the certificate"));
}

bool HttpServer::StartStream(std::function<void()> loop) {
  MutexLock lock(&streams_mu_);
  // Threads whose stream has ended are joined here, so the list holds only the live ones.
  for (auto it = streams_.begin(); it != streams_.end();) {
    if (*it->done) {
      it->thread.join();
      it = streams_.erase(it);
    } else {
      ++it;
    }
  }
  if (stopping_ || static_cast<int>(streams_.size()) >= options_.max_streams) return false;
  auto done = std::make_shared<std::atomic<bool>>(false);
  streams_.push_back({std::thread([loop = std::move(loop), done] {
                        loop();
                        *done = true;
                      }),
                      done});
  return true;
}

void HttpServer::Stop() {
  if (!thread_.joinable()) return;
  stopping_ = true;
  pool_->join();  // handlers running now finish; their answers are dropped with io_
  io_.stop();     // open sessions are dropped with io_
  thread_.join();
  std::vector<StreamThread> streams;
  {
    MutexLock lock(&streams_mu_);
    streams.swap(streams_);
  }
  for (auto& t : streams) t.thread.join();  // each producer returns within about a second
  boost::system::error_code ec;
  acceptor_.close(ec);
}

}  // namespace derm::scheduler
