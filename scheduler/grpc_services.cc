#include "scheduler/grpc_services.h"

#include <chrono>

#include "common/rpc/grpc_status.h"

namespace derm::scheduler {
namespace {

template <typename T, typename Out>
grpc::Status Reply(StatusOr<T> result, Out* out) {
  if (!result.ok()) return ToGrpc(result.status());
  *out = std::move(result).value();
  return grpc::Status::OK;
}

// How long a long-poll may wait: what the client asked, bounded by its own deadline.
int64_t WaitBudget(const grpc::ServerContext* ctx, int64_t asked_ms) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(ctx->deadline() -
                                                                          std::chrono::system_clock::now())
                        .count();
  return std::max<int64_t>(0, std::min<int64_t>(asked_ms, left - 200));
}

}  // namespace

grpc::Status JobServiceImpl::SubmitJob(grpc::ServerContext*, const derm::v1::SubmitJobRequest* req,
                                       derm::v1::SubmitJobResponse* resp) {
  RpcTimer timer(scheduler_->metrics(), "SubmitJob");
  return Reply(scheduler_->Submit(req->spec(), req->idempotency_key()), resp);
}

grpc::Status JobServiceImpl::GetJob(grpc::ServerContext*, const derm::v1::GetJobRequest* req,
                                    derm::v1::Job* resp) {
  RpcTimer timer(scheduler_->metrics(), "GetJob");
  return Reply(scheduler_->GetJob(req->id()), resp);
}

grpc::Status JobServiceImpl::ListJobs(grpc::ServerContext*, const derm::v1::ListJobsRequest* req,
                                      derm::v1::ListJobsResponse* resp) {
  RpcTimer timer(scheduler_->metrics(), "ListJobs");
  auto jobs = scheduler_->ListJobs(*req);
  if (!jobs.ok()) return ToGrpc(jobs.status());
  for (auto& j : *jobs) *resp->add_jobs() = std::move(j);
  return grpc::Status::OK;
}

grpc::Status JobServiceImpl::CancelJob(grpc::ServerContext*, const derm::v1::CancelJobRequest* req,
                                       derm::v1::Job* resp) {
  RpcTimer timer(scheduler_->metrics(), "CancelJob");
  return Reply(scheduler_->Cancel(req->id(), req->reason()), resp);
}

grpc::Status JobServiceImpl::WatchJob(grpc::ServerContext* ctx, const derm::v1::WatchJobRequest* req,
                                      grpc::ServerWriter<derm::v1::JobEvent>* writer) {
  RpcTimer timer(scheduler_->metrics(), "WatchJob");
  int64_t cursor = req->after_event_id();
  while (!ctx->IsCancelled()) {
    auto events = scheduler_->WaitForEvents(req->id(), &cursor, /*wait_ms=*/1000);
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

grpc::Status JobServiceImpl::GetRun(grpc::ServerContext*, const derm::v1::GetRunRequest* req,
                                    derm::v1::RunReport* resp) {
  RpcTimer timer(scheduler_->metrics(), "GetRun");
  return Reply(scheduler_->GetRun(req->run_id()), resp);
}

grpc::Status JobServiceImpl::ListRuns(grpc::ServerContext*, const derm::v1::ListRunsRequest* req,
                                      derm::v1::ListRunsResponse* resp) {
  RpcTimer timer(scheduler_->metrics(), "ListRuns");
  return Reply(scheduler_->ListRuns(*req), resp);
}

grpc::Status JobServiceImpl::GetConfusionMatrix(grpc::ServerContext*,
                                                const derm::v1::GetConfusionMatrixRequest* req,
                                                derm::v1::SplitMetrics* resp) {
  RpcTimer timer(scheduler_->metrics(), "GetConfusionMatrix");
  return Reply(scheduler_->GetConfusionMatrix(*req), resp);
}

grpc::Status JobServiceImpl::CompareRuns(grpc::ServerContext*, const derm::v1::CompareRunsRequest* req,
                                         derm::v1::CompareRunsResponse* resp) {
  RpcTimer timer(scheduler_->metrics(), "CompareRuns");
  return Reply(scheduler_->CompareRuns(*req), resp);
}

grpc::Status JobServiceImpl::Query(grpc::ServerContext*, const derm::v1::QueryRequest* req,
                                   derm::v1::QueryResponse* resp) {
  RpcTimer timer(scheduler_->metrics(), "Query");
  return Reply(scheduler_->Query(*req), resp);
}

grpc::Status JobServiceImpl::ListWorkers(grpc::ServerContext*, const derm::v1::ListWorkersRequest*,
                                         derm::v1::ListWorkersResponse* resp) {
  RpcTimer timer(scheduler_->metrics(), "ListWorkers");
  auto workers = scheduler_->ListWorkers();
  if (!workers.ok()) return ToGrpc(workers.status());
  for (auto& w : *workers) *resp->add_workers() = std::move(w);
  return grpc::Status::OK;
}

grpc::Status JobServiceImpl::DrainWorker(grpc::ServerContext*, const derm::v1::DrainWorkerRequest* req,
                                         derm::v1::WorkerInfo* resp) {
  RpcTimer timer(scheduler_->metrics(), "DrainWorker");
  return Reply(scheduler_->DrainWorker(req->id()), resp);
}

grpc::Status WorkerServiceImpl::RegisterWorker(grpc::ServerContext*,
                                               const derm::v1::RegisterWorkerRequest* req,
                                               derm::v1::RegisterWorkerResponse* resp) {
  RpcTimer timer(scheduler_->metrics(), "RegisterWorker");
  return Reply(scheduler_->RegisterWorker(*req), resp);
}

grpc::Status WorkerServiceImpl::Heartbeat(grpc::ServerContext*, const derm::v1::HeartbeatRequest* req,
                                          derm::v1::HeartbeatResponse* resp) {
  RpcTimer timer(scheduler_->metrics(), "Heartbeat");
  return Reply(scheduler_->Heartbeat(req->worker_id(), req->attempt_id()), resp);
}

grpc::Status WorkerServiceImpl::AcquireTask(grpc::ServerContext* ctx, const derm::v1::AcquireTaskRequest* req,
                                            derm::v1::AcquireTaskResponse* resp) {
  RpcTimer timer(scheduler_->metrics(), "AcquireTask");
  return Reply(scheduler_->AcquireTask(req->worker_id(), WaitBudget(ctx, req->wait_ms())), resp);
}

grpc::Status WorkerServiceImpl::ReportFacts(grpc::ServerContext*, const derm::v1::ReportFactsRequest* req,
                                            derm::v1::Ack*) {
  RpcTimer timer(scheduler_->metrics(), "ReportFacts");
  return ToGrpc(scheduler_->ReportFacts(*req));
}

grpc::Status WorkerServiceImpl::ReportEpoch(grpc::ServerContext*, const derm::v1::ReportEpochRequest* req,
                                            derm::v1::Ack*) {
  RpcTimer timer(scheduler_->metrics(), "ReportEpoch");
  return ToGrpc(scheduler_->ReportEpoch(*req));
}

grpc::Status WorkerServiceImpl::CompleteTask(grpc::ServerContext*, const derm::v1::CompleteTaskRequest* req,
                                             derm::v1::Ack*) {
  RpcTimer timer(scheduler_->metrics(), "CompleteTask");
  return ToGrpc(scheduler_->CompleteTask(*req));
}

grpc::Status WorkerServiceImpl::FailTask(grpc::ServerContext*, const derm::v1::FailTaskRequest* req,
                                         derm::v1::Ack*) {
  RpcTimer timer(scheduler_->metrics(), "FailTask");
  return ToGrpc(scheduler_->FailTask(*req));
}

}  // namespace derm::scheduler
