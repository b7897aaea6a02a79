// The subject of a client certificate, as mTLS identities use it: the common name (CN) names the
// user, an organization (O) names the derm role (as Kubernetes maps O to groups), e.g.
//   openssl req -subj "/CN=worker-7/O=worker"
// An adapter over OpenSSL's X.509 parser.
// Thread-safety: thread-safe.
#pragma once

#include <string>
#include <vector>

#include "common/status_or.h"

namespace derm::scheduler {

struct CertificateSubject {
  std::string common_name;
  std::vector<std::string> organizations;
};

// Parses the first certificate of `pem`; INVALID_ARGUMENT when there is none.
StatusOr<CertificateSubject> ParseCertificateSubject(const std::string& pem);

}  // namespace derm::scheduler
