// Launcher's decisions against a fake batch system and a fake scheduler, with a FakeClock.
#include "scheduler/launcher/launcher.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace derm::launcher {
namespace {

class FakeBatch : public BatchSystem {
 public:
  StatusOr<std::string> Submit(const std::string& script) override {
    if (!up) return Unavailable("sbatch: slurmctld is down");
    scripts.push_back(script);
    const std::string id = std::to_string(next_id++);
    const size_t c = script.find("--comment=");
    jobs[id] = {id, BatchJobState::kPending, "PENDING", script.substr(c + 10, script.find('\n', c) - c - 10)};
    return id;
  }
  StatusOr<std::vector<BatchJob>> List(const std::string& job_name) override {
    if (!up) return Unavailable("squeue: slurmctld is down");
    std::vector<BatchJob> out;
    for (const auto& [id, j] : jobs) out.push_back(j);
    return out;
  }
  Status Cancel(const std::string& id) override {
    cancelled.push_back(id);
    jobs[id].state = BatchJobState::kEnded;
    jobs[id].detail = "CANCELLED";
    return Status::Ok();
  }
  std::string name() const override { return "slurm"; }

  bool up = true;
  int next_id = 100;
  std::map<std::string, BatchJob> jobs;
  std::vector<std::string> scripts, cancelled;
};

class FakeScheduler : public SchedulerApi {
 public:
  StatusOr<std::vector<derm::v1::Job>> QueuedJobs() override { return queued; }
  StatusOr<std::vector<derm::v1::WorkerInfo>> Workers() override { return workers; }
  Status Drain(int64_t id) override {
    drained.push_back(id);
    for (auto& w : workers) {
      if (w.id() == id) w.set_state(derm::v1::DRAINING);
    }
    return Status::Ok();
  }
  derm::v1::Job& Queue(int64_t id, int gpus, std::vector<std::string> labels = {}) {
    auto& j = queued.emplace_back();
    j.set_id(id);
    j.set_state(derm::v1::QUEUED);
    j.mutable_spec()->mutable_resources()->set_gpus(gpus);
    for (auto& l : labels) j.mutable_spec()->mutable_resources()->add_labels(l);
    return j;
  }
  // The worker a pilot started: registered with the pilot's shape.
  derm::v1::WorkerInfo& Register(int64_t id, const std::string& pilot, int gpus, int64_t memory_mb = 1000) {
    auto& w = *workers.insert(workers.begin(), derm::v1::WorkerInfo());
    w.set_id(id);
    w.set_state(derm::v1::ACTIVE);
    w.set_gpus(gpus);
    w.set_memory_mb(memory_mb);
    w.set_cluster_job(pilot.empty() ? "" : "slurm:" + pilot);
    return w;
  }
  void Run(int64_t worker, int64_t job) {
    for (auto& w : workers) {
      if (w.id() == worker) w.set_running_job_id(job);
    }
    queued.erase(std::remove_if(queued.begin(), queued.end(), [&](const auto& j) { return j.id() == job; }),
                 queued.end());
  }

  std::vector<derm::v1::Job> queued;
  std::vector<derm::v1::WorkerInfo> workers;
  std::vector<int64_t> drained;
};

class LauncherTest : public ::testing::Test {
 protected:
  LauncherTest() {
    options_.min_memory_mb = 1000;
    options_.idle_timeout_ms = 60000;
    options_.lost_grace_ms = 30000;
    options_.pilot.worker_binary = "/opt/derm/bin/derm-worker";
    options_.pilot.scheduler = "sched:7000";
    options_.pilot.token_file = "/shared/worker.token";
  }
  TickReport Tick() {
    if (!launcher_) launcher_ = std::make_unique<Launcher>(options_, &scheduler_, &batch_, &clock_);
    auto r = launcher_->Tick();
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : TickReport();
  }
  void Start(const std::string& pilot) { batch_.jobs[pilot].state = BatchJobState::kRunning; }

  LauncherOptions options_;
  FakeBatch batch_;
  FakeScheduler scheduler_;
  FakeClock clock_;
  std::unique_ptr<Launcher> launcher_;
};

TEST_F(LauncherTest, OnePilotPerQueuedJobOfItsShape) {
  scheduler_.Queue(1, 1);
  scheduler_.Queue(2, 2, {"partition=gpu-a100"});
  TickReport r = Tick();
  ASSERT_EQ(r.submitted, (std::vector<std::string>{"100", "101"}));
  EXPECT_NE(batch_.scripts[0].find("#SBATCH --gres=gpu:1\n"), std::string::npos) << batch_.scripts[0];
  EXPECT_NE(batch_.scripts[1].find("#SBATCH --gres=gpu:2\n"), std::string::npos);
  EXPECT_NE(batch_.scripts[1].find("#SBATCH --partition=gpu-a100\n"), std::string::npos);
  EXPECT_NE(batch_.scripts[1].find("'--label' 'partition=gpu-a100'"), std::string::npos);
  // The next round sees the pending pilots as places for the jobs: nothing new.
  r = Tick();
  EXPECT_TRUE(r.submitted.empty());
  EXPECT_TRUE(r.cancelled.empty());
}

TEST_F(LauncherTest, AnIdleWorkerThatFitsMeansNoPilot) {
  scheduler_.Register(7, "", 1);  // started by hand
  scheduler_.Queue(1, 1);
  EXPECT_TRUE(Tick().submitted.empty());
  scheduler_.Queue(2, 2);  // the 1-GPU worker does not fit a 2-GPU job
  EXPECT_EQ(Tick().submitted.size(), 1u);
}

TEST_F(LauncherTest, CapAndRateLimitHoldBackSubmissions) {
  options_.max_workers = 3;
  options_.max_submits_per_minute = 2;
  for (int i = 1; i <= 5; ++i) scheduler_.Queue(i, 0);
  TickReport r = Tick();
  EXPECT_EQ(r.submitted.size(), 2u) << "the rate limit";
  ASSERT_EQ(r.notes.size(), 1u);
  EXPECT_NE(r.notes[0].find("--max-submits-per-minute"), std::string::npos);
  EXPECT_EQ(Tick().submitted.size(), 0u) << "still within the same minute";
  clock_.Advance(60001);
  r = Tick();
  EXPECT_EQ(r.submitted.size(), 1u) << "the cap: 3 pilots alive";
  ASSERT_EQ(r.notes.size(), 1u);
  EXPECT_NE(r.notes[0].find("--max-workers"), std::string::npos);
}

TEST_F(LauncherTest, APendingPilotNoJobNeedsIsCancelledAStartedOneIsKept) {
  scheduler_.Queue(1, 1);
  scheduler_.Queue(2, 1);
  ASSERT_EQ(Tick().submitted.size(), 2u);
  Start("100");
  scheduler_.queued.clear();  // both cancelled by their users
  TickReport r = Tick();
  EXPECT_EQ(r.cancelled, (std::vector<std::string>{"101"}));
  EXPECT_EQ(batch_.cancelled, (std::vector<std::string>{"101"}));
}

TEST_F(LauncherTest, IdleWorkersOfItsPilotsAreDrainedAfterTheTimeoutOthersNever) {
  scheduler_.Queue(1, 1);
  ASSERT_EQ(Tick().submitted.size(), 1u);
  Start("100");
  scheduler_.Register(1, "100", 1);
  scheduler_.Register(2, "", 0);  // started by hand: never drained by the launcher
  scheduler_.Run(1, 1);
  Tick();
  scheduler_.Run(1, 0);  // job 1 finished; worker 1 idle from now
  Tick();
  clock_.Advance(59999);
  EXPECT_TRUE(Tick().drained.empty());
  // A queued job that fits keeps it: not drained, and no new pilot either.
  scheduler_.Queue(3, 1);
  clock_.Advance(10);
  TickReport r = Tick();
  EXPECT_TRUE(r.drained.empty());
  EXPECT_TRUE(r.submitted.empty());
  scheduler_.queued.clear();
  r = Tick();  // idle since it was first seen idle and unclaimed: the clock restarted
  EXPECT_TRUE(r.drained.empty());
  clock_.Advance(60000);
  EXPECT_EQ(Tick().drained, (std::vector<int64_t>{1}));
  EXPECT_EQ(scheduler_.drained, (std::vector<int64_t>{1}));
}

TEST_F(LauncherTest, APilotWhoseWorkerWasLostIsCancelledAfterTheGrace) {
  scheduler_.Queue(1, 1);
  Tick();
  Start("100");
  scheduler_.Register(1, "100", 1).set_state(derm::v1::LOST);
  scheduler_.queued.clear();
  Tick();
  clock_.Advance(29999);
  EXPECT_TRUE(Tick().cancelled.empty());
  clock_.Advance(1);
  EXPECT_EQ(Tick().cancelled, (std::vector<std::string>{"100"}));
}

TEST_F(LauncherTest, ANodeFailureEndsThePilotAndTheRequeuedJobGetsANewOne) {
  scheduler_.Queue(1, 1);
  Tick();
  Start("100");
  scheduler_.Register(1, "100", 1);
  scheduler_.Run(1, 1);
  Tick();
  // The node died: Slurm ends the pilot, the scheduler's lease expires and job 1 is queued again.
  batch_.jobs["100"].state = BatchJobState::kEnded;
  batch_.jobs["100"].detail = "NODE_FAIL";
  scheduler_.workers[0].set_state(derm::v1::LOST);
  scheduler_.Queue(1, 1);
  TickReport r = Tick();
  EXPECT_EQ(r.submitted, (std::vector<std::string>{"101"}));
  ASSERT_FALSE(r.notes.empty());
  EXPECT_EQ(r.notes[0], "pilot 100 ended: NODE_FAIL");
}

// A pilot that cannot start its worker (a wrong path, a scheduler the nodes cannot reach) is not
// resubmitted forever: three in a row pause submissions, for longer each time.
TEST_F(LauncherTest, PilotsThatEndBeforeTheirWorkerRegistersPauseSubmissions) {
  options_.max_submits_per_minute = 100;
  scheduler_.Queue(1, 1);
  auto fail_all = [&] {
    for (auto& [id, job] : batch_.jobs) {
      if (job.state == BatchJobState::kEnded) continue;
      job.state = BatchJobState::kEnded;
      job.detail = "FAILED";
    }
  };
  for (int i = 0; i < 2; ++i) {
    ASSERT_EQ(Tick().submitted.size(), 1u) << i;
    fail_all();
  }
  ASSERT_EQ(Tick().submitted.size(), 1u);
  fail_all();
  TickReport r = Tick();
  EXPECT_TRUE(r.submitted.empty());
  ASSERT_EQ(r.notes.size(), 2u);
  EXPECT_NE(r.notes[1].find("3 pilots in a row ended before their worker registered (the last: 102, FAILED): "
                            "no submissions for 60 s"),
            std::string::npos)
      << r.notes[1];
  clock_.Advance(59999);
  EXPECT_TRUE(Tick().submitted.empty());
  clock_.Advance(1);
  ASSERT_EQ(Tick().submitted.size(), 1u);
  fail_all();
  r = Tick();
  ASSERT_EQ(r.notes.size(), 2u);
  EXPECT_NE(r.notes[1].find("no submissions for 120 s"), std::string::npos) << r.notes[1];
  // A pilot whose worker registered resets the count.
  clock_.Advance(120000);
  ASSERT_EQ(Tick().submitted, (std::vector<std::string>{"104"}));
  Start("104");
  scheduler_.Register(1, "104", 1);
  Tick();
  batch_.jobs["104"].state = BatchJobState::kEnded;  // its worker left without running the job
  scheduler_.workers[0].set_state(derm::v1::GONE);
  r = Tick();
  EXPECT_EQ(r.submitted.size(), 1u);
}

TEST_F(LauncherTest, ARestartedLauncherTakesOverThePilotsItFinds) {
  scheduler_.Queue(1, 1);
  Tick();
  launcher_.reset();  // a new launcher, the same batch system
  EXPECT_TRUE(Tick().submitted.empty()) << "pilot 100 (from its comment) still fits job 1";
  batch_.jobs["55"] = {"55", BatchJobState::kPending, "PENDING", "not derm's"};
  scheduler_.queued.clear();
  EXPECT_EQ(Tick().cancelled, (std::vector<std::string>{"100"})) << "only its own pilots";
}

TEST_F(LauncherTest, AFailingSbatchIsSaidOnceAndCountsAgainstTheRateLimit) {
  options_.max_submits_per_minute = 3;
  for (int i = 1; i <= 4; ++i) scheduler_.Queue(i, 1);  // each refused job waits: the next is tried
  struct RefusingBatch : FakeBatch {
    StatusOr<std::string> Submit(const std::string&) override {
      ++calls;
      return Unavailable("sbatch failed (exit 1): sbatch: error: invalid account");
    }
    int calls = 0;
  } refusing;
  Launcher launcher(options_, &scheduler_, &refusing, &clock_);
  TickReport r = *launcher.Tick();
  ASSERT_EQ(r.notes.size(), 1u);
  EXPECT_EQ(r.notes[0], "submitting a pilot failed: sbatch failed (exit 1): sbatch: error: invalid account");
  EXPECT_TRUE(launcher.Tick()->notes.empty());
  ASSERT_TRUE(launcher.Tick().ok());
  EXPECT_EQ(refusing.calls, 3);
  r = *launcher.Tick();
  EXPECT_EQ(refusing.calls, 3) << "the rate limit holds";
  EXPECT_NE(r.notes.at(0).find("--max-submits-per-minute"), std::string::npos);
}

// A spec Slurm refuses (more memory than any node has) must not hold up the jobs behind it: its
// job waits 5 minutes before its pilot is tried again, and the others get theirs.
TEST_F(LauncherTest, AJobWhosePilotIsRefusedDoesNotHoldUpTheOthers) {
  struct PickyBatch : FakeBatch {
    StatusOr<std::string> Submit(const std::string& script) override {
      if (script.find("--mem=99999999M") != std::string::npos) {
        ++refused;
        return Unavailable("sbatch failed (exit 1): Requested node configuration is not available");
      }
      return FakeBatch::Submit(script);
    }
    int refused = 0;
  } picky;
  scheduler_.Queue(1, 1).mutable_spec()->mutable_resources()->set_memory_mb(99999999);
  scheduler_.Queue(2, 1);
  Launcher launcher(options_, &scheduler_, &picky, &clock_);
  EXPECT_TRUE(launcher.Tick()->submitted.empty()) << "job 1 first: refused";
  EXPECT_EQ(launcher.Tick()->submitted, (std::vector<std::string>{"100"})) << "job 2 is not held up";
  clock_.Advance(60000);
  EXPECT_TRUE(launcher.Tick()->submitted.empty());
  EXPECT_EQ(picky.refused, 1);
  clock_.Advance(240000);
  EXPECT_TRUE(launcher.Tick()->submitted.empty());
  EXPECT_EQ(picky.refused, 2) << "tried again after 5 minutes";
}

TEST_F(LauncherTest, NothingChangesWhenTheBatchSystemCannotBeRead) {
  scheduler_.Queue(1, 1);
  batch_.up = false;
  launcher_ = std::make_unique<Launcher>(options_, &scheduler_, &batch_, &clock_);
  auto r = launcher_->Tick();
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(batch_.scripts.empty());
}

TEST_F(LauncherTest, HostileLabelsAndTooManyGpusGetNoPilotAndSaySo) {
  scheduler_.Queue(1, 1, {"x'; rm -rf / #"});
  scheduler_.Queue(3, 1, {"a+b"});  // '+' joins labels in the pilot's comment
  scheduler_.Queue(2, 64);
  TickReport r = Tick();
  EXPECT_TRUE(r.submitted.empty());
  ASSERT_EQ(r.notes.size(), 3u);
  EXPECT_NE(r.notes[0].find("job 1 cannot get a pilot: label"), std::string::npos) << r.notes[0];
  EXPECT_NE(r.notes[1].find("job 2 needs 64 GPUs"), std::string::npos) << r.notes[1];
  EXPECT_NE(r.notes[2].find("job 3 cannot get a pilot: label 'a+b'"), std::string::npos) << r.notes[2];
  EXPECT_TRUE(Tick().notes.empty()) << "each cause is said once";
}

}  // namespace
}  // namespace derm::launcher
