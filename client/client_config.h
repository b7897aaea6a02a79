// dermctl's settings: each comes from its flag, else the environment, else the config file
// ($DERM_CONFIG, else ~/.config/derm/config.yaml, when it exists), else the default.
//
//   # ~/.config/derm/config.yaml
//   server: scheduler.lab:50051
//   token_file: /home/me/.config/derm/token
//   timeout_ms: 20000
//   tls_ca: /home/me/.config/derm/ca.pem       # the scheduler serves TLS (--tls-ca, $DERM_TLS_CA)
//   tls_cert: /home/me/.config/derm/me.pem     # mTLS only (--tls-cert, $DERM_TLS_CERT)
//   tls_key: /home/me/.config/derm/me.key      # (--tls-key, $DERM_TLS_KEY)
#pragma once

#include <string>

#include "common/grpc/tls.h"
#include "common/status_or.h"

namespace derm::client {

struct ClientConfig {
  std::string server = "127.0.0.1:50051";
  std::string token;  // the token itself, read from the token file or $DERM_TOKEN
  int64_t timeout_ms = 10000;
  TlsFiles tls;
};

struct ClientFlags {
  std::string server;      // --server
  std::string token_file;  // --token-file
  int64_t timeout_ms = 0;  // --timeout-ms (0: not given)
  TlsFiles tls;            // --tls-ca, --tls-cert, --tls-key
};

// INVALID_ARGUMENT naming the file and key for a malformed config file or an unknown key.
StatusOr<ClientConfig> ResolveClientConfig(const ClientFlags& flags);

}  // namespace derm::client
