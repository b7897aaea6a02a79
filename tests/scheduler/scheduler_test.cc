#include "scheduler/scheduler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <functional>
#include <thread>

#include "common/strings.h"
#include "store/sqlite.h"
#include "tests/scheduler/scheduler_fixture.h"
#include "tests/testing/disk_full.h"

namespace derm::scheduler {
namespace {

using derm::v1::JobState;

derm::v1::JobSpec Spec(int priority = 0) {
  derm::v1::JobSpec spec;
  spec.set_name("p" + std::to_string(priority));
  spec.mutable_data()->set_train_dir("/data/Train");
  spec.mutable_train()->set_epochs(3);
  spec.set_priority(priority);
  spec.set_max_retries(1);
  return spec;
}

derm::v1::EpochMetrics Epoch(int epoch) {
  derm::v1::EpochMetrics m;
  m.set_epoch(epoch);
  return m;
}

TEST_F(SchedulerTest, RejectsInvalidSpecsNamingEveryField) {
  auto spec = Spec();
  spec.mutable_train()->set_batch_size(-1);
  spec.mutable_data()->clear_train_dir();
  auto r = scheduler_->Submit(spec, "", "tester");
  ASSERT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("train.batch_size"), std::string::npos);
  EXPECT_NE(r.status().message().find("data.train_dir"), std::string::npos);
  EXPECT_TRUE(scheduler_->reads().ListJobs({}).value().empty());
}

TEST_F(SchedulerTest, HigherPriorityFirstThenFifo) {
  const int64_t a = Submit(Spec(0)), b = Submit(Spec(5)), c = Submit(Spec(0));
  const int64_t w = Worker();
  EXPECT_EQ(Acquire(w).job_id(), b);
  EXPECT_EQ(Acquire(w).job_id(), a);
  EXPECT_EQ(Acquire(w).job_id(), c);
  EXPECT_FALSE(scheduler_->AcquireTask(Poll(w), 0)->has_task());
}

TEST_F(SchedulerTest, IdempotencyKeyNeverCreatesASecondJob) {
  auto first = scheduler_->Submit(Spec(), "k", "tester");
  auto second = scheduler_->Submit(Spec(), "k", "tester");
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->job().id(), second->job().id());
  EXPECT_TRUE(second->deduplicated());
  EXPECT_EQ(scheduler_->reads().ListJobs({})->size(), 1u);
}

TEST_F(SchedulerTest, ConcurrentSubmitsShareCommitsAndKeysStayUnique) {
  std::vector<std::thread> threads;
  std::vector<int64_t> keyed(8), plain(8);
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      keyed[t] = scheduler_->Submit(Spec(), "same-key", "tester")->job().id();
      plain[t] = scheduler_->Submit(Spec(), "", "tester")->job().id();
    });
  }
  for (auto& t : threads) t.join();
  for (int t = 1; t < 8; ++t) EXPECT_EQ(keyed[t], keyed[0]);
  std::sort(plain.begin(), plain.end());
  EXPECT_EQ(std::unique(plain.begin(), plain.end()), plain.end());
  EXPECT_EQ(scheduler_->reads().ListJobs({})->size(), 9u);
  // A bad spec in a batch fails alone.
  auto bad = Spec();
  bad.mutable_train()->set_epochs(0);
  EXPECT_EQ(scheduler_->Submit(bad, "", "tester").status().code(), StatusCode::kInvalidArgument);
}

TEST_F(SchedulerTest, SweepsBecomeOneJobPerPointAllOrNone) {
  auto spec = Spec();
  spec.mutable_sweep()->set_method("grid");
  for (const char* lr : {"0.01", "0.001", "0.0001"})
    (*spec.mutable_sweep()->mutable_parameters())["train.learning_rate"].add_values(lr);
  auto r = scheduler_->Submit(spec, "sweep-key", "tester");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_GT(r->sweep_id(), 0);
  ASSERT_EQ(r->sweep_jobs_size(), 3);
  EXPECT_DOUBLE_EQ(r->sweep_jobs(2).spec().train().learning_rate(), 0.0001);
  EXPECT_EQ(r->sweep_jobs(1).sweep_id(), r->sweep_id());
  auto again = scheduler_->Submit(spec, "sweep-key", "tester");
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->deduplicated());
  EXPECT_EQ(again->sweep_id(), r->sweep_id());
  EXPECT_EQ(scheduler_->reads().ListJobs({})->size(), 3u);
  derm::v1::ListRunsRequest runs;
  runs.set_filter("sweep_id = " + std::to_string(r->sweep_id()));
  auto listed = scheduler_->reads().ListRuns(runs);
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  EXPECT_EQ(listed->runs_size(), 3);

  (*spec.mutable_sweep()->mutable_parameters())["train.batch_size"].add_values("0");
  auto bad = scheduler_->Submit(spec, "", "tester");
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("train.batch_size"), std::string::npos) << bad.status().message();
  EXPECT_EQ(scheduler_->reads().ListJobs({})->size(), 3u) << "nothing of the bad sweep was queued";
}

TEST_F(SchedulerTest, MatchesResources) {
  auto gpu_job = Spec();
  gpu_job.mutable_resources()->set_gpus(1);
  const int64_t job = Submit(gpu_job);
  EXPECT_FALSE(Acquire(Worker(0)).job_id());
  EXPECT_EQ(Acquire(Worker(1)).job_id(), job);
}

TEST_F(SchedulerTest, ExpiredLeaseRequeuesResumesAndFencesTheOldAttempt) {
  const int64_t job = Submit(Spec());
  const int64_t w1 = Worker(), w2 = Worker();
  const auto first = Acquire(w1);
  ASSERT_TRUE(Report(first.attempt_id(), 1, "after-1").ok());
  clock_.Advance(900);
  ASSERT_TRUE(Beat(w1, first.attempt_id()).ok());  // renews
  clock_.Advance(900);
  EXPECT_EQ(scheduler_->ExpireLeases(), 0);
  clock_.Advance(200);
  EXPECT_EQ(scheduler_->ExpireLeases(), 1);
  EXPECT_EQ(State(job), derm::v1::QUEUED);
  EXPECT_FALSE(Acquire(w2).job_id()) << "the retry waits out its backoff";
  clock_.Advance(500);

  const auto second = Acquire(w2);
  EXPECT_EQ(second.job_id(), job);
  EXPECT_EQ(second.resume_epoch(), 1);
  EXPECT_EQ(second.resume_checkpoint(), "after-1");
  // The first worker comes back: it may not write anything.
  EXPECT_EQ(Report(first.attempt_id(), 2, "stale").code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(Beat(w1, first.attempt_id())->cancel());
  derm::v1::CompleteTaskRequest done;
  done.set_attempt_id(first.attempt_id());
  EXPECT_EQ(scheduler_->CompleteTask(Signed(done)).code(), StatusCode::kFailedPrecondition);

  ASSERT_TRUE(Report(second.attempt_id(), 2, "after-2").ok());
  ASSERT_TRUE(Report(second.attempt_id(), 3, "after-3").ok());
  done.set_attempt_id(second.attempt_id());
  ASSERT_TRUE(scheduler_->CompleteTask(Signed(done)).ok());
  EXPECT_EQ(State(job), derm::v1::SUCCEEDED);
  EXPECT_EQ(scheduler_->reads().GetRun(second.run_id())->epochs_size(), 3);
}

// A lease expires while the disk is full: the attempt cannot be ended in the database, so its
// lease stays (the job does not sit RUNNING with no lease); once writes work, it ends.
TEST_F(SchedulerTest, ALeaseWhoseEndCannotBeWrittenStaysUntilItCanBe) {
  const int64_t job = Submit(Spec());
  const int64_t w = Worker();
  const auto task = Acquire(w);
  clock_.Advance(2000);
  {
    testing::DiskFull full;
    EXPECT_EQ(scheduler_->ExpireLeases(), 1);
    EXPECT_EQ(State(job), derm::v1::RUNNING);
  }
  EXPECT_FALSE(Beat(w, task.attempt_id())->cancel()) << "the lease is still held";
  clock_.Advance(2000);
  EXPECT_EQ(scheduler_->ExpireLeases(), 1);
  EXPECT_EQ(State(job), derm::v1::QUEUED);
  EXPECT_TRUE(Beat(w, task.attempt_id())->cancel());
}

// 36 workers registered with 62 MiB names once made every `list workers` abort the scheduler.
TEST_F(SchedulerTest, WorkerNamesAndLabelsAreBoundedUtf8Text) {
  derm::v1::RegisterWorkerRequest huge;
  huge.set_name(std::string(62 << 20, 'n'));
  auto r = Register(huge);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "name must be UTF-8 text of at most 256 bytes");
  derm::v1::RegisterWorkerRequest binary;
  binary.add_labels("gpu\xff");
  EXPECT_EQ(Register(binary).status().message(), "each label must be UTF-8 text of at most 64 bytes");
  derm::v1::RegisterWorkerRequest fine;
  fine.set_name("node-1 (A100)");
  fine.add_labels("a100");
  ASSERT_TRUE(Register(fine).ok());
  ASSERT_EQ(scheduler_->reads().ListWorkers()->size(), 1u);
}

// Workers that left used to stay ACTIVE in `list workers` forever.
TEST_F(SchedulerTest, SilentWorkersAreLostUntilTheyCallAgainAndARestartLosesThemAll) {
  const int64_t quiet = Worker(), chatty = Worker();
  auto state = [&](int64_t id) {
    for (const auto& w : scheduler_->reads().ListWorkers().value()) {
      if (w.id() == id) return w.state();
    }
    return derm::v1::WORKER_STATE_UNSPECIFIED;
  };
  clock_.Advance(600);
  ASSERT_TRUE(Beat(chatty, 0).ok());
  clock_.Advance(600);  // quiet: 1200 ms without a call, more than the 1000 ms lease timeout
  scheduler_->ExpireLeases();
  EXPECT_EQ(state(quiet), derm::v1::LOST);
  EXPECT_EQ(state(chatty), derm::v1::ACTIVE);
  ASSERT_TRUE(Beat(quiet, 0).ok());
  EXPECT_EQ(state(quiet), derm::v1::ACTIVE) << "back when it calls";
  Open();  // a restarted scheduler knows no worker: they register again
  EXPECT_EQ(state(quiet), derm::v1::LOST);
  EXPECT_EQ(state(chatty), derm::v1::LOST);
  EXPECT_EQ(Beat(quiet, 0).status().code(), StatusCode::kNotFound);
}

// 4,000 long polls once held 4,000 threads, and a cancelled poll kept its thread to the end.
TEST_F(SchedulerTest, ACancelledLongPollReturnsAndLongPollsAreBounded) {
  const int64_t a = Worker(), b = Worker();
  std::atomic<bool> gone{false};
  StatusOr<derm::v1::AcquireTaskResponse> first = Status(StatusCode::kInternal, "not run");
  std::thread poll([&] { first = scheduler_->AcquireTask(Poll(a), 60000, [&] { return gone.load(); }); });
  while (scheduler_->WaitingPolls() != 1) std::this_thread::yield();
  // The cap here is 256: fill it up to one below, then the next poll is refused at once.
  std::vector<int64_t> others;
  for (int i = 0; i < 255; ++i) others.push_back(Worker());
  std::vector<std::thread> waiting;
  for (int64_t w : others) {
    waiting.emplace_back(
        [&, w] { (void)scheduler_->AcquireTask(Poll(w), 60000, [&] { return gone.load(); }); });
  }
  while (scheduler_->WaitingPolls() != 256) std::this_thread::yield();
  auto refused = scheduler_->AcquireTask(Poll(b), 60000);
  EXPECT_EQ(refused.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(refused.status().message().find("256 workers are waiting for work already"), std::string::npos);
  gone = true;  // every caller hangs up: each poll gives its thread back within 200 ms
  poll.join();
  for (auto& t : waiting) t.join();
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_FALSE(first->has_task());
  EXPECT_EQ(scheduler_->WaitingPolls(), 0);
}

// A full disk: /healthz says the database cannot be written, and a failed report is UNAVAILABLE
// (the worker retries) with the attempt still leased; nothing already stored is lost.
TEST_F(SchedulerTest, AFullDiskIsUnhealthyAndItsFailuresAreRetryable) {
  const int64_t job = Submit(Spec());
  const int64_t w = Worker();
  const auto task = Acquire(w);
  ASSERT_TRUE(Report(task.attempt_id(), 1, "ckpt-1").ok());
  {
    testing::DiskFull full;
    const Status health = scheduler_->Health();
    EXPECT_EQ(health.code(), StatusCode::kUnavailable);
    EXPECT_NE(health.message().find("the results database cannot be written"), std::string::npos)
        << health.message();
    EXPECT_EQ(Report(task.attempt_id(), 2, "ckpt-2").code(), StatusCode::kUnavailable);
  }
  EXPECT_TRUE(scheduler_->Health().ok());
  EXPECT_FALSE(Beat(w, task.attempt_id())->cancel()) << "still its attempt";
  ASSERT_TRUE(Report(task.attempt_id(), 2, "ckpt-2").ok()) << "the retry succeeds";
  EXPECT_EQ(scheduler_->reads().GetRun(task.run_id())->epochs_size(), 2);
  EXPECT_EQ(State(job), derm::v1::RUNNING);
}

// Jobs no worker can run used to sit QUEUED without a word.
TEST_F(SchedulerTest, AJobNoWorkerFitsSaysWhyUntilOneDoes) {
  auto spec = Spec();
  spec.mutable_resources()->set_gpus(4);
  spec.mutable_resources()->add_labels("a100");
  const int64_t job = Submit(spec);
  scheduler_->ExpireLeases();
  EXPECT_EQ(scheduler_->reads().GetJob(job)->message(), "waiting: no worker is registered");
  derm::v1::RegisterWorkerRequest small;
  small.set_gpus(2);
  small.add_labels("v100");
  ASSERT_TRUE(Register(small).ok());
  scheduler_->ExpireLeases();
  const std::string why =
      "waiting: needs 4 GPUs; the most a worker offers is 2; needs label 'a100', which no worker has";
  EXPECT_EQ(scheduler_->reads().GetJob(job)->message(), why);
  EXPECT_EQ(scheduler_->reads().ListJobs({})->front().message(), why) << "list jobs says it too";
  derm::v1::RegisterWorkerRequest big;
  big.set_gpus(8);
  big.add_labels("a100");
  const int64_t w = Register(big)->worker_id();
  scheduler_->ExpireLeases();
  EXPECT_EQ(scheduler_->reads().GetJob(job)->message(), "");
  EXPECT_EQ(Acquire(w).job_id(), job);
}

TEST_F(SchedulerTest, RetriesRunOutThenTheJobFails) {
  const int64_t job = Submit(Spec());  // max_retries 1: two attempts
  const int64_t w = Worker();
  for (int attempt = 0; attempt < 2; ++attempt) {
    ASSERT_TRUE(Acquire(w).job_id());
    clock_.Advance(1001);
    EXPECT_EQ(scheduler_->ExpireLeases(), 1);
    clock_.Advance(500);
  }
  EXPECT_EQ(State(job), derm::v1::FAILED);
  EXPECT_NE(scheduler_->reads().GetJob(job)->message().find("no retries left"), std::string::npos);
}

// A reason is stored with the job and shown to everyone: a worker's (or a canceller's) 1 MB of
// text is cut at 4 KiB, on a character boundary.
TEST_F(SchedulerTest, FailureAndCancelReasonsAreBounded) {
  const int64_t job = Submit(Spec());
  const auto task = Acquire(Worker());
  derm::v1::FailTaskRequest fail;
  fail.set_attempt_id(task.attempt_id());
  std::string reason;
  while (reason.size() < (1 << 20)) reason += "\xc3\xa9";  // 'e' with an accent, two bytes
  fail.set_reason(reason);
  ASSERT_TRUE(scheduler_->FailTask(Signed(fail)).ok());
  const std::string message = scheduler_->reads().GetJob(job)->message();
  EXPECT_LE(message.size(), 4096u);
  EXPECT_EQ(message.substr(message.size() - 3), "...");
  EXPECT_EQ(FirstInvalidUtf8(message), std::string::npos);
  const int64_t queued = Submit(Spec());
  ASSERT_TRUE(scheduler_->Cancel(queued, std::string(1 << 20, 'x')).ok());
  EXPECT_LE(scheduler_->reads().GetJob(queued)->message().size(), 4096u + 20);
}

TEST_F(SchedulerTest, NonRetryableFailureFailsAtOnce) {
  const int64_t job = Submit(Spec());
  const auto task = Acquire(Worker());
  derm::v1::FailTaskRequest fail;
  fail.set_attempt_id(task.attempt_id());
  fail.set_reason("training folder /x does not exist");
  ASSERT_TRUE(scheduler_->FailTask(Signed(fail)).ok());
  EXPECT_EQ(State(job), derm::v1::FAILED);
  EXPECT_EQ(scheduler_->reads().GetJob(job)->message(), "training folder /x does not exist");
}

// A worker told to leave (Slurm's USR1 or scancel's TERM) gives its job back: queued again at
// once, without a backoff and whatever max_retries says, its attempt PREEMPTED.
TEST_F(SchedulerTest, APreemptedAttemptRequeuesAtOnceWithoutUsingARetry) {
  auto spec = Spec();
  spec.set_max_retries(1);
  const int64_t job = Submit(spec);
  const int64_t w = Worker();
  for (int i = 0; i < 3; ++i) {
    const auto task = Acquire(w);
    ASSERT_EQ(task.job_id(), job) << "round " << i;
    derm::v1::FailTaskRequest fail;
    fail.set_attempt_id(task.attempt_id());
    fail.set_reason("worker was told to stop");
    fail.set_retryable(true);
    fail.set_preempted(true);
    ASSERT_TRUE(scheduler_->FailTask(Signed(fail)).ok());
    EXPECT_EQ(State(job), derm::v1::QUEUED);
    EXPECT_EQ(scheduler_->reads().GetJob(job)->not_before_ms(), 0);
  }
  auto db = store::Database::Open(dir_.Join("r.db"), /*read_only=*/true).value();
  auto st = db->Prepare("SELECT count(*) FROM attempts WHERE state = 'PREEMPTED'").value();
  ASSERT_TRUE(st.Step().value());
  EXPECT_EQ(st.Int(0), 3);
  // Real failures still obey max_retries (1), counting only themselves: the first is retried,
  // with the first retry's backoff, the second fails the job.
  for (derm::v1::JobState expected : {derm::v1::QUEUED, derm::v1::FAILED}) {
    clock_.Advance(60000);
    const auto task = Acquire(w);
    ASSERT_EQ(task.job_id(), job);
    derm::v1::FailTaskRequest fail;
    fail.set_attempt_id(task.attempt_id());
    fail.set_retryable(true);
    ASSERT_TRUE(scheduler_->FailTask(Signed(fail)).ok());
    EXPECT_EQ(State(job), expected);
    if (expected == derm::v1::QUEUED) {
      EXPECT_EQ(scheduler_->reads().GetJob(job)->not_before_ms(), clock_.NowMillis() + 500);
    }
  }
  EXPECT_NE(scheduler_->reads().GetJob(job)->message().find("no retries left after 2 attempts"),
            std::string::npos)
      << scheduler_->reads().GetJob(job)->message();
}

TEST_F(SchedulerTest, CancelQueuedRunningAndFinished) {
  const int64_t queued = Submit(Spec()), running = Submit(Spec(1));
  const int64_t w = Worker();
  const auto task = Acquire(w);
  ASSERT_EQ(task.job_id(), running);
  ASSERT_TRUE(scheduler_->Cancel(queued, "").ok());
  EXPECT_EQ(State(queued), derm::v1::CANCELLED);
  EXPECT_FALSE(Acquire(w).job_id()) << "a cancelled job is not leased";
  ASSERT_TRUE(scheduler_->Cancel(running, "wrong data").ok());
  EXPECT_TRUE(Beat(w, task.attempt_id())->cancel());
  EXPECT_EQ(Report(task.attempt_id(), 1, "").code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(scheduler_->Cancel(running, "").status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(scheduler_->Cancel(999, "").status().code(), StatusCode::kNotFound);
}

TEST_F(SchedulerTest, RestartRequeuesRunningJobsFromTheirCheckpoint) {
  const int64_t job = Submit(Spec());
  const auto task = Acquire(Worker());
  ASSERT_TRUE(Report(task.attempt_id(), 2, "after-2").ok());
  Open();  // a new scheduler process on the same database
  EXPECT_EQ(State(job), derm::v1::QUEUED);
  const auto again = Acquire(Worker());
  EXPECT_EQ(again.job_id(), job);
  EXPECT_EQ(again.resume_epoch(), 2);
  EXPECT_EQ(Report(task.attempt_id(), 3, "").code(), StatusCode::kFailedPrecondition);
}

TEST_F(SchedulerTest, EventsComeInOrderEndingWithTheFinalState) {
  const int64_t job = Submit(Spec());
  const auto task = Acquire(Worker());
  for (int e = 1; e <= 3; ++e) ASSERT_TRUE(Report(task.attempt_id(), e, "").ok());
  derm::v1::CompleteTaskRequest done;
  done.set_attempt_id(task.attempt_id());
  ASSERT_TRUE(scheduler_->CompleteTask(Signed(done)).ok());
  int64_t cursor = 0;
  auto events = scheduler_->WaitForEvents(job, &cursor, 0).value();
  std::vector<std::string> seen;
  for (const auto& e : events) {
    seen.push_back(e.has_epoch() ? "epoch" + std::to_string(e.epoch().epoch())
                                 : derm::v1::JobState_Name(e.state()));
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"QUEUED", "RUNNING", "epoch1", "epoch2", "epoch3", "SUCCEEDED"}));
  EXPECT_TRUE(scheduler_->WaitForEvents(job, &cursor, 0)->empty());
  // Resuming from an event id returns only what came after it.
  int64_t resume = events[2].event_id();
  auto rest = scheduler_->WaitForEvents(job, &resume, 0).value();
  ASSERT_EQ(rest.size(), 3u);
  EXPECT_EQ(rest[0].epoch().epoch(), 2);
}

TEST_F(SchedulerTest, HeartbeatProgressReachesWatchersOnce) {
  const int64_t job = Submit(Spec());
  const int64_t w = Worker();
  const auto task = Acquire(w);
  int64_t cursor = 0;
  uint64_t seen = 0;
  ASSERT_EQ(scheduler_->WaitForEvents(job, &cursor, 0, &seen)->size(), 2u)
      << "QUEUED, RUNNING; no progress yet";
  derm::v1::Progress p;
  p.set_epoch(2);
  p.set_images_done(64);
  p.set_images_total(100);
  p.set_eta_seconds(12.5);
  ASSERT_FALSE(Beat(w, task.attempt_id(), &p)->cancel());
  auto events = scheduler_->WaitForEvents(job, &cursor, 0, &seen).value();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].event_id(), 0);
  EXPECT_EQ(events[0].progress().images_done(), 64);
  EXPECT_DOUBLE_EQ(events[0].progress().eta_seconds(), 12.5);
  EXPECT_TRUE(scheduler_->WaitForEvents(job, &cursor, 0, &seen)->empty()) << "each progress once";
  EXPECT_TRUE(scheduler_->WaitForEvents(job, &cursor, 0)->empty()) << "no progress without a counter";
}

TEST_F(SchedulerTest, BackoffDoublesPerAttempt) {
  auto spec = Spec();
  spec.set_max_retries(5);
  const int64_t job = Submit(spec);
  const int64_t w = Worker();
  for (int64_t backoff : {500, 1000, 2000}) {
    ASSERT_TRUE(Acquire(w).job_id());
    clock_.Advance(1001);
    ASSERT_EQ(scheduler_->ExpireLeases(), 1);
    EXPECT_EQ(scheduler_->reads().GetJob(job)->not_before_ms(), clock_.NowMillis() + backoff);
    clock_.Advance(backoff - 1);
    EXPECT_FALSE(Acquire(w).job_id());
    clock_.Advance(1);
  }
  EXPECT_EQ(Acquire(w).job_id(), job);
}

TEST_F(SchedulerTest, DrainedWorkerFinishesItsTaskThenLeaves) {
  Submit(Spec());
  const int64_t other = Submit(Spec());
  const int64_t w = Worker();
  const auto task = Acquire(w);
  auto drained = scheduler_->DrainWorker(w);
  ASSERT_TRUE(drained.ok());
  EXPECT_EQ(drained->state(), derm::v1::DRAINING);
  EXPECT_EQ(drained->running_job_id(), task.job_id());
  for (int e = 1; e <= 3; ++e) ASSERT_TRUE(Report(task.attempt_id(), e, "").ok());
  derm::v1::CompleteTaskRequest done;
  done.set_attempt_id(task.attempt_id());
  EXPECT_TRUE(scheduler_->CompleteTask(Signed(done)).ok()) << "the current task still completes";
  auto next = scheduler_->AcquireTask(Poll(w), 0);
  ASSERT_TRUE(next.ok());
  EXPECT_TRUE(next->drain());
  EXPECT_FALSE(next->has_task());
  EXPECT_EQ(scheduler_->reads().ListWorkers()->front().state(), derm::v1::GONE);
  EXPECT_EQ(Acquire(Worker()).job_id(), other) << "other workers take the queue";
  EXPECT_EQ(scheduler_->DrainWorker(999).status().code(), StatusCode::kNotFound);
}

// A worker that exits says so: GONE at once, not LOST after the lease timeout; only it may say it.
TEST_F(SchedulerTest, AWorkerThatLeavesIsGoneAndGetsNoMoreWork) {
  const int64_t w = Worker();
  const int64_t other = Worker();
  derm::v1::LeaveWorkerRequest leave;
  leave.set_worker_id(w);
  leave.set_worker_key(keys_[other]);
  EXPECT_EQ(scheduler_->LeaveWorker(leave).code(), StatusCode::kPermissionDenied);
  leave.set_worker_key(keys_[w]);
  ASSERT_TRUE(scheduler_->LeaveWorker(leave).ok());
  auto workers = scheduler_->reads().ListWorkers();
  ASSERT_TRUE(workers.ok());
  for (const auto& info : *workers) {
    EXPECT_EQ(info.state(), info.id() == w ? derm::v1::GONE : derm::v1::ACTIVE) << info.id();
  }
  Submit(Spec());
  auto next = scheduler_->AcquireTask(Poll(w), 0);
  ASSERT_TRUE(next.ok());
  EXPECT_TRUE(next->drain()) << "polling again after leaving: told to leave";
  EXPECT_GT(Acquire(other).job_id(), 0);
}

TEST_F(SchedulerTest, RejectsEpochsOutsideTheSpec) {
  Submit(Spec());
  const auto task = Acquire(Worker());
  EXPECT_EQ(Report(task.attempt_id(), 4, "").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Report(task.attempt_id(), 0, "").code(), StatusCode::kInvalidArgument);
}

TEST_F(SchedulerTest, RefusesThumbnailsThatAreNotSmallJpegsAndKeepsTheAttempt) {
  const int64_t job = Submit(Spec());
  const auto task = Acquire(Worker());
  for (int e = 1; e <= 3; ++e) ASSERT_TRUE(Report(task.attempt_id(), e, "after-" + std::to_string(e)).ok());
  derm::v1::CompleteTaskRequest done;
  done.set_attempt_id(task.attempt_id());
  auto* p = done.mutable_result()->add_predictions();
  p->set_split("validation");
  p->set_path("a.jpg");
  for (const auto& [bytes, why] : std::vector<std::pair<std::string, std::string>>{
           {"GIF89a", "the thumbnail of a.jpg is not a JPEG of at most 16384 bytes"},
           {"\xFF\xD8" + std::string(20000, 'x'),
            "the thumbnail of a.jpg is not a JPEG of at most 16384 bytes"}}) {
    p->set_thumbnail(bytes);
    const Status st = scheduler_->CompleteTask(Signed(done));
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(st.message(), why);
  }
  p->set_thumbnail("\xFF\xD8 small");
  for (int i = 0; i < 2000; ++i) *done.mutable_result()->add_predictions() = *p;
  EXPECT_EQ(scheduler_->CompleteTask(Signed(done)).message(), "more than 2000 thumbnails");
  EXPECT_EQ(State(job), derm::v1::RUNNING) << "nothing was stored";
  done.mutable_result()->mutable_predictions()->DeleteSubrange(1, 2000);
  ASSERT_TRUE(scheduler_->CompleteTask(Signed(done)).ok());
  EXPECT_EQ(State(job), derm::v1::SUCCEEDED);
}

TEST_F(SchedulerTest, RefusesOversizedEvaluationsAndKeepsTheAttempt) {
  Submit(Spec());
  const auto task = Acquire(Worker());
  derm::v1::ReportEpochRequest rep;
  rep.set_attempt_id(task.attempt_id());
  rep.mutable_metrics()->set_epoch(1);
  auto* v = rep.mutable_metrics()->mutable_validation();
  v->mutable_confusion()->add_class_names("a");
  v->mutable_confusion()->add_counts(1);
  auto* c = v->mutable_evaluation()->add_per_class();
  c->set_class_name("a");
  for (int i = 0; i < 1001; ++i) c->mutable_roc()->add_x(0);
  for (int i = 0; i < 1001; ++i) c->mutable_roc()->add_y(0);
  Status st = scheduler_->ReportEpoch(Signed(rep)).status();
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(st.message(), "epoch 1: a curve of class a has more than 1,000 points or unpaired ones");
  c->mutable_roc()->mutable_x()->Truncate(10);
  c->mutable_roc()->mutable_y()->Truncate(9);
  EXPECT_EQ(scheduler_->ReportEpoch(Signed(rep)).status().code(), StatusCode::kInvalidArgument) << "unpaired";
  v->mutable_evaluation()->add_per_class();  // two classes, one in the confusion matrix
  EXPECT_EQ(scheduler_->ReportEpoch(Signed(rep)).status().message(),
            "epoch 1: the evaluation has 2 classes, the confusion matrix 1");
  v->clear_evaluation();
  EXPECT_TRUE(scheduler_->ReportEpoch(Signed(rep)).ok()) << "the attempt still holds its lease";
}

TEST_F(SchedulerTest, RefusesNonFiniteMetricsWithTheFieldAndKeepsTheAttempt) {
  Submit(Spec());
  const auto task = Acquire(Worker());
  for (const auto& [set, field] :
       std::vector<std::pair<std::function<void(derm::v1::EpochMetrics*)>, std::string>>{
           {[](auto* m) { m->set_loss(std::nan("")); }, "loss is NaN"},
           {[](auto* m) { m->mutable_validation()->set_loss(INFINITY); }, "validation.loss is inf"},
           {[](auto* m) { m->mutable_validation()->add_per_class()->set_recall(-INFINITY); },
            "validation.per_class[0].recall is -inf"}}) {
    derm::v1::ReportEpochRequest rep;
    rep.set_attempt_id(task.attempt_id());
    rep.mutable_metrics()->set_epoch(1);
    set(rep.mutable_metrics());
    const Status st = scheduler_->ReportEpoch(Signed(rep)).status();
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << field;
    EXPECT_EQ(st.message(), "epoch 1: " + field + "; only finite metrics are stored");
  }
  // Not fenced: the attempt still holds its lease and may report a finite epoch.
  EXPECT_TRUE(Report(task.attempt_id(), 1, "").ok());
}

TEST_F(SchedulerTest, ListsRunsFilteredOrderedAndPaginated) {
  const int64_t w = Worker();
  for (int i = 0; i < 5; ++i) {
    auto spec = Spec(0);
    spec.mutable_train()->set_epochs(1);
    spec.set_name("lr" + std::to_string(i));
    spec.mutable_train()->set_learning_rate(0.001 * (i + 1));
    (*spec.mutable_tags())["team"] = i % 2 ? "odd" : "even";
    Submit(spec);
    const auto task = Acquire(w);
    derm::v1::EpochMetrics m = Epoch(1);
    m.mutable_validation()->set_accuracy(0.1 * (5 - i));
    derm::v1::ReportEpochRequest rep;
    rep.set_attempt_id(task.attempt_id());
    *rep.mutable_metrics() = m;
    ASSERT_TRUE(scheduler_->ReportEpoch(Signed(rep)).ok());
    derm::v1::CompleteTaskRequest done;
    done.set_attempt_id(task.attempt_id());
    ASSERT_TRUE(scheduler_->CompleteTask(Signed(done)).ok());
  }
  derm::v1::ListRunsRequest req;
  req.set_filter("params.train.learning_rate >= 0.002 AND tags.team = even");
  req.set_order_by("best_val_accuracy asc");
  auto r = scheduler_->reads().ListRuns(req);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->runs_size(), 2);
  EXPECT_EQ(r->runs(0).name(), "lr4");
  EXPECT_EQ(r->runs(1).name(), "lr2");
  EXPECT_EQ(r->runs(1).params().at("train.learning_rate"), "0.003");

  derm::v1::ListRunsRequest page;
  page.set_page_size(2);
  std::vector<std::string> names;
  do {
    auto p = scheduler_->reads().ListRuns(page);
    ASSERT_TRUE(p.ok());
    for (const auto& run : p->runs()) names.push_back(run.name());
    page.set_page_token(p->next_page_token());
  } while (!page.page_token().empty());
  EXPECT_EQ(names, (std::vector<std::string>{"lr4", "lr3", "lr2", "lr1", "lr0"}));

  req.set_filter("bogus > 1");
  EXPECT_EQ(scheduler_->reads().ListRuns(req).status().code(), StatusCode::kInvalidArgument);
  page.set_page_token("abc");
  EXPECT_EQ(scheduler_->reads().ListRuns(page).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace derm::scheduler
