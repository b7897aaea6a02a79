// The forged-results sequence of the access issue, replayed over real gRPC against a job a real
// worker is running: with a client token, then with a worker token of its own, a hostile caller
// tries to push epochs, complete the attempt with a fabricated result, fail it for good, keep its
// lease, drain the worker and cancel the job. Every step is refused and audited, and the job
// ends with the real worker's results.
#include <gtest/gtest.h>

#include "derm/v1/access.grpc.pb.h"
#include "derm/v1/jobs.grpc.pb.h"
#include "derm/v1/workers.grpc.pb.h"
#include "tests/scheduler/server_fixture.h"

namespace derm::scheduler {
namespace {

class ForgeryTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    jobs_ = derm::v1::JobService::NewStub(Channel());
    workers_ = derm::v1::WorkerService::NewStub(Channel());
  }
  derm::v1::RegisterWorkerResponse Register(const std::string& secret) {
    derm::v1::RegisterWorkerRequest req;
    derm::v1::RegisterWorkerResponse resp;
    EXPECT_TRUE(workers_->RegisterWorker(Call(secret).get(), req, &resp).ok());
    return resp;
  }
  // An epoch report of `attempt` with validation accuracy `val_acc`, as `worker` with `key`.
  static derm::v1::ReportEpochRequest Epoch(int64_t attempt, int64_t worker, const std::string& key,
                                            int epoch, double val_acc) {
    derm::v1::ReportEpochRequest r;
    r.set_attempt_id(attempt);
    r.set_worker_id(worker);
    r.set_worker_key(key);
    r.mutable_metrics()->set_epoch(epoch);
    r.mutable_metrics()->mutable_validation()->set_accuracy(val_acc);
    return r;
  }
  template <typename Request>
  static Request As(int64_t attempt, int64_t worker, const std::string& key) {
    Request r;
    r.set_attempt_id(attempt);
    r.set_worker_id(worker);
    r.set_worker_key(key);
    return r;
  }

  std::unique_ptr<derm::v1::JobService::Stub> jobs_;
  std::unique_ptr<derm::v1::WorkerService::Stub> workers_;
};

TEST_F(ForgeryTest, EveryStepOfTheForgedResultsSequenceIsRefusedAndTheRealResultsStand) {
  const std::string bob = Token("bob", derm::v1::EDITOR), pool = Token("gpu-pool", derm::v1::WORKER),
                    mallory = Token("mallory", derm::v1::EDITOR),
                    mallory_worker = Token("mallory-w", derm::v1::WORKER);
  derm::v1::SubmitJobRequest submit;
  *submit.mutable_spec() = TrainSpec("bobs-run", 2);
  derm::v1::SubmitJobResponse submitted;
  ASSERT_TRUE(jobs_->SubmitJob(Call(bob).get(), submit, &submitted).ok());
  const int64_t job = submitted.job().id(), run = submitted.job().run_id();

  const auto real = Register(pool);
  derm::v1::AcquireTaskRequest poll;
  poll.set_worker_id(real.worker_id());
  poll.set_worker_key(real.worker_key());
  derm::v1::AcquireTaskResponse leased;
  ASSERT_TRUE(workers_->AcquireTask(Call(pool).get(), poll, &leased).ok());
  const int64_t attempt = leased.task().attempt_id();
  ASSERT_GT(attempt, 0);
  derm::v1::Ack ack;
  derm::v1::ReportEpochResponse verdict;

  // 1. A client token: no worker RPC at all, whatever it names.
  EXPECT_EQ(
      workers_->ReportEpoch(Call(mallory).get(), Epoch(attempt, real.worker_id(), "", 1, 0.999), &verdict)
          .error_code(),
      grpc::StatusCode::PERMISSION_DENIED);
  derm::v1::CompleteTaskRequest complete = As<derm::v1::CompleteTaskRequest>(attempt, real.worker_id(), "");
  complete.mutable_result()->mutable_test()->set_accuracy(0.999);
  EXPECT_EQ(workers_->CompleteTask(Call(mallory).get(), complete, &ack).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  auto fail = As<derm::v1::FailTaskRequest>(attempt, real.worker_id(), "");
  fail.set_retryable(false);
  EXPECT_EQ(workers_->FailTask(Call(mallory).get(), fail, &ack).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // ... nor drain someone's worker or cancel someone's job.
  derm::v1::DrainWorkerRequest drain;
  drain.set_id(real.worker_id());
  derm::v1::WorkerInfo info;
  EXPECT_EQ(jobs_->DrainWorker(Call(mallory).get(), drain, &info).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  derm::v1::CancelJobRequest cancel;
  cancel.set_id(job);
  derm::v1::Job answer;
  EXPECT_EQ(jobs_->CancelJob(Call(mallory).get(), cancel, &answer).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  // 2. A worker token of its own: a registered worker, but not the one holding the lease.
  const auto fake = Register(mallory_worker);
  EXPECT_EQ(workers_
                ->ReportEpoch(Call(mallory_worker).get(),
                              Epoch(attempt, fake.worker_id(), fake.worker_key(), 1, 0.999), &verdict)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  complete = As<derm::v1::CompleteTaskRequest>(attempt, fake.worker_id(), fake.worker_key());
  complete.mutable_result()->mutable_test()->set_accuracy(0.999);
  EXPECT_EQ(workers_->CompleteTask(Call(mallory_worker).get(), complete, &ack).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  fail = As<derm::v1::FailTaskRequest>(attempt, fake.worker_id(), fake.worker_key());
  fail.set_retryable(false);
  EXPECT_EQ(workers_->FailTask(Call(mallory_worker).get(), fail, &ack).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  auto beat = As<derm::v1::HeartbeatRequest>(attempt, fake.worker_id(), fake.worker_key());
  derm::v1::HeartbeatResponse told;
  EXPECT_EQ(workers_->Heartbeat(Call(mallory_worker).get(), beat, &told).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // ... nor pass itself off as the real worker without that worker's key.
  EXPECT_EQ(workers_
                ->ReportEpoch(Call(mallory_worker).get(),
                              Epoch(attempt, real.worker_id(), fake.worker_key(), 1, 0.999), &verdict)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(
      workers_
          ->ReportEpoch(Call(mallory_worker).get(), Epoch(attempt, real.worker_id(), "", 1, 0.999), &verdict)
          .error_code(),
      grpc::StatusCode::PERMISSION_DENIED);

  // Nothing of it landed: the job runs, with no epochs, on the real worker.
  EXPECT_EQ(scheduler_->reads().GetJob(job)->state(), derm::v1::RUNNING);
  EXPECT_EQ(scheduler_->reads().GetRun(run)->epochs_size(), 0);

  // The real worker finishes with its own numbers.
  for (int e = 1; e <= 2; ++e) {
    const grpc::Status st = workers_->ReportEpoch(
        Call(pool).get(), Epoch(attempt, real.worker_id(), real.worker_key(), e, 0.5), &verdict);
    ASSERT_TRUE(st.ok()) << st.error_message();
  }
  complete = As<derm::v1::CompleteTaskRequest>(attempt, real.worker_id(), real.worker_key());
  ASSERT_TRUE(workers_->CompleteTask(Call(pool).get(), complete, &ack).ok());
  const auto report = scheduler_->reads().GetRun(run).value();
  EXPECT_EQ(report.state(), derm::v1::SUCCEEDED);
  ASSERT_EQ(report.epochs_size(), 2);
  EXPECT_EQ(report.epochs(1).validation().accuracy(), 0.5);

  // Every refusal is in the audit trail, with who tried.
  derm::v1::ListAuditEventsRequest all;
  all.set_limit(1000);
  int by_mallory = 0;
  for (const auto& e : access_->ListAuditEvents(all).value()) {
    if (e.outcome() == "PERMISSION_DENIED" && e.principal().rfind("mallory", 0) == 0) ++by_mallory;
  }
  EXPECT_EQ(by_mallory, 11);
}

}  // namespace
}  // namespace derm::scheduler
