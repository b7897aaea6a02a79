// The gRPC services called in-process (no channel), with real tokens: authentication, the owner
// rule, canonical codes and the mapping of requests onto the Scheduler.
#include "scheduler/grpc_services.h"

#include <gtest/gtest.h>

#include "tests/scheduler/access_fixture.h"

namespace derm::scheduler {
namespace {

derm::v1::JobSpec Spec() { return TrainSpec("svc", 2); }

class GrpcServicesTest : public AccessTest {
 protected:
  void SetUp() override {
    AccessTest::SetUp();
    jobs_ = std::make_unique<JobServiceImpl>(scheduler_.get(), guard_.get());
    workers_ = std::make_unique<WorkerServiceImpl>(scheduler_.get(), guard_.get());
  }
  int64_t SubmitAs(const std::string& secret) {
    derm::v1::SubmitJobRequest submit;
    *submit.mutable_spec() = Spec();
    derm::v1::SubmitJobResponse submitted;
    const grpc::Status st = jobs_->SubmitJob(As(secret), &submit, &submitted);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return submitted.job().id();
  }
  std::unique_ptr<JobServiceImpl> jobs_;
  std::unique_ptr<WorkerServiceImpl> workers_;
};

TEST_F(GrpcServicesTest, EveryCallWithoutAValidTokenIsUnauthenticatedChangesNothingAndIsAudited) {
  for (const std::string& secret : {std::string(), std::string("derm_guessed")}) {
    derm::v1::SubmitJobRequest submit;
    *submit.mutable_spec() = Spec();
    derm::v1::SubmitJobResponse submitted;
    EXPECT_EQ(jobs_->SubmitJob(As(secret), &submit, &submitted).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
    derm::v1::RegisterWorkerResponse registered;
    derm::v1::RegisterWorkerRequest reg;
    EXPECT_EQ(workers_->RegisterWorker(As(secret), &reg, &registered).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }
  EXPECT_TRUE(scheduler_->reads().ListJobs({}).value().empty());
  EXPECT_TRUE(scheduler_->reads().ListWorkers().value().empty());
  EXPECT_EQ(AuditRows("UNAUTHENTICATED"), 4);
}

TEST_F(GrpcServicesTest, SchedulerErrorsKeepTheirCanonicalCodesAndMessages) {
  const std::string viewer = Token("vera", derm::v1::VIEWER), editor = Token("ed", derm::v1::EDITOR);
  derm::v1::GetJobRequest get;
  get.set_id(99);
  derm::v1::Job job;
  const grpc::Status missing = jobs_->GetJob(As(viewer), &get, &job);
  EXPECT_EQ(missing.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(missing.error_message(), "job 99 does not exist");

  derm::v1::SubmitJobRequest bad;
  *bad.mutable_spec() = Spec();
  bad.mutable_spec()->mutable_train()->set_batch_size(-1);
  derm::v1::SubmitJobResponse resp;
  const grpc::Status invalid = jobs_->SubmitJob(As(editor), &bad, &resp);
  EXPECT_EQ(invalid.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(invalid.error_message().find("train.batch_size"), std::string::npos) << invalid.error_message();
}

TEST_F(GrpcServicesTest, SubmitListCancelAndAWorkersLeaseGoThroughTheServicesAsTheirCallers) {
  const std::string editor = Token("ed", derm::v1::EDITOR), worker = Token("gpu-pool", derm::v1::WORKER);
  const int64_t job = SubmitAs(editor);
  EXPECT_EQ(scheduler_->reads().GetJob(job)->submitted_by(), "ed");
  SubmitAs(Token("other", derm::v1::EDITOR));
  derm::v1::ListRunsRequest mine;
  mine.set_filter("submitted_by = ed");
  derm::v1::ListRunsResponse runs;
  ASSERT_TRUE(jobs_->ListRuns(As(editor), &mine, &runs).ok());
  ASSERT_EQ(runs.runs_size(), 1);
  EXPECT_EQ(runs.runs(0).job_id(), job);
  EXPECT_EQ(runs.runs(0).submitted_by(), "ed");

  derm::v1::RegisterWorkerRequest reg;
  derm::v1::RegisterWorkerResponse registered;
  ASSERT_TRUE(workers_->RegisterWorker(As(worker), &reg, &registered).ok());
  EXPECT_FALSE(registered.worker_key().empty());
  EXPECT_EQ(scheduler_->reads().ListWorkers()->front().registered_by(), "gpu-pool");
  derm::v1::AcquireTaskRequest acquire;
  acquire.set_worker_id(registered.worker_id());
  acquire.set_worker_key(registered.worker_key());
  derm::v1::AcquireTaskResponse leased;
  ASSERT_TRUE(workers_->AcquireTask(As(worker), &acquire, &leased).ok());
  EXPECT_EQ(leased.task().job_id(), job);

  derm::v1::ListJobsRequest list;
  list.add_states(derm::v1::RUNNING);
  derm::v1::ListJobsResponse running;
  ASSERT_TRUE(jobs_->ListJobs(As(editor), &list, &running).ok());
  ASSERT_EQ(running.jobs_size(), 1);

  derm::v1::CancelJobRequest cancel;
  cancel.set_id(job);
  derm::v1::Job cancelled;
  ASSERT_TRUE(jobs_->CancelJob(As(editor), &cancel, &cancelled).ok());
  EXPECT_EQ(cancelled.state(), derm::v1::CANCELLED);
  derm::v1::HeartbeatRequest beat;
  beat.set_worker_id(registered.worker_id());
  beat.set_worker_key(registered.worker_key());
  beat.set_attempt_id(leased.task().attempt_id());
  derm::v1::HeartbeatResponse told;
  ASSERT_TRUE(workers_->Heartbeat(As(worker), &beat, &told).ok());
  EXPECT_TRUE(told.cancel()) << "the worker learns of the cancellation at its next heartbeat";
}

TEST_F(GrpcServicesTest, EditorsCancelAndRetryOnlyTheirOwnJobsAdminsAnyAndRefusalsAreAudited) {
  const std::string bob = Token("bob", derm::v1::EDITOR), carol = Token("carol", derm::v1::EDITOR),
                    admin = Token("ann", derm::v1::ADMIN);
  const int64_t bobs = SubmitAs(bob), other = SubmitAs(bob);
  derm::v1::CancelJobRequest cancel;
  cancel.set_id(bobs);
  derm::v1::Job answer;
  const grpc::Status refused = jobs_->CancelJob(As(carol), &cancel, &answer);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(refused.error_message(), "carol (editor) may not change job " + std::to_string(bobs) +
                                         ", submitted by bob: only its submitter or an admin may");
  EXPECT_EQ(scheduler_->reads().GetJob(bobs)->state(), derm::v1::QUEUED) << "nothing changed";
  EXPECT_EQ(AuditRows("PERMISSION_DENIED"), 1);

  ASSERT_TRUE(jobs_->CancelJob(As(bob), &cancel, &answer).ok());
  derm::v1::RetryJobRequest retry;
  retry.set_id(bobs);
  EXPECT_EQ(jobs_->RetryJob(As(carol), &retry, &answer).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(jobs_->RetryJob(As(bob), &retry, &answer).ok());
  EXPECT_EQ(answer.submitted_by(), "bob");
  EXPECT_EQ(answer.spec().tags().at("retry_of"), std::to_string(bobs));
  EXPECT_EQ(answer.state(), derm::v1::QUEUED);

  retry.set_id(other);  // still queued: nothing to retry
  EXPECT_EQ(jobs_->RetryJob(As(bob), &retry, &answer).error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  cancel.set_id(other);
  ASSERT_TRUE(jobs_->CancelJob(As(admin), &cancel, &answer).ok()) << "an admin changes anyone's job";
  ASSERT_TRUE(jobs_->RetryJob(As(admin), &retry, &answer).ok());
  EXPECT_EQ(answer.submitted_by(), "ann") << "a retry is the retrier's job";
  EXPECT_EQ(AuditRows("PERMISSION_DENIED"), 2);
}

TEST_F(GrpcServicesTest, IdempotencyKeysAreEachUsersOwn) {
  const std::string bob = Token("bob", derm::v1::EDITOR), carol = Token("carol", derm::v1::EDITOR);
  derm::v1::SubmitJobRequest submit;
  *submit.mutable_spec() = Spec();
  submit.set_idempotency_key("nightly-2026-12-03");
  derm::v1::SubmitJobResponse first, again, other;
  ASSERT_TRUE(jobs_->SubmitJob(As(bob), &submit, &first).ok());
  ASSERT_TRUE(jobs_->SubmitJob(As(bob), &submit, &again).ok());
  EXPECT_TRUE(again.deduplicated());
  EXPECT_EQ(again.job().id(), first.job().id());
  ASSERT_TRUE(jobs_->SubmitJob(As(carol), &submit, &other).ok());
  EXPECT_FALSE(other.deduplicated()) << "carol's key is not bob's: she gets a job of her own";
  EXPECT_NE(other.job().id(), first.job().id());
  EXPECT_EQ(other.job().submitted_by(), "carol");
}

}  // namespace
}  // namespace derm::scheduler
