// HttpServer over TLS: HTTPS clients that verify the certificate are answered, plaintext ones are
// not, files that cannot be used are named, and replaced certificates serve the next connection.
#include <gtest/gtest.h>
#include <openssl/x509.h>
#include <sys/time.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <filesystem>

#include "scheduler/http_server.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_certificates.h"

namespace derm::scheduler {
namespace {

namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;

HttpResponse Ok(const std::string& method, const std::string& path) {
  HttpResponse r;
  r.body = method + " " + path;
  return r;
}

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
