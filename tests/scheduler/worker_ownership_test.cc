// A worker reports only on attempts leased to it, and only the process that registered as a
// worker can call as it (its key): checked before anything changes, heartbeats included.
#include <gtest/gtest.h>

#include "tests/scheduler/scheduler_fixture.h"

namespace derm::scheduler {
namespace {

derm::v1::JobSpec Spec() { return TrainSpec("owned", 3); }

class WorkerOwnershipTest : public SchedulerTest {
 protected:
  // `req` for `attempt`, sent as worker `as` with `as`'s own key.
  template <typename Request>
  Request From(int64_t as, int64_t attempt, Request req = {}) {
    req.set_attempt_id(attempt);
    req.set_worker_id(as);
    req.set_worker_key(keys_[as]);
    return req;
  }
  int64_t Attempts(int64_t job) { return scheduler_->reads().GetJob(job)->attempts(); }
};

TEST_F(WorkerOwnershipTest, AnotherWorkerCanNeitherReportOnNorEndNorKeepAliveAnAttempt) {
  const int64_t job = Submit(Spec());
  const int64_t owner = Worker(), other = Worker();
  const auto task = Acquire(owner);
  const int64_t attempt = task.attempt_id();

  derm::v1::ReportEpochRequest epoch = From<derm::v1::ReportEpochRequest>(other, attempt);
  epoch.mutable_metrics()->set_epoch(1);
  epoch.mutable_metrics()->mutable_validation()->set_accuracy(0.999);
  const Status forged = scheduler_->ReportEpoch(epoch).status();
  EXPECT_EQ(forged.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(forged.message(), "attempt " + std::to_string(attempt) + " is leased to worker " +
                                  std::to_string(owner) + ", not to worker " + std::to_string(other));
  EXPECT_EQ(scheduler_->ReportFacts(From<derm::v1::ReportFactsRequest>(other, attempt)).code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(scheduler_->CompleteTask(From<derm::v1::CompleteTaskRequest>(other, attempt)).code(),
            StatusCode::kPermissionDenied);
  auto kill = From<derm::v1::FailTaskRequest>(other, attempt);
  kill.set_retryable(false);
  EXPECT_EQ(scheduler_->FailTask(kill).code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(Beat(other, attempt).status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(State(job), derm::v1::RUNNING) << "nothing changed";
  EXPECT_EQ(scheduler_->reads().GetRun(task.run_id())->epochs_size(), 0);

  // The other worker's heartbeats do not keep the lease: it expires on the owner's silence.
  for (int i = 0; i < 3; ++i) {
    clock_.Advance(500);
    (void)Beat(other, attempt);
    scheduler_->ExpireLeases();
  }
  EXPECT_EQ(State(job), derm::v1::QUEUED) << "the owner went silent: lost, and queued again";
  EXPECT_EQ(Attempts(job), 1);
}

TEST_F(WorkerOwnershipTest, TheOwnerStillReportsAndCompletesItsAttempt) {
  const int64_t job = Submit(Spec());
  const int64_t owner = Worker();
  (void)Worker();
  const auto task = Acquire(owner);
  for (int e = 1; e <= 3; ++e) ASSERT_TRUE(Report(task.attempt_id(), e, "ckpt").ok());
  ASSERT_FALSE(Beat(owner, task.attempt_id())->cancel());
  ASSERT_TRUE(scheduler_->CompleteTask(From<derm::v1::CompleteTaskRequest>(owner, task.attempt_id())).ok());
  EXPECT_EQ(State(job), derm::v1::SUCCEEDED);
}

TEST_F(WorkerOwnershipTest, AWrongKeyIsRefusedBeforeAnythingChanges) {
  const int64_t job = Submit(Spec());
  const int64_t w = Worker();
  derm::v1::AcquireTaskRequest poll = Poll(w);
  poll.set_worker_key("dermw_guess");
  const auto refused = scheduler_->AcquireTask(poll, 0);
  EXPECT_EQ(refused.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(refused.status().message(),
            "the worker key is not worker " + std::to_string(w) +
                "'s: only the process that registered as a worker may call as it");
  EXPECT_EQ(State(job), derm::v1::QUEUED) << "no lease was given";
  poll.clear_worker_key();
  EXPECT_EQ(scheduler_->AcquireTask(poll, 0).status().code(), StatusCode::kPermissionDenied);
  poll.set_worker_key(std::string(1 << 20, 'k'));  // refused by its size, not hashed under the lock
  EXPECT_EQ(scheduler_->AcquireTask(poll, 0).status().code(), StatusCode::kPermissionDenied);

  const auto task = Acquire(w);
  derm::v1::HeartbeatRequest beat;
  beat.set_worker_id(w);
  beat.set_worker_key("dermw_guess");
  beat.set_attempt_id(task.attempt_id());
  EXPECT_EQ(scheduler_->Heartbeat(beat).status().code(), StatusCode::kPermissionDenied);
  auto report = From<derm::v1::ReportEpochRequest>(w, task.attempt_id());
  report.set_worker_key(keys_[w] + "x");
  report.mutable_metrics()->set_epoch(1);
  EXPECT_EQ(scheduler_->ReportEpoch(report).status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(scheduler_->reads().GetRun(task.run_id())->epochs_size(), 0);
  // An unknown worker: NOT_FOUND for its polls (it registers again), the end of its attempts.
  derm::v1::AcquireTaskRequest stranger;
  stranger.set_worker_id(999);
  EXPECT_EQ(scheduler_->AcquireTask(stranger, 0).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(
      scheduler_->ReportEpoch(From<derm::v1::ReportEpochRequest>(999, task.attempt_id())).status().code(),
      StatusCode::kFailedPrecondition);
}

TEST_F(WorkerOwnershipTest, EachRegistrationGetsItsOwnKeyAndRecordsWhoRegisteredIt) {
  derm::v1::RegisterWorkerRequest req;
  req.set_name("gpu-1");
  const auto a = scheduler_->RegisterWorker(req, "pool-a").value();
  const auto b = scheduler_->RegisterWorker(req, "pool-b").value();
  EXPECT_NE(a.worker_key(), b.worker_key());
  EXPECT_EQ(a.worker_key().rfind("dermw_", 0), 0u);
  const auto workers = scheduler_->reads().ListWorkers().value();
  ASSERT_EQ(workers.size(), 2u);
  EXPECT_EQ(workers[0].registered_by(), "pool-b");  // newest first
  EXPECT_EQ(workers[1].registered_by(), "pool-a");
}

}  // namespace
}  // namespace derm::scheduler
