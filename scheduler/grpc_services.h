// The gRPC face of the Scheduler: JobService and WorkerService. Each handler runs through the
// CallGuard (latency, authentication, the permission table, audit; scheduler/call_guard.h), calls
// the Scheduler and converts the Status (common/grpc/grpc_status.h). The only logic here is the
// owner rule: cancelling or retrying a job needs the permission to change any job unless the
// caller submitted it.
#pragma once

#include "derm/v1/jobs.grpc.pb.h"
#include "derm/v1/workers.grpc.pb.h"
#include "scheduler/call_guard.h"
#include "scheduler/scheduler.h"

namespace derm::scheduler {

class JobServiceImpl final : public derm::v1::JobService::Service {
 public:
  JobServiceImpl(Scheduler* scheduler, CallGuard* guard) : scheduler_(scheduler), guard_(guard) {}
  grpc::Status SubmitJob(grpc::ServerContext*, const derm::v1::SubmitJobRequest*,
                         derm::v1::SubmitJobResponse*) override;
  grpc::Status GetJob(grpc::ServerContext*, const derm::v1::GetJobRequest*, derm::v1::Job*) override;
  grpc::Status ListJobs(grpc::ServerContext*, const derm::v1::ListJobsRequest*,
                        derm::v1::ListJobsResponse*) override;
  grpc::Status CancelJob(grpc::ServerContext*, const derm::v1::CancelJobRequest*, derm::v1::Job*) override;
  grpc::Status RetryJob(grpc::ServerContext*, const derm::v1::RetryJobRequest*, derm::v1::Job*) override;
  grpc::Status WatchJob(grpc::ServerContext*, const derm::v1::WatchJobRequest*,
                        grpc::ServerWriter<derm::v1::JobEvent>*) override;
  grpc::Status WatchEvents(grpc::ServerContext*, const derm::v1::WatchEventsRequest*,
                           grpc::ServerWriter<derm::v1::JobEvent>*) override;
  grpc::Status GetRun(grpc::ServerContext*, const derm::v1::GetRunRequest*, derm::v1::RunReport*) override;
  grpc::Status ListRuns(grpc::ServerContext*, const derm::v1::ListRunsRequest*,
                        derm::v1::ListRunsResponse*) override;
  grpc::Status GetConfusionMatrix(grpc::ServerContext*, const derm::v1::GetConfusionMatrixRequest*,
                                  derm::v1::SplitMetrics*) override;
  grpc::Status CompareRuns(grpc::ServerContext*, const derm::v1::CompareRunsRequest*,
                           derm::v1::CompareRunsResponse*) override;
  grpc::Status ListPredictions(grpc::ServerContext*, const derm::v1::ListPredictionsRequest*,
                               derm::v1::ListPredictionsResponse*) override;
  grpc::Status GetThumbnail(grpc::ServerContext*, const derm::v1::GetThumbnailRequest*,
                            derm::v1::Thumbnail*) override;
  grpc::Status GetRunCurves(grpc::ServerContext*, const derm::v1::GetRunCurvesRequest*,
                            derm::v1::RunCurves*) override;
  grpc::Status GetModel(grpc::ServerContext*, const derm::v1::GetModelRequest*, derm::v1::Model*) override;
  grpc::Status Query(grpc::ServerContext*, const derm::v1::QueryRequest*, derm::v1::QueryResponse*) override;
  grpc::Status ListWorkers(grpc::ServerContext*, const derm::v1::ListWorkersRequest*,
                           derm::v1::ListWorkersResponse*) override;
  grpc::Status DrainWorker(grpc::ServerContext*, const derm::v1::DrainWorkerRequest*,
                           derm::v1::WorkerInfo*) override;

 private:
  Scheduler* scheduler_;
  CallGuard* guard_;
};

class WorkerServiceImpl final : public derm::v1::WorkerService::Service {
 public:
  WorkerServiceImpl(Scheduler* scheduler, CallGuard* guard) : scheduler_(scheduler), guard_(guard) {}
  grpc::Status RegisterWorker(grpc::ServerContext*, const derm::v1::RegisterWorkerRequest*,
                              derm::v1::RegisterWorkerResponse*) override;
  grpc::Status Heartbeat(grpc::ServerContext*, const derm::v1::HeartbeatRequest*,
                         derm::v1::HeartbeatResponse*) override;
  grpc::Status AcquireTask(grpc::ServerContext*, const derm::v1::AcquireTaskRequest*,
                           derm::v1::AcquireTaskResponse*) override;
  grpc::Status ReportFacts(grpc::ServerContext*, const derm::v1::ReportFactsRequest*,
                           derm::v1::Ack*) override;
  grpc::Status ReportEpoch(grpc::ServerContext*, const derm::v1::ReportEpochRequest*,
                           derm::v1::ReportEpochResponse*) override;
  grpc::Status CompleteTask(grpc::ServerContext*, const derm::v1::CompleteTaskRequest*,
                            derm::v1::Ack*) override;
  grpc::Status FailTask(grpc::ServerContext*, const derm::v1::FailTaskRequest*, derm::v1::Ack*) override;
  grpc::Status LeaveWorker(grpc::ServerContext*, const derm::v1::LeaveWorkerRequest*,
                           derm::v1::Ack*) override;

 private:
  Scheduler* scheduler_;
  CallGuard* guard_;
};

}  // namespace derm::scheduler
