// CallGuard: what every RPC handler does around its body: time the call, authenticate the caller
// and check the permission table (scheduler/access/), then run the body with the caller's
// Principal; refusals, the body's own PERMISSION_DENIED answers included (another user's job,
// another worker's attempt), are counted and written to the audit trail.
// Thread-safety: thread-safe.
#pragma once

#include <grpcpp/grpcpp.h>

#include <cstring>
#include <string>

#include "common/grpc/grpc_status.h"
#include "scheduler/access/access_control.h"
#include "scheduler/metrics.h"

namespace derm::scheduler {

class CallGuard {
 public:
  // `trust_client_certificates`: the server verifies client certificates (mTLS), so a verified
  // certificate's subject may identify the caller.
  CallGuard(AccessControl* access, Metrics* metrics, bool trust_client_certificates)
      : access_(access), metrics_(metrics), trust_client_certificates_(trust_client_certificates) {}

  // Runs `body(const Principal&) -> grpc::Status` for the RPC `method` (its full name, a string
  // literal: "derm.v1.JobService.CancelJob") when the caller may call it.
  template <typename Body>
  grpc::Status Run(grpc::ServerContext* ctx, const char* method, Body&& body) {
    RpcTimer timer(metrics_, std::strrchr(method, '.') + 1);
    StatusOr<Principal> principal = access_->Authenticate(CredentialsOf(*ctx));
    if (!principal.ok()) return Refuse(*ctx, nullptr, method, principal.status());
    if (Status allowed = access_->Authorize(*principal, method); !allowed.ok()) {
      return Refuse(*ctx, &*principal, method, allowed);
    }
    grpc::Status result = body(static_cast<const Principal&>(*principal));
    if (result.error_code() == grpc::StatusCode::PERMISSION_DENIED) {
      (void)Refuse(*ctx, &*principal, method, FromGrpc(result));  // returned as it is below
    }
    return result;
  }

  AccessControl* access() { return access_; }

 private:
  // The token, or else (mTLS) the verified client certificate.
  CallCredentials CredentialsOf(const grpc::ServerContext& ctx) const;
  // Counts and audits a refusal (with the caller's address); returns it as a gRPC status.
  grpc::Status Refuse(const grpc::ServerContext& ctx, const Principal* principal, const char* method,
                      const Status& why);

  AccessControl* access_;
  Metrics* metrics_;
  const bool trust_client_certificates_;
};

}  // namespace derm::scheduler
