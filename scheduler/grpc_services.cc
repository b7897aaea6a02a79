#include "scheduler/grpc_services.h"

#include <chrono>

#include "common/grpc/grpc_status.h"
#include "scheduler/grpc_reply.h"

namespace derm::scheduler {
namespace {

// How long a long-poll may wait: what the client asked, bounded by its own deadline.
int64_t WaitBudget(const grpc::ServerContext* ctx, int64_t asked_ms) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(ctx->deadline() -
                                                                          std::chrono::system_clock::now())
                        .count();
  return std::max<int64_t>(0, std::min<int64_t>(asked_ms, left - 200));
}

// The owner rule: a job is changed (cancelled, retried) by the user who submitted it, or by a
// principal who may change any job.
Status MayChange(Scheduler* scheduler, const Principal& caller, int64_t job_id) {
  if (caller.Can(Permission::kChangeAnyJob)) return Status::Ok();  // no need to read the job
  DERM_ASSIGN_OR_RETURN(derm::v1::Job job, scheduler->reads().GetJob(job_id));
  if (job.submitted_by() == caller.user) return Status::Ok();
  return PermissionDenied(caller.Describe() + " may not change job " + std::to_string(job_id) +
                          ", submitted by " +
                          (job.submitted_by().empty() ? "nobody known" : job.submitted_by()) +
                          ": only its submitter or an admin may");
}

}  // namespace

grpc::Status JobServiceImpl::SubmitJob(grpc::ServerContext* ctx, const derm::v1::SubmitJobRequest* req,
                                       derm::v1::SubmitJobResponse* resp) {
  return guard_->Run(ctx, "derm.v1.JobService.SubmitJob", [&](const Principal& caller) {
    return Reply(scheduler_->Submit(req->spec(), req->idempotency_key(), caller.user), resp);
  });
}

grpc::Status JobServiceImpl::GetJob(grpc::ServerContext* ctx, const derm::v1::GetJobRequest* req,
                                    derm::v1::Job* resp) {
  return guard_->Run(ctx, "derm.v1.JobService.GetJob",
                     [&](const Principal&) { return Reply(scheduler_->reads().GetJob(req->id()), resp); });
}

grpc::Status JobServiceImpl::ListJobs(grpc::ServerContext* ctx, const derm::v1::ListJobsRequest* req,
                                      derm::v1::ListJobsResponse* resp) {
  return guard_->Run(ctx, "derm.v1.JobService.ListJobs", [&](const Principal&) {
    auto jobs = scheduler_->reads().ListJobs(*req);
    if (!jobs.ok()) return ToGrpc(jobs.status());
    for (auto& j : *jobs) *resp->add_jobs() = std::move(j);
    return Sized(*resp);
  });
}

grpc::Status JobServiceImpl::CancelJob(grpc::ServerContext* ctx, const derm::v1::CancelJobRequest* req,
                                       derm::v1::Job* resp) {
  return guard_->Run(ctx, "derm.v1.JobService.CancelJob", [&](const Principal& caller) {
    if (Status may = MayChange(scheduler_, caller, req->id()); !may.ok()) return ToGrpc(may);
    return Reply(scheduler_->Cancel(req->id(), req->reason()), resp);
  });
}

grpc::Status JobServiceImpl::RetryJob(grpc::ServerContext* ctx, const derm::v1::RetryJobRequest* req,
                                      derm::v1::Job* resp) {
  return guard_->Run(ctx, "derm.v1.JobService.RetryJob", [&](const Principal& caller) {
    if (Status may = MayChange(scheduler_, caller, req->id()); !may.ok()) return ToGrpc(may);
    return Reply(scheduler_->Retry(req->id(), caller.user), resp);
  });
}

grpc::Status JobServiceImpl::WatchJob(grpc::ServerContext* ctx, const derm::v1::WatchJobRequest* req,
                                      grpc::ServerWriter<derm::v1::JobEvent>* writer) {
  return guard_->Run(ctx, "derm.v1.JobService.WatchJob", [&](const Principal&) {
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
  });
}

grpc::Status JobServiceImpl::WatchEvents(grpc::ServerContext* ctx, const derm::v1::WatchEventsRequest* req,
                                         grpc::ServerWriter<derm::v1::JobEvent>* writer) {
  return guard_->Run(ctx, "derm.v1.JobService.WatchEvents", [&](const Principal&) {
    if (req->after_event_id() < -1)
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          "after_event_id must be -1 (only new events) or more");
    int64_t cursor = req->after_event_id();
    uint64_t progress_seen = 0;
    while (!ctx->IsCancelled()) {
      auto events = scheduler_->WaitForAllEvents(&cursor, /*wait_ms=*/1000, &progress_seen);
      if (!events.ok()) return ToGrpc(events.status());
      for (const auto& e : *events) {
        if (!writer->Write(e)) return grpc::Status::CANCELLED;
      }
    }
    return grpc::Status::CANCELLED;
  });
}

grpc::Status JobServiceImpl::GetRun(grpc::ServerContext* ctx, const derm::v1::GetRunRequest* req,
                                    derm::v1::RunReport* resp) {
  return guard_->Run(ctx, "derm.v1.JobService.GetRun", [&](const Principal&) {
    return Reply(scheduler_->reads().GetRun(req->run_id()), resp);
  });
}

grpc::Status JobServiceImpl::ListRuns(grpc::ServerContext* ctx, const derm::v1::ListRunsRequest* req,
                                      derm::v1::ListRunsResponse* resp) {
  return guard_->Run(ctx, "derm.v1.JobService.ListRuns",
                     [&](const Principal&) { return Reply(scheduler_->reads().ListRuns(*req), resp); });
}

grpc::Status JobServiceImpl::GetConfusionMatrix(grpc::ServerContext* ctx,
                                                const derm::v1::GetConfusionMatrixRequest* req,
                                                derm::v1::SplitMetrics* resp) {
  return guard_->Run(ctx, "derm.v1.JobService.GetConfusionMatrix", [&](const Principal&) {
    return Reply(scheduler_->reads().GetConfusionMatrix(*req), resp);
  });
}

grpc::Status JobServiceImpl::CompareRuns(grpc::ServerContext* ctx, const derm::v1::CompareRunsRequest* req,
                                         derm::v1::CompareRunsResponse* resp) {
  return guard_->Run(ctx, "derm.v1.JobService.CompareRuns",
                     [&](const Principal&) { return Reply(scheduler_->reads().CompareRuns(*req), resp); });
}

grpc::Status JobServiceImpl::ListPredictions(grpc::ServerContext* ctx,
                                             const derm::v1::ListPredictionsRequest* req,
                                             derm::v1::ListPredictionsResponse* resp) {
  return guard_->Run(ctx, "derm.v1.JobService.ListPredictions", [&](const Principal&) {
    return Reply(scheduler_->reads().ListPredictions(*req), resp);
  });
}

grpc::Status JobServiceImpl::GetThumbnail(grpc::ServerContext* ctx, const derm::v1::GetThumbnailRequest* req,
                                          derm::v1::Thumbnail* resp) {
  return guard_->Run(ctx, "derm.v1.JobService.GetThumbnail",
                     [&](const Principal&) { return Reply(scheduler_->reads().GetThumbnail(*req), resp); });
}

grpc::Status JobServiceImpl::GetRunCurves(grpc::ServerContext* ctx, const derm::v1::GetRunCurvesRequest* req,
                                          derm::v1::RunCurves* resp) {
  return guard_->Run(ctx, "derm.v1.JobService.GetRunCurves",
                     [&](const Principal&) { return Reply(scheduler_->reads().GetRunCurves(*req), resp); });
}

grpc::Status JobServiceImpl::GetModel(grpc::ServerContext* ctx, const derm::v1::GetModelRequest* req,
                                      derm::v1::Model* resp) {
  return guard_->Run(ctx, "derm.v1.JobService.GetModel", [&](const Principal&) {
    return Reply(scheduler_->reads().GetModel(req->run_id()), resp);
  });
}

grpc::Status JobServiceImpl::Query(grpc::ServerContext* ctx, const derm::v1::QueryRequest* req,
                                   derm::v1::QueryResponse* resp) {
  return guard_->Run(ctx, "derm.v1.JobService.Query", [&](const Principal& caller) {
    return Reply(scheduler_->reads().Query(*req, /*read_audit=*/caller.Can(Permission::kManageAccess)), resp);
  });
}

grpc::Status JobServiceImpl::ListWorkers(grpc::ServerContext* ctx, const derm::v1::ListWorkersRequest*,
                                         derm::v1::ListWorkersResponse* resp) {
  return guard_->Run(ctx, "derm.v1.JobService.ListWorkers", [&](const Principal&) {
    auto workers = scheduler_->reads().ListWorkers();
    if (!workers.ok()) return ToGrpc(workers.status());
    for (auto& w : *workers) *resp->add_workers() = std::move(w);
    return Sized(*resp);
  });
}

grpc::Status JobServiceImpl::DrainWorker(grpc::ServerContext* ctx, const derm::v1::DrainWorkerRequest* req,
                                         derm::v1::WorkerInfo* resp) {
  return guard_->Run(ctx, "derm.v1.JobService.DrainWorker",
                     [&](const Principal&) { return Reply(scheduler_->DrainWorker(req->id()), resp); });
}

grpc::Status WorkerServiceImpl::RegisterWorker(grpc::ServerContext* ctx,
                                               const derm::v1::RegisterWorkerRequest* req,
                                               derm::v1::RegisterWorkerResponse* resp) {
  return guard_->Run(ctx, "derm.v1.WorkerService.RegisterWorker", [&](const Principal& caller) {
    return Reply(scheduler_->RegisterWorker(*req, caller.user), resp);
  });
}

grpc::Status WorkerServiceImpl::Heartbeat(grpc::ServerContext* ctx, const derm::v1::HeartbeatRequest* req,
                                          derm::v1::HeartbeatResponse* resp) {
  return guard_->Run(ctx, "derm.v1.WorkerService.Heartbeat",
                     [&](const Principal&) { return Reply(scheduler_->Heartbeat(*req), resp); });
}

grpc::Status WorkerServiceImpl::AcquireTask(grpc::ServerContext* ctx, const derm::v1::AcquireTaskRequest* req,
                                            derm::v1::AcquireTaskResponse* resp) {
  return guard_->Run(ctx, "derm.v1.WorkerService.AcquireTask", [&](const Principal&) {
    return Reply(
        scheduler_->AcquireTask(*req, WaitBudget(ctx, req->wait_ms()), [ctx] { return ctx->IsCancelled(); }),
        resp);
  });
}

grpc::Status WorkerServiceImpl::ReportFacts(grpc::ServerContext* ctx, const derm::v1::ReportFactsRequest* req,
                                            derm::v1::Ack*) {
  return guard_->Run(ctx, "derm.v1.WorkerService.ReportFacts",
                     [&](const Principal&) { return ToGrpc(scheduler_->ReportFacts(*req)); });
}

grpc::Status WorkerServiceImpl::ReportEpoch(grpc::ServerContext* ctx, const derm::v1::ReportEpochRequest* req,
                                            derm::v1::ReportEpochResponse* resp) {
  return guard_->Run(ctx, "derm.v1.WorkerService.ReportEpoch",
                     [&](const Principal&) { return Reply(scheduler_->ReportEpoch(*req), resp); });
}

grpc::Status WorkerServiceImpl::CompleteTask(grpc::ServerContext* ctx,
                                             const derm::v1::CompleteTaskRequest* req, derm::v1::Ack*) {
  return guard_->Run(ctx, "derm.v1.WorkerService.CompleteTask",
                     [&](const Principal&) { return ToGrpc(scheduler_->CompleteTask(*req)); });
}

grpc::Status WorkerServiceImpl::FailTask(grpc::ServerContext* ctx, const derm::v1::FailTaskRequest* req,
                                         derm::v1::Ack*) {
  return guard_->Run(ctx, "derm.v1.WorkerService.FailTask",
                     [&](const Principal&) { return ToGrpc(scheduler_->FailTask(*req)); });
}

grpc::Status WorkerServiceImpl::LeaveWorker(grpc::ServerContext* ctx, const derm::v1::LeaveWorkerRequest* req,
                                            derm::v1::Ack*) {
  return guard_->Run(ctx, "derm.v1.WorkerService.LeaveWorker",
                     [&](const Principal&) { return ToGrpc(scheduler_->LeaveWorker(*req)); });
}

}  // namespace derm::scheduler
