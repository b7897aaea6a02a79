#include "common/grpc/tls.h"

#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_credentials_options.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace derm {
namespace {

// OpenSSL's reason for the last failure, for messages.
std::string OpenSslError() {
  const unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return "unknown error";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

}  // namespace

Status CheckTlsFiles(const TlsFiles& files, bool need_identity) {
  if (need_identity && (files.cert.empty() || files.key.empty())) {
    return InvalidArgument("TLS needs both a certificate (--tls-cert) and its key (--tls-key)");
  }
  if (files.cert.empty() != files.key.empty()) {
    return InvalidArgument(
        "a client certificate (--tls-cert) needs its key (--tls-key), and the other way round");
  }
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_method()), &SSL_CTX_free);
  if (!ctx) return Internal("cannot make an OpenSSL context: " + OpenSslError());
  if (!files.cert.empty()) {
    if (SSL_CTX_use_certificate_chain_file(ctx.get(), files.cert.c_str()) != 1)
      return InvalidArgument("cannot use the certificate " + files.cert + ": " + OpenSslError());
    const bool key_used = SSL_CTX_use_PrivateKey_file(ctx.get(), files.key.c_str(), SSL_FILETYPE_PEM) == 1;
    if (!key_used && ERR_GET_REASON(ERR_peek_last_error()) != X509_R_KEY_VALUES_MISMATCH)
      return InvalidArgument("cannot use the private key " + files.key + ": " + OpenSslError());
    if (!key_used || SSL_CTX_check_private_key(ctx.get()) != 1) {
      ERR_clear_error();
      return InvalidArgument("the key " + files.key + " does not match the certificate " + files.cert);
    }
  }
  if (!files.ca.empty() && SSL_CTX_load_verify_locations(ctx.get(), files.ca.c_str(), nullptr) != 1) {
    return InvalidArgument("cannot use the CA certificate " + files.ca + ": " + OpenSslError());
  }
  return Status::Ok();
}

StatusOr<std::shared_ptr<grpc::ServerCredentials>> TlsServerCredentials(const TlsFiles& files) {
  DERM_RETURN_IF_ERROR(CheckTlsFiles(files, /*need_identity=*/true));
  auto provider = std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
      files.key, files.cert, files.ca, files.refresh_seconds);
  grpc::experimental::TlsServerCredentialsOptions options(provider);
  options.watch_identity_key_cert_pairs();
  if (!files.ca.empty()) {
    options.watch_root_certs();
    options.set_cert_request_type(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  }
  return grpc::experimental::TlsServerCredentials(options);
}

StatusOr<std::shared_ptr<grpc::ChannelCredentials>> TlsChannelCredentials(const TlsFiles& files) {
  DERM_RETURN_IF_ERROR(CheckTlsFiles(files, /*need_identity=*/false));
  grpc::experimental::TlsChannelCredentialsOptions options;
  if (!files.ca.empty() || !files.cert.empty()) {
    options.set_certificate_provider(std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
        files.key, files.cert, files.ca, files.refresh_seconds));
    if (!files.ca.empty()) options.watch_root_certs();
    if (!files.cert.empty()) options.watch_identity_key_cert_pairs();
  }
  return grpc::experimental::TlsCredentials(options);
}

StatusOr<std::shared_ptr<grpc::ChannelCredentials>> ChannelCredentialsFor(const TlsFiles& files) {
  if (!files.enabled()) return grpc::InsecureChannelCredentials();
  return TlsChannelCredentials(files);
}

}  // namespace derm
