#include "scheduler/http_server.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

namespace derm::scheduler {
namespace {

using tcp = boost::asio::ip::tcp;

HttpResponse Ok(const std::string& method, const std::string& path) {
  HttpResponse r;
  r.body = method + " " + path;
  return r;
}

// A client connection to the server under test, on loopback.
class Client {
 public:
  explicit Client(int port) : socket_(io_) {
    socket_.connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port));
  }
  // Errors are left to ReadToClose: a refused connection may be reset while we write.
  void Send(const std::string& bytes) {
    boost::system::error_code ec;
    boost::asio::write(socket_, boost::asio::buffer(bytes), ec);
  }
  // Reads give up after `seconds` without a byte (a bound for a failing test, not a wait).
  void GiveUpAfter(int seconds) {
    timeval t{seconds, 0};
    setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &t, sizeof t);
  }
  // Everything the server sends until it closes the connection.
  std::string ReadToClose() {
    std::string out;
    boost::system::error_code ec;
    boost::asio::read(socket_, boost::asio::dynamic_buffer(out), ec);
    return out;
  }

 private:
  boost::asio::io_context io_;
  tcp::socket socket_;
};

TEST(HttpServerTest, RefusesPortsOutsideTheRangeAndNonNumbers) {
  for (const std::string listen :
       {"127.0.0.1:70000", "127.0.0.1:-1", "127.0.0.1:abc", "127.0.0.1:", "127.0.0.1:80x"}) {
    HttpServer server(Ok);
    auto port = server.Start(listen);
    ASSERT_FALSE(port.ok()) << listen;
    EXPECT_EQ(port.status().code(), StatusCode::kInvalidArgument) << listen;
    EXPECT_NE(port.status().message().find("from 0 to 65535, got '" + listen.substr(10) + "'"),
              std::string::npos)
        << port.status().message();
  }
  HttpServer server(Ok);
  EXPECT_EQ(server.Start("localhost:0").status().code(), StatusCode::kInvalidArgument) << "not an address";
}

TEST(HttpServerTest, ASlowClientDoesNotHoldUpOthersAndIsCutOffAtTheDeadline) {
  HttpServerOptions options;
  options.request_deadline = std::chrono::milliseconds(3000);
  HttpServer server(Ok, options);
  auto port = server.Start("127.0.0.1:0");
  ASSERT_TRUE(port.ok()) << port.status().ToString();

  Client slow(*port);
  slow.Send("GET /metr");  // and nothing more
  Client probe(*port);
  // Served at once, long before the slow client's deadline (a server that waits for the slow
  // client first would answer after 3 s).
  probe.GiveUpAfter(2);
  probe.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  const std::string reply = probe.ReadToClose();
  EXPECT_EQ(reply.rfind("HTTP/1.1 200", 0), 0u) << reply;
  EXPECT_NE(reply.find("GET /healthz"), std::string::npos) << reply;

  // The server closes the slow connection once its deadline passes, without an answer.
  EXPECT_EQ(slow.ReadToClose(), "");
}

TEST(HttpServerTest, ConnectionsBeyondTheCapAreClosedAtOnce) {
  HttpServerOptions options;
  options.max_connections = 2;
  options.request_deadline = std::chrono::seconds(60);
  HttpServer server(Ok, options);
  auto port = server.Start("127.0.0.1:0");
  ASSERT_TRUE(port.ok()) << port.status().ToString();
  Client a(*port), b(*port);
  a.Send("G");
  b.Send("G");
  Client c(*port);  // accepted after a and b (the backlog is first in, first out), over the cap
  c.Send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(c.ReadToClose(), "");
}

}  // namespace
}  // namespace derm::scheduler
