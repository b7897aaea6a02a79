#include "scheduler/grpc_services.h"

#include <chrono>

#include "common/grpc/auth.h"
#include "common/grpc/grpc_status.h"
#include "common/grpc/limits.h"

namespace derm::scheduler {
namespace {

// A reply the client could not take (over the message limit) is refused whole, before
// protobuf is asked to serialise it, instead of failing the call (or the process) there.
grpc::Status Sized(const google::protobuf::Message& reply) {
  const size_t bytes = reply.ByteSizeLong();
  if (bytes <= static_cast<size_t>(kMaxMessageBytes) - (1 << 20)) return grpc::Status::OK;
  return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                      "the answer would be " + std::to_string(bytes >> 20) +
                          " MiB, more than a reply may carry (" + std::to_string(kMaxMessageBytes >> 20) +
                          " MiB); ask for less (a limit or a filter)");
}

template <typename T, typename Out>
grpc::Status Reply(StatusOr<T> result, Out* out) {
  if (!result.ok()) return ToGrpc(result.status());
  *out = std::move(result).value();
  return Sized(*out);
}

// How long a long-poll may wait: what the client asked, bounded by its own deadline.
int64_t WaitBudget(const grpc::ServerContext* ctx, int64_t asked_ms) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(ctx->deadline() -
                                                                          std::chrono::system_clock::now())
                        .count();
  return std::max<int64_t>(0, std::min<int64_t>(asked_ms, left - 200));
}

grpc::Status Authorize(const grpc::ServerContext* ctx, const std::string& token) {
  if (token.empty()) return grpc::Status::OK;
  const auto& md = ctx->client_metadata();
  auto it = md.find(kAuthMetadataKey);
  const std::string presented = it == md.end() ? "" : std::string(it->second.data(), it->second.size());
  return ToGrpc(CheckBearer(token, it == md.end() ? nullptr : &presented));
}

}  // namespace

// Every handler starts here: latency metrics, then authentication.
#define DERM_RPC_BEGIN(name)                   \
  RpcTimer timer(scheduler_->metrics(), name); \
  if (grpc::Status denied = Authorize(ctx, token_); !denied.ok()) return denied

grpc::Status JobServiceImpl::SubmitJob(grpc::ServerContext* ctx, const derm::v1::SubmitJobRequest* req,
                                       derm::v1::SubmitJobResponse* resp) {
  DERM_RPC_BEGIN("SubmitJob");
  return Reply(scheduler_->Submit(req->spec(), req->idempotency_key()), resp);
}

grpc::Status JobServiceImpl::GetJob(grpc::ServerContext* ctx, const derm::v1::GetJobRequest* req,
                                    derm::v1::Job* resp) {
  DERM_RPC_BEGIN("GetJob");
  return Reply(scheduler_->reads().GetJob(req->id()), resp);
}

grpc::Status JobServiceImpl::ListJobs(grpc::ServerContext* ctx, const derm::v1::ListJobsRequest* req,
                                      derm::v1::ListJobsResponse* resp) {
  DERM_RPC_BEGIN("ListJobs");
  auto jobs = scheduler_->reads().ListJobs(*req);
  if (!jobs.ok()) return ToGrpc(jobs.status());
  for (auto& j : *jobs) *resp->add_jobs() = std::move(j);
  return Sized(*resp);
}

grpc::Status JobServiceImpl::CancelJob(grpc::ServerContext* ctx, const derm::v1::CancelJobRequest* req,
                                       derm::v1::Job* resp) {
  DERM_RPC_BEGIN("CancelJob");
  return Reply(scheduler_->Cancel(req->id(), req->reason()), resp);
}

grpc::Status JobServiceImpl::WatchJob(grpc::ServerContext* ctx, const derm::v1::WatchJobRequest* req,
                                      grpc::ServerWriter<derm::v1::JobEvent>* writer) {
  DERM_RPC_BEGIN("WatchJob");
  int64_t cursor = req->after_event_id();
  uint64_t progress_seen = 0;
  while (!ctx->IsCancelled()) {
    auto events = scheduler_->WaitForEvents(req->id(), &cursor, /*wait_ms=*/1000, &progress_seen);
    if (!events.ok()) return ToGrpc(events.status());
    for (const auto& e : *events) {
      if (!writer->Write(e)) return grpc::Status::CANCELLED;
      if (e.state() == derm::v1::SUCCEEDED || e.state() == derm::v1::FAILED ||
          e.state() == derm::v1::CANCELLED) {
        return grpc::Status::OK;
      }
    }
  }
  return grpc::Status::CANCELLED;
}

grpc::Status JobServiceImpl::GetRun(grpc::ServerContext* ctx, const derm::v1::GetRunRequest* req,
                                    derm::v1::RunReport* resp) {
  DERM_RPC_BEGIN("GetRun");
  return Reply(scheduler_->reads().GetRun(req->run_id()), resp);
}

grpc::Status JobServiceImpl::ListRuns(grpc::ServerContext* ctx, const derm::v1::ListRunsRequest* req,
                                      derm::v1::ListRunsResponse* resp) {
  DERM_RPC_BEGIN("ListRuns");
  return Reply(scheduler_->reads().ListRuns(*req), resp);
}

grpc::Status JobServiceImpl::GetConfusionMatrix(grpc::ServerContext* ctx,
                                                const derm::v1::GetConfusionMatrixRequest* req,
                                                derm::v1::SplitMetrics* resp) {
  DERM_RPC_BEGIN("GetConfusionMatrix");
  return Reply(scheduler_->reads().GetConfusionMatrix(*req), resp);
}

grpc::Status JobServiceImpl::CompareRuns(grpc::ServerContext* ctx, const derm::v1::CompareRunsRequest* req,
                                         derm::v1::CompareRunsResponse* resp) {
  DERM_RPC_BEGIN("CompareRuns");
  return Reply(scheduler_->reads().CompareRuns(*req), resp);
}

grpc::Status JobServiceImpl::GetModel(grpc::ServerContext* ctx, const derm::v1::GetModelRequest* req,
                                      derm::v1::Model* resp) {
  DERM_RPC_BEGIN("GetModel");
  return Reply(scheduler_->reads().GetModel(req->run_id()), resp);
}

grpc::Status JobServiceImpl::Query(grpc::ServerContext* ctx, const derm::v1::QueryRequest* req,
                                   derm::v1::QueryResponse* resp) {
  DERM_RPC_BEGIN("Query");
  return Reply(scheduler_->reads().Query(*req), resp);
}

grpc::Status JobServiceImpl::ListWorkers(grpc::ServerContext* ctx, const derm::v1::ListWorkersRequest*,
                                         derm::v1::ListWorkersResponse* resp) {
  DERM_RPC_BEGIN("ListWorkers");
  auto workers = scheduler_->reads().ListWorkers();
  if (!workers.ok()) return ToGrpc(workers.status());
  for (auto& w : *workers) *resp->add_workers() = std::move(w);
  return Sized(*resp);
}

grpc::Status JobServiceImpl::DrainWorker(grpc::ServerContext* ctx, const derm::v1::DrainWorkerRequest* req,
                                         derm::v1::WorkerInfo* resp) {
  DERM_RPC_BEGIN("DrainWorker");
  return Reply(scheduler_->DrainWorker(req->id()), resp);
}

grpc::Status WorkerServiceImpl::RegisterWorker(grpc::ServerContext* ctx,
                                               const derm::v1::RegisterWorkerRequest* req,
                                               derm::v1::RegisterWorkerResponse* resp) {
  DERM_RPC_BEGIN("RegisterWorker");
  return Reply(scheduler_->RegisterWorker(*req), resp);
}

grpc::Status WorkerServiceImpl::Heartbeat(grpc::ServerContext* ctx, const derm::v1::HeartbeatRequest* req,
                                          derm::v1::HeartbeatResponse* resp) {
  DERM_RPC_BEGIN("Heartbeat");
  return Reply(scheduler_->Heartbeat(*req), resp);
}

grpc::Status WorkerServiceImpl::AcquireTask(grpc::ServerContext* ctx, const derm::v1::AcquireTaskRequest* req,
                                            derm::v1::AcquireTaskResponse* resp) {
  DERM_RPC_BEGIN("AcquireTask");
  return Reply(scheduler_->AcquireTask(req->worker_id(), WaitBudget(ctx, req->wait_ms()),
                                       [ctx] { return ctx->IsCancelled(); }),
               resp);
}

grpc::Status WorkerServiceImpl::ReportFacts(grpc::ServerContext* ctx, const derm::v1::ReportFactsRequest* req,
                                            derm::v1::Ack*) {
  DERM_RPC_BEGIN("ReportFacts");
  return ToGrpc(scheduler_->ReportFacts(*req));
}

grpc::Status WorkerServiceImpl::ReportEpoch(grpc::ServerContext* ctx, const derm::v1::ReportEpochRequest* req,
                                            derm::v1::Ack*) {
  DERM_RPC_BEGIN("ReportEpoch");
  return ToGrpc(scheduler_->ReportEpoch(*req));
}

grpc::Status WorkerServiceImpl::CompleteTask(grpc::ServerContext* ctx,
                                             const derm::v1::CompleteTaskRequest* req, derm::v1::Ack*) {
  DERM_RPC_BEGIN("CompleteTask");
  return ToGrpc(scheduler_->CompleteTask(*req));
}

grpc::Status WorkerServiceImpl::FailTask(grpc::ServerContext* ctx, const derm::v1::FailTaskRequest* req,
                                         derm::v1::Ack*) {
  DERM_RPC_BEGIN("FailTask");
  return ToGrpc(scheduler_->FailTask(*req));
}

}  // namespace derm::scheduler
