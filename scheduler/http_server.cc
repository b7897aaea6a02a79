#include "scheduler/http_server.h"

#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/ip/address.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace derm::scheduler {

namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

HttpServer::HttpServer(Handler handler) : handler_(std::move(handler)) {}

HttpServer::~HttpServer() { Stop(); }

StatusOr<int> HttpServer::Start(const std::string& listen) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos) return InvalidArgument("--http-listen must be HOST:PORT, got " + listen);
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(listen.substr(0, colon), ec);
  if (ec) return InvalidArgument("--http-listen: bad address " + listen.substr(0, colon));
  const int port = std::atoi(listen.c_str() + colon + 1);
  tcp::endpoint endpoint(address, static_cast<unsigned short>(port));
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(boost::asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(16, ec);
  if (ec) return Unavailable("cannot listen on " + listen + ": " + ec.message());
  const int bound = acceptor_.local_endpoint().port();
  thread_ = std::thread([this] { Serve(); });
  return bound;
}

void HttpServer::Serve() {
  while (true) {
    boost::system::error_code ec;
    tcp::socket socket(io_);
    acceptor_.accept(socket, ec);
    if (ec) {
      if (stopping_) return;
      continue;
    }
    // A client that sends nothing holds the (single) server thread for at most 5 s.
    timeval timeout{5, 0};
    setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    beast::flat_buffer buffer;
    http::request<http::string_body> req;
    http::read(socket, buffer, req, ec);
    if (ec) continue;
    HttpResponse r = handler_(std::string(req.method_string()), std::string(req.target()));
    http::response<http::string_body> res{static_cast<http::status>(r.status), req.version()};
    res.set(http::field::server, "derm-scheduler");
    res.set(http::field::content_type, r.content_type);
    res.keep_alive(false);
    res.body() = std::move(r.body);
    res.prepare_payload();
    http::write(socket, res, ec);
    socket.shutdown(tcp::socket::shutdown_both, ec);
  }
}

void HttpServer::Stop() {
  if (!thread_.joinable()) return;
  // shutdown() wakes the blocking accept() on Linux with an error; the loop then sees stopping_.
  stopping_ = true;
  ::shutdown(acceptor_.native_handle(), SHUT_RDWR);
  thread_.join();
  boost::system::error_code ec;
  acceptor_.close(ec);
}

}  // namespace derm::scheduler
