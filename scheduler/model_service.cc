#include "scheduler/model_service.h"

#include "scheduler/grpc_reply.h"

namespace derm::scheduler {

grpc::Status ModelServiceImpl::RegisterModel(grpc::ServerContext* ctx,
                                             const derm::v1::RegisterModelRequest* req,
                                             derm::v1::ModelVersion* resp) {
  return guard_->Run(ctx, "derm.v1.ModelService.RegisterModel", [&](const Principal& caller) {
    return Reply(scheduler_->RegisterModel(*req, caller.user), resp);
  });
}

grpc::Status ModelServiceImpl::PromoteModel(grpc::ServerContext* ctx,
                                            const derm::v1::PromoteModelRequest* req,
                                            derm::v1::ModelVersion* resp) {
  return guard_->Run(ctx, "derm.v1.ModelService.PromoteModel", [&](const Principal& caller) {
    return Reply(scheduler_->PromoteModel(*req, caller.user, caller.Can(Permission::kOverrideGates)), resp);
  });
}

grpc::Status ModelServiceImpl::ListModelVersions(grpc::ServerContext* ctx,
                                                 const derm::v1::ListModelVersionsRequest* req,
                                                 derm::v1::ListModelVersionsResponse* resp) {
  return guard_->Run(ctx, "derm.v1.ModelService.ListModelVersions",
                     [&](const Principal&) { return Reply(scheduler_->ListModelVersions(*req), resp); });
}

}  // namespace derm::scheduler
