// The gRPC ModelService: the model registry (register, promote, list) over the Scheduler, each
// call through the CallGuard. Forcing a promotion past the gates needs Permission::kOverrideGates.
#pragma once

#include "derm/v1/models.grpc.pb.h"
#include "scheduler/call_guard.h"
#include "scheduler/scheduler.h"

namespace derm::scheduler {

class ModelServiceImpl final : public derm::v1::ModelService::Service {
 public:
  ModelServiceImpl(Scheduler* scheduler, CallGuard* guard) : scheduler_(scheduler), guard_(guard) {}
  grpc::Status RegisterModel(grpc::ServerContext*, const derm::v1::RegisterModelRequest*,
                             derm::v1::ModelVersion*) override;
  grpc::Status PromoteModel(grpc::ServerContext*, const derm::v1::PromoteModelRequest*,
                            derm::v1::ModelVersion*) override;
  grpc::Status ListModelVersions(grpc::ServerContext*, const derm::v1::ListModelVersionsRequest*,
                                 derm::v1::ListModelVersionsResponse*) override;

 private:
  Scheduler* scheduler_;
  CallGuard* guard_;
};

}  // namespace derm::scheduler
