// TLS for derm's gRPC channels, server and client, from PEM files. The files are re-read when
// they change (gRPC's file-watcher provider), so certificates are replaced without a restart:
// write the new files beside the old and rename them into place. Before anything is served, the
// files are checked once (readable, PEM, the key matches the certificate), so a mistake is a
// clear error at start instead of failed handshakes later.
// Thread-safety: thread-safe.
#pragma once

#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>

#include <memory>
#include <string>

#include "common/status_or.h"

namespace derm {

struct TlsFiles {
  std::string cert;  // this side's certificate chain (PEM); a client's only for mTLS
  std::string key;   // its private key (PEM)
  std::string ca;    // server: the CA client certificates must chain to (then they are required);
                     // client: the CA that signed the server's certificate (else the system's CAs)
  unsigned refresh_seconds = 10;  // how often changed files are noticed
  bool enabled() const { return !cert.empty() || !key.empty() || !ca.empty(); }
};

// Loads the files into a throwaway OpenSSL context: each must be readable PEM, the key must match
// the certificate, and with `need_identity` both must be given. INVALID_ARGUMENT naming the file.
Status CheckTlsFiles(const TlsFiles& files, bool need_identity);

// TLS with files.cert and files.key; with files.ca every client must present a certificate that
// chains to it (mTLS). INVALID_ARGUMENT naming the file that is missing, unreadable or not PEM,
// or a key that does not match the certificate.
StatusOr<std::shared_ptr<grpc::ServerCredentials>> TlsServerCredentials(const TlsFiles& files);

// Verifies the server against files.ca (else the system's CAs) and its name against the address
// dialled; presents files.cert/key when given (mTLS). INVALID_ARGUMENT as above.
StatusOr<std::shared_ptr<grpc::ChannelCredentials>> TlsChannelCredentials(const TlsFiles& files);

// TLS when files are given, else plaintext: what dermctl and workers dial with.
StatusOr<std::shared_ptr<grpc::ChannelCredentials>> ChannelCredentialsFor(const TlsFiles& files);

}  // namespace derm
