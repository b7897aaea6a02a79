#include "scheduler/call_guard.h"

#include <grpc/grpc_security_constants.h>

#include "common/grpc/auth.h"

namespace derm::scheduler {

CallCredentials CallGuard::CredentialsOf(const grpc::ServerContext& ctx) const {
  CallCredentials call;
  const auto& md = ctx.client_metadata();
  if (auto it = md.find(kAuthMetadataKey); it != md.end()) {
    call.authorization = std::string(it->second.data(), it->second.size());
    return call;  // a token names the caller: the certificate is not needed
  }
  if (trust_client_certificates_) {
    if (auto auth = ctx.auth_context()) {
      const auto pem = auth->FindPropertyValues(GRPC_X509_PEM_CERT_PROPERTY_NAME);
      if (!pem.empty()) call.client_certificate = std::string(pem.front().data(), pem.front().size());
    }
  }
  return call;
}

grpc::Status CallGuard::Refuse(const grpc::ServerContext& ctx, const Principal* principal, const char* method,
                               const Status& why) {
  const bool audited = access_->RecordRefusal(principal, std::strrchr(method, '.') + 1, why, ctx.peer());
  metrics_->CountRefusal(why.code() == StatusCode::kUnauthenticated ? "unauthenticated" : "permission_denied",
                         audited);
  return ToGrpc(why);
}

}  // namespace derm::scheduler
