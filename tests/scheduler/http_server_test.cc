#include "scheduler/http_server.h"

#include <gtest/gtest.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <filesystem>
#include <future>

#include "tests/testing/temp_dir.h"
#include "tests/testing/test_certificates.h"

namespace derm::scheduler {
namespace {

using tcp = boost::asio::ip::tcp;

HttpResponse Ok(const HttpRequest& request) {
  HttpResponse r;
  r.body = request.method + " " + request.target;
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
  tcp::socket& socket() { return socket_; }
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

TEST(HttpServerTest, TheHandlerSeesHeadersAndBodyAndASlowOneHoldsUpNoOtherRequest) {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  HttpServer server([&](const HttpRequest& request) {
    if (request.target == "/slow") released.wait();  // held until the fast request is answered
    HttpResponse r;
    r.body = request.method + "|" + request.headers.at("x-test") + "|" + request.body;
    r.headers.emplace_back("X-Reply", "yes");
    return r;
  });
  auto port = server.Start("127.0.0.1:0");
  ASSERT_TRUE(port.ok()) << port.status().ToString();
  Client slow(*port);
  slow.Send("GET /slow HTTP/1.1\r\nHost: x\r\nX-Test: s\r\n\r\n");
  Client fast(*port);
  fast.GiveUpAfter(10);
  fast.Send("POST /fast HTTP/1.1\r\nHost: x\r\nX-TEST: a b\r\nContent-Length: 5\r\n\r\nhello");
  const std::string reply = fast.ReadToClose();
  release.set_value();
  EXPECT_EQ(reply.rfind("HTTP/1.1 200", 0), 0u) << reply;
  EXPECT_NE(reply.find("\r\nX-Reply: yes\r\n"), std::string::npos) << reply;
  EXPECT_EQ(reply.substr(reply.size() - 14), "POST|a b|hello");
  EXPECT_NE(slow.ReadToClose().find("GET|s|"), std::string::npos);
}

TEST(HttpServerTest, ABodyOverTheLimitIsRefusedWith413) {
  HttpServerOptions options;
  options.max_body_bytes = 100;
  HttpServer server(Ok, options);
  auto port = server.Start("127.0.0.1:0");
  ASSERT_TRUE(port.ok()) << port.status().ToString();
  Client c(*port);
  c.GiveUpAfter(10);
  c.Send("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n");  // refused on its headers
  EXPECT_EQ(c.ReadToClose().rfind("HTTP/1.1 413", 0), 0u);
}

TEST(HttpServerTest, StreamsSendTheirPartsAsTheyComeAndAreCapped) {
  HttpServerOptions options;
  options.max_streams = 1;
  std::promise<void> second_seen;
  std::shared_future<void> end = second_seen.get_future().share();
  HttpServer server(
      [&](const HttpRequest&) {
        HttpResponse r;
        r.content_type = "text/event-stream";
        auto n = std::make_shared<int>(0);
        r.stream = [n, end](std::string* out) {
          if (*n == 2) {  // holds the stream open until the test has seen the cap
            end.wait();
            return false;
          }
          *out = "data: " + std::to_string((*n)++) + "\n\n";
          return true;
        };
        return r;
      },
      options);
  auto port = server.Start("127.0.0.1:0");
  ASSERT_TRUE(port.ok()) << port.status().ToString();
  Client first(*port);
  first.GiveUpAfter(10);
  first.Send("GET /events HTTP/1.1\r\nHost: x\r\n\r\n");
  std::string got;
  char buf[256];
  while (got.find("data: 1\n\n") == std::string::npos) {
    boost::system::error_code ec;
    const size_t n = first.socket().read_some(boost::asio::buffer(buf), ec);
    ASSERT_FALSE(ec) << got;
    got.append(buf, n);
  }
  EXPECT_EQ(got.rfind("HTTP/1.1 200", 0), 0u) << got;
  EXPECT_NE(got.find("Content-Type: text/event-stream"), std::string::npos) << got;
  EXPECT_EQ(got.find("Content-Length"), std::string::npos) << "a stream ends with its connection";
  Client second(*port);  // over max_streams
  second.GiveUpAfter(10);
  second.Send("GET /events HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(second.ReadToClose().rfind("HTTP/1.1 503", 0), 0u);
  second_seen.set_value();
  EXPECT_EQ(first.ReadToClose(), "") << "the stream ended";
}

// HTTPS: HTTPS clients that verify the certificate are answered, plaintext ones are not, files
// that cannot be used are named, and replaced certificates serve the next connection.

namespace ssl = boost::asio::ssl;
struct Answer {
  std::string response;     // everything read ("" when the handshake failed)
  std::string server_name;  // the certificate's CN
};

// GET `path` over HTTPS from 127.0.0.1:`port`, verifying the server against `ca` and its name.
Answer HttpsGet(int port, const std::string& ca, const std::string& path) {
  boost::asio::io_context io;
  ssl::context ctx(ssl::context::tls_client);
  ctx.load_verify_file(ca);
  ctx.set_verify_mode(ssl::verify_peer);
  ssl::stream<tcp::socket> stream(io, ctx);
  stream.set_verify_callback(ssl::host_name_verification("127.0.0.1"));
  stream.next_layer().connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port));
  timeval t{10, 0};  // a bound for a failing test, not a wait
  setsockopt(stream.next_layer().native_handle(), SOL_SOCKET, SO_RCVTIMEO, &t, sizeof t);
  boost::system::error_code ec;
  stream.handshake(ssl::stream_base::client, ec);
  Answer a;
  if (ec) return a;
  if (X509* cert = SSL_get_peer_certificate(stream.native_handle())) {
    char cn[256] = {};
    X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn);
    a.server_name = cn;
    X509_free(cert);
  }
  const std::string request = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  boost::asio::write(stream, boost::asio::buffer(request), ec);
  boost::asio::read(stream, boost::asio::dynamic_buffer(a.response), ec);
  return a;
}

std::string PlainGet(int port) {
  boost::asio::io_context io;
  tcp::socket socket(io);
  socket.connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port));
  timeval t{10, 0};
  setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &t, sizeof t);
  boost::system::error_code ec;
  boost::asio::write(socket, boost::asio::buffer(std::string("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")),
                     ec);
  std::string out;
  boost::asio::read(socket, boost::asio::dynamic_buffer(out), ec);
  return out;
}

TEST(HttpsTest, ServesVerifyingClientsRefusesPlaintextAndPicksUpReplacedCertificates) {
  testing::TempDir dir;
  testing::TestCertificates certs(dir);
  const testing::KeyPair first = certs.Server("metrics-1");
  HttpServerOptions options;
  options.tls_cert = first.cert;
  options.tls_key = first.key;
  HttpServer server(Ok, options);
  auto port = server.Start("127.0.0.1:0");
  ASSERT_TRUE(port.ok()) << port.status().ToString();

  Answer a = HttpsGet(*port, certs.ca(), "/healthz");
  EXPECT_EQ(a.server_name, "metrics-1");
  EXPECT_EQ(a.response.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << a.response;
  EXPECT_NE(a.response.find("GET /healthz"), std::string::npos);
  EXPECT_EQ(PlainGet(*port).find("HTTP/1.1 200"), std::string::npos) << "no answer in plaintext";
  testing::TempDir other_dir;
  testing::TestCertificates other(other_dir, "other-ca");
  EXPECT_EQ(HttpsGet(*port, other.ca(), "/healthz").response, "") << "a client trusting another CA";

  const testing::KeyPair second = certs.Server("metrics-2");
  std::filesystem::rename(second.key, first.key);
  std::filesystem::rename(second.cert, first.cert);
  a = HttpsGet(*port, certs.ca(), "/metrics");
  EXPECT_EQ(a.server_name, "metrics-2") << "the next connection gets the new certificate";
  EXPECT_NE(a.response.find("GET /metrics"), std::string::npos);
  // A half-written replacement does not stop serving: the last good certificate stays.
  testing::WriteFile(first.cert, "-----BEGIN CERTIFICATE-----\ntruncated");
  EXPECT_EQ(HttpsGet(*port, certs.ca(), "/healthz").server_name, "metrics-2");
}

TEST(HttpsTest, CertificateFilesThatCannotBeUsedAreNamedAtStart) {
  testing::TempDir dir;
  testing::TestCertificates certs(dir);
  const testing::KeyPair server_cert = certs.Server("metrics");
  HttpServerOptions options;
  options.tls_cert = dir.Join("missing.pem");
  options.tls_key = server_cert.key;
  HttpServer missing(Ok, options);
  auto refused = missing.Start("127.0.0.1:0");
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find(dir.Join("missing.pem")), std::string::npos);
  options.tls_cert = server_cert.cert;
  options.tls_key = certs.Client("/CN=x").key;
  HttpServer mismatched(Ok, options);
  EXPECT_NE(mismatched.Start("127.0.0.1:0").status().message().find("does not match"), std::string::npos);
}

}  // namespace
}  // namespace derm::scheduler
