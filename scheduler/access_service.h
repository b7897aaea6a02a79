// The gRPC AccessService: who am I, tokens, and the audit trail, over AccessControl
// (scheduler/access/access_control.h), each call through the CallGuard.
#pragma once

#include "derm/v1/access.grpc.pb.h"
#include "scheduler/call_guard.h"

namespace derm::scheduler {

class AccessServiceImpl final : public derm::v1::AccessService::Service {
 public:
  explicit AccessServiceImpl(CallGuard* guard) : guard_(guard) {}
  grpc::Status WhoAmI(grpc::ServerContext*, const derm::v1::WhoAmIRequest*,
                      derm::v1::WhoAmIResponse*) override;
  grpc::Status CreateToken(grpc::ServerContext*, const derm::v1::CreateTokenRequest*,
                           derm::v1::CreateTokenResponse*) override;
  grpc::Status ListTokens(grpc::ServerContext*, const derm::v1::ListTokensRequest*,
                          derm::v1::ListTokensResponse*) override;
  grpc::Status RevokeToken(grpc::ServerContext*, const derm::v1::RevokeTokenRequest*,
                           derm::v1::Token*) override;
  grpc::Status ListAuditEvents(grpc::ServerContext*, const derm::v1::ListAuditEventsRequest*,
                               derm::v1::ListAuditEventsResponse*) override;

 private:
  CallGuard* guard_;
};

}  // namespace derm::scheduler
