// Throwaway certificates for TLS tests, made by the openssl command line in a test's folder: a CA,
// server certificates for 127.0.0.1, and client certificates with a subject of the test's choice.
// Each file is PEM; keys are EC P-256 (fast to make).
#pragma once

#include <string>

#include "tests/testing/temp_dir.h"

namespace derm::testing {

struct KeyPair {
  std::string cert, key;  // file paths
};

class TestCertificates {
 public:
  // Makes a CA named `ca_name` in `dir`; a test failure when openssl fails.
  TestCertificates(const TempDir& dir, const std::string& ca_name = "derm-test-ca");
  // The CA's certificate (what clients pass as --tls-ca, servers as --tls-client-ca).
  const std::string& ca() const { return ca_.cert; }
  // A server certificate for `names` (subjectAltName entries), signed by this CA, with common
  // name `cn`.
  KeyPair Server(const std::string& cn, const std::string& names = "IP:127.0.0.1,DNS:localhost");
  // A client certificate with `subject` (e.g. "/CN=vera/O=viewer"), signed by this CA.
  KeyPair Client(const std::string& subject);

 private:
  KeyPair Issue(const std::string& name, const std::string& subject, const std::string& extensions);
  const TempDir& dir_;
  std::string prefix_;
  KeyPair ca_;
  int serial_ = 0;
};

}  // namespace derm::testing
