#include "scheduler/http_server.h"

#include <sys/stat.h>

#include <boost/asio/ip/address.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <memory>
#include <type_traits>

#include "common/grpc/tls.h"
#include "common/parse_number.h"

namespace derm::scheduler {

namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

namespace {

// One connection: (a TLS handshake,) read one request within the deadline, answer it, close.
// Stream: beast::tcp_stream, or beast::ssl_stream over one.
template <typename Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
 public:
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

  // `tls`: the context a TLS session starts with (kept alive with it); null for plaintext.
  Session(tcp::socket socket, const HttpServer::Handler& handler, std::chrono::milliseconds deadline,
          std::atomic<int>* open, std::shared_ptr<boost::asio::ssl::context> tls = nullptr)
      : tls_(std::move(tls)),
        stream_(MakeStream(std::move(socket), tls_.get())),
        handler_(handler),
        deadline_(deadline),
        open_(open) {}
  ~Session() { --*open_; }

  void Start() {
    beast::get_lowest_layer(stream_).expires_after(deadline_);
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
    http::async_read(stream_, buffer_, request_,
                     [self = this->shared_from_this()](beast::error_code ec, size_t) { self->OnRead(ec); });
  }

  void OnRead(beast::error_code ec) {
    if (ec) return Close();  // includes the deadline passing: beast::error::timeout
    HttpResponse r = handler_(std::string(request_.method_string()), std::string(request_.target()));
    response_.result(static_cast<http::status>(r.status));
    response_.version(request_.version());
    response_.set(http::field::server, "derm-scheduler");
    response_.set(http::field::content_type, r.content_type);
    response_.keep_alive(false);
    response_.body() = std::move(r.body);
    response_.prepare_payload();
    beast::get_lowest_layer(stream_).expires_after(deadline_);
    http::async_write(stream_, response_, [self = this->shared_from_this()](beast::error_code, size_t) {
      if constexpr (kTls) {
        self->stream_.async_shutdown([self](beast::error_code) { self->Close(); });
      } else {
        self->Close();
      }
    });
  }

  void Close() {
    beast::error_code ec;
    beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_both, ec);
  }

  std::shared_ptr<boost::asio::ssl::context> tls_;  // before stream_, which uses it
  Stream stream_;
  const HttpServer::Handler& handler_;
  const std::chrono::milliseconds deadline_;
  std::atomic<int>* open_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  http::response<http::string_body> response_;
};

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
        std::make_shared<Session<beast::tcp_stream>>(std::move(socket), handler_, options_.request_deadline,
                                                     &open_)
            ->Start();
      } else {
        if (auto fresh = TlsContext(); fresh.ok()) tls_ = *fresh;
        ++open_;
        std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(
            std::move(socket), handler_, options_.request_deadline, &open_, tls_)
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

void HttpServer::Stop() {
  if (!thread_.joinable()) return;
  io_.stop();  // open sessions are dropped with io_
  thread_.join();
  boost::system::error_code ec;
  acceptor_.close(ec);
}

}  // namespace derm::scheduler
