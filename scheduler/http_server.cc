#include "scheduler/http_server.h"

#include <boost/asio/ip/address.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <memory>

#include "common/parse_number.h"

namespace derm::scheduler {

namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

namespace {

// One connection: read one request within the deadline, answer it, close.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, const HttpServer::Handler& handler, std::chrono::milliseconds deadline,
          std::atomic<int>* open)
      : stream_(std::move(socket)), handler_(handler), deadline_(deadline), open_(open) {}
  ~Session() { --*open_; }

  void Start() {
    stream_.expires_after(deadline_);
    http::async_read(stream_, buffer_, request_,
                     [self = shared_from_this()](beast::error_code ec, size_t) { self->OnRead(ec); });
  }

 private:
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
    stream_.expires_after(deadline_);
    http::async_write(stream_, response_,
                      [self = shared_from_this()](beast::error_code, size_t) { self->Close(); });
  }

  void Close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
  }

  beast::tcp_stream stream_;
  const HttpServer::Handler& handler_;
  const std::chrono::milliseconds deadline_;
  std::atomic<int>* open_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  http::response<http::string_body> response_;
};

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
      } else {
        ++open_;
        std::make_shared<Session>(std::move(socket), handler_, options_.request_deadline, &open_)->Start();
      }
    }
    Accept();
  });
}

void HttpServer::Stop() {
  if (!thread_.joinable()) return;
  io_.stop();  // open sessions are dropped with io_
  thread_.join();
  boost::system::error_code ec;
  acceptor_.close(ec);
}

}  // namespace derm::scheduler
