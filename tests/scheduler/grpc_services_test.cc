// The gRPC services called in-process (no channel): authentication, canonical codes and the
// mapping of requests onto the Scheduler.
#include "scheduler/grpc_services.h"

#include <gtest/gtest.h>

#include "tests/scheduler/scheduler_fixture.h"

namespace derm::scheduler {
namespace {

derm::v1::JobSpec Spec() {
  derm::v1::JobSpec spec;
  spec.set_name("svc");
  spec.mutable_data()->set_train_dir("/data/Train");
  spec.mutable_train()->set_epochs(2);
  return spec;
}

using GrpcServicesTest = SchedulerTest;

TEST_F(GrpcServicesTest, EveryCallWithoutTheTokenIsUnauthenticatedAndChangesNothing) {
  JobServiceImpl jobs(scheduler_.get(), "s3cret");
  WorkerServiceImpl workers(scheduler_.get(), "s3cret");
  grpc::ServerContext ctx;  // no metadata: no token
  derm::v1::SubmitJobRequest submit;
  *submit.mutable_spec() = Spec();
  derm::v1::SubmitJobResponse submitted;
  EXPECT_EQ(jobs.SubmitJob(&ctx, &submit, &submitted).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  derm::v1::RegisterWorkerResponse registered;
  derm::v1::RegisterWorkerRequest reg;
  EXPECT_EQ(workers.RegisterWorker(&ctx, &reg, &registered).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(scheduler_->reads().ListJobs({}).value().empty());
  EXPECT_TRUE(scheduler_->reads().ListWorkers().value().empty());
}

TEST_F(GrpcServicesTest, SchedulerErrorsKeepTheirCanonicalCodesAndMessages) {
  JobServiceImpl jobs(scheduler_.get());
  grpc::ServerContext ctx;
  derm::v1::GetJobRequest get;
  get.set_id(99);
  derm::v1::Job job;
  const grpc::Status missing = jobs.GetJob(&ctx, &get, &job);
  EXPECT_EQ(missing.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(missing.error_message(), "job 99 does not exist");

  derm::v1::SubmitJobRequest bad;
  *bad.mutable_spec() = Spec();
  bad.mutable_spec()->mutable_train()->set_batch_size(-1);
  derm::v1::SubmitJobResponse resp;
  const grpc::Status invalid = jobs.SubmitJob(&ctx, &bad, &resp);
  EXPECT_EQ(invalid.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(invalid.error_message().find("train.batch_size"), std::string::npos) << invalid.error_message();
}

TEST_F(GrpcServicesTest, SubmitListCancelAndAWorkersLeaseGoThroughTheServices) {
  JobServiceImpl jobs(scheduler_.get());
  WorkerServiceImpl workers(scheduler_.get());
  grpc::ServerContext ctx;
  derm::v1::SubmitJobRequest submit;
  *submit.mutable_spec() = Spec();
  derm::v1::SubmitJobResponse submitted;
  ASSERT_TRUE(jobs.SubmitJob(&ctx, &submit, &submitted).ok());

  derm::v1::RegisterWorkerRequest reg;
  derm::v1::RegisterWorkerResponse registered;
  ASSERT_TRUE(workers.RegisterWorker(&ctx, &reg, &registered).ok());
  derm::v1::AcquireTaskRequest acquire;
  acquire.set_worker_id(registered.worker_id());
  derm::v1::AcquireTaskResponse leased;
  ASSERT_TRUE(workers.AcquireTask(&ctx, &acquire, &leased).ok());
  EXPECT_EQ(leased.task().job_id(), submitted.job().id());

  derm::v1::ListJobsRequest list;
  list.add_states(derm::v1::RUNNING);
  derm::v1::ListJobsResponse running;
  ASSERT_TRUE(jobs.ListJobs(&ctx, &list, &running).ok());
  ASSERT_EQ(running.jobs_size(), 1);

  derm::v1::CancelJobRequest cancel;
  cancel.set_id(submitted.job().id());
  derm::v1::Job cancelled;
  ASSERT_TRUE(jobs.CancelJob(&ctx, &cancel, &cancelled).ok());
  EXPECT_EQ(cancelled.state(), derm::v1::CANCELLED);
  derm::v1::HeartbeatRequest beat;
  beat.set_worker_id(registered.worker_id());
  beat.set_attempt_id(leased.task().attempt_id());
  derm::v1::HeartbeatResponse told;
  ASSERT_TRUE(workers.Heartbeat(&ctx, &beat, &told).ok());
  EXPECT_TRUE(told.cancel()) << "the worker learns of the cancellation at its next heartbeat";
}

}  // namespace
}  // namespace derm::scheduler
