#include "scheduler/launcher/scheduler_api.h"

#include <grpcpp/grpcpp.h>

#include "common/grpc/channel.h"
#include "common/grpc/grpc_status.h"

namespace derm::launcher {
namespace {

constexpr int64_t kCallTimeoutMs = 10000;

}  // namespace

StatusOr<std::unique_ptr<GrpcSchedulerApi>> GrpcSchedulerApi::Connect(const std::string& address,
                                                                      const std::string& token,
                                                                      const TlsFiles& tls) {
  DERM_ASSIGN_OR_RETURN(auto channel, OpenChannel(address, tls));
  return std::unique_ptr<GrpcSchedulerApi>(
      new GrpcSchedulerApi(derm::v1::JobService::NewStub(channel), token));
}

StatusOr<std::vector<derm::v1::Job>> GrpcSchedulerApi::QueuedJobs() {
  derm::v1::ListJobsRequest req;
  req.add_states(derm::v1::QUEUED);
  req.set_limit(10000);  // the most ListJobs answers; a longer queue waits for the next round
  derm::v1::ListJobsResponse resp;
  auto ctx = CallContext(kCallTimeoutMs, token_);
  DERM_RETURN_IF_ERROR(FromGrpc(stub_->ListJobs(ctx.get(), req, &resp)));
  return std::vector<derm::v1::Job>(resp.jobs().begin(), resp.jobs().end());
}

StatusOr<std::vector<derm::v1::WorkerInfo>> GrpcSchedulerApi::Workers() {
  derm::v1::ListWorkersResponse resp;
  auto ctx = CallContext(kCallTimeoutMs, token_);
  DERM_RETURN_IF_ERROR(FromGrpc(stub_->ListWorkers(ctx.get(), derm::v1::ListWorkersRequest(), &resp)));
  return std::vector<derm::v1::WorkerInfo>(resp.workers().begin(), resp.workers().end());
}

Status GrpcSchedulerApi::Drain(int64_t id) {
  derm::v1::DrainWorkerRequest req;
  req.set_id(id);
  derm::v1::WorkerInfo resp;
  auto ctx = CallContext(kCallTimeoutMs, token_);
  return FromGrpc(stub_->DrainWorker(ctx.get(), req, &resp));
}

}  // namespace derm::launcher
