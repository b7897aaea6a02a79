#include "scheduler/access_service.h"

namespace derm::scheduler {

grpc::Status AccessServiceImpl::WhoAmI(grpc::ServerContext* ctx, const derm::v1::WhoAmIRequest*,
                                       derm::v1::WhoAmIResponse* resp) {
  return guard_->Run(ctx, "derm.v1.AccessService.WhoAmI", [&](const Principal& caller) {
    resp->set_user(caller.user);
    resp->set_role(caller.role);
    resp->set_via(caller.via);
    return grpc::Status::OK;
  });
}

grpc::Status AccessServiceImpl::CreateToken(grpc::ServerContext* ctx, const derm::v1::CreateTokenRequest* req,
                                            derm::v1::CreateTokenResponse* resp) {
  return guard_->Run(ctx, "derm.v1.AccessService.CreateToken", [&](const Principal& caller) {
    auto created = guard_->access()->CreateToken(caller, *req, ctx->peer());
    if (!created.ok()) return ToGrpc(created.status());
    *resp = std::move(created).value();
    return grpc::Status::OK;
  });
}

grpc::Status AccessServiceImpl::ListTokens(grpc::ServerContext* ctx, const derm::v1::ListTokensRequest*,
                                           derm::v1::ListTokensResponse* resp) {
  return guard_->Run(ctx, "derm.v1.AccessService.ListTokens", [&](const Principal&) {
    for (auto& t : guard_->access()->ListTokens()) *resp->add_tokens() = std::move(t);
    return grpc::Status::OK;
  });
}

grpc::Status AccessServiceImpl::RevokeToken(grpc::ServerContext* ctx, const derm::v1::RevokeTokenRequest* req,
                                            derm::v1::Token* resp) {
  return guard_->Run(ctx, "derm.v1.AccessService.RevokeToken", [&](const Principal& caller) {
    auto revoked = guard_->access()->RevokeToken(caller, req->id(), ctx->peer());
    if (!revoked.ok()) return ToGrpc(revoked.status());
    *resp = std::move(revoked).value();
    return grpc::Status::OK;
  });
}

grpc::Status AccessServiceImpl::ListAuditEvents(grpc::ServerContext* ctx,
                                                const derm::v1::ListAuditEventsRequest* req,
                                                derm::v1::ListAuditEventsResponse* resp) {
  return guard_->Run(ctx, "derm.v1.AccessService.ListAuditEvents", [&](const Principal&) {
    auto events = guard_->access()->ListAuditEvents(*req);
    if (!events.ok()) return ToGrpc(events.status());
    for (auto& e : *events) *resp->add_events() = std::move(e);
    return grpc::Status::OK;
  });
}

}  // namespace derm::scheduler
