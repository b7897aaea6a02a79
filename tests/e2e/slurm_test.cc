// derm-launcher on a real Slurm (scripts/slurm-up.sh: one node, two fake GPUs): three jobs of one
// GPU each, a fourth cancelled while it waits, two pilots stopped mid-run (scancel, and USR1 as
// before preemption), idle pilots released.
// Skipped where no Slurm answers, unless DERM_REQUIRE_SLURM=1 (CI's scripts/test.sh starts one
// and sets it, so there it fails instead). Waiting is on the WatchJob streams and the launcher's
// log lines, never by sleeping.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <csignal>
#include <filesystem>
#include <mutex>
#include <set>
#include <thread>

#include "common/process/run_command.h"
#include "store/sqlite.h"
#include "tests/testing/cluster.h"
#include "tests/testing/subprocess.h"

namespace derm {
namespace {

bool SlurmAnswers() {
  auto r = RunCommand({"sinfo", "--noheader", "--format=%T"});
  return r.ok() && r->exit_code == 0 && !r->out.empty();
}

// What the watch streams and the launcher's log said so far.
struct Timeline {
  std::mutex mu;
  std::condition_variable cv;
  std::map<int64_t, derm::v1::JobState> state;
  std::map<int64_t, int> epochs;
  std::vector<std::string> lines;  // the launcher's
  // Waits until pred() (called under mu) holds; false after `seconds`.
  template <typename Pred>
  bool WaitFor(Pred pred, int seconds) {
    std::unique_lock<std::mutex> lock(mu);
    return cv.wait_for(lock, std::chrono::seconds(seconds), pred);
  }
  int Count(derm::v1::JobState s) {
    int n = 0;
    for (const auto& [id, st] : state) n += st == s;
    return n;
  }
  bool Logged(const std::string& text) {
    for (const auto& l : lines) {
      if (l.find(text) != std::string::npos) return true;
    }
    return false;
  }
  std::vector<std::string> PilotsWith(const std::string& what) {  // ids from "... <what> <id>"
    std::vector<std::string> ids;
    for (const auto& l : lines) {
      const size_t at = l.find(what + " ");
      if (at != std::string::npos)
        ids.push_back(l.substr(at + what.size() + 1,
                               l.find_first_of(" :", at + what.size() + 1) - at - what.size() - 1));
    }
    return ids;
  }
};

class SlurmTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!SlurmAnswers()) {
      if (std::getenv("DERM_REQUIRE_SLURM")) FAIL() << "DERM_REQUIRE_SLURM is set but sinfo does not answer";
      GTEST_SKIP() << "no Slurm here (scripts/slurm-up.sh starts one)";
    }
  }
  void TearDown() override {  // whatever happened, no pilot of this test outlives it
    if (!job_name_.empty()) (void)RunCommand({"scancel", "--name=" + job_name_});
  }
  std::vector<derm::v1::WorkerInfo> Workers(testing::Cluster& cluster) {
    grpc::ClientContext ctx;
    cluster.Auth(&ctx);
    derm::v1::ListWorkersResponse resp;
    EXPECT_TRUE(cluster.jobs()->ListWorkers(&ctx, derm::v1::ListWorkersRequest(), &resp).ok());
    return {resp.workers().begin(), resp.workers().end()};
  }

  std::string job_name_;
};

TEST_F(SlurmTest, PilotsFollowTheQueueAndPreemptedPilotsLoseNothing) {
  constexpr int kEpochs = 12;
  testing::TempDir dir;
  testing::Cluster cluster(dir, /*train_per_class=*/20);
  ASSERT_TRUE(cluster.StartScheduler({"--lease-timeout-ms", "3000"})) << cluster.SchedulerLog();
  const std::string launcher_token = cluster.CreateTokenFile("slurm-launcher", "launcher");
  const std::string worker_token = cluster.CreateTokenFile("slurm-workers", "worker");
  job_name_ = "derm-e2e-" + std::to_string(getpid());
  const std::string logs = dir.Join("pilots");
  std::filesystem::create_directories(logs);
  testing::Subprocess launcher({"/bin/sh",
                                "-c",
                                "exec \"$0\" \"$@\" 2>&1",
                                DERM_LAUNCHER_BIN,
                                "slurm",
                                "--scheduler",
                                cluster.address(),
                                "--token-file",
                                launcher_token,
                                "--worker-token-file",
                                worker_token,
                                "--worker-binary",
                                DERM_WORKER_BIN,
                                "--gpu-device",
                                "cpu",
                                "--pilot-cpus",
                                "1",
                                "--pilot-memory-mb",
                                "500",
                                "--idle-timeout",
                                "2",
                                "--lost-grace",
                                "5",
                                "--interval",
                                "0.3",
                                "--job-name",
                                job_name_,
                                "--log-dir",
                                logs});
  Timeline t;
  std::vector<std::thread> threads;
  struct JoinAll {  // on a failed assertion: stop the launcher and the scheduler, which ends every stream
    std::vector<std::thread>& threads;
    testing::Subprocess& launcher;
    testing::Cluster& cluster;
    ~JoinAll() {
      if (std::any_of(threads.begin(), threads.end(), [](auto& th) { return th.joinable(); })) {
        launcher.Signal(SIGKILL);
        cluster.KillScheduler(SIGKILL);
      }
      for (auto& th : threads) {
        if (th.joinable()) th.join();
      }
    }
  } join_all{threads, launcher, cluster};
  threads.emplace_back([&] {
    std::string line;
    while (launcher.ReadLine(&line)) {
      std::lock_guard<std::mutex> lock(t.mu);
      t.lines.push_back(line);
      t.cv.notify_all();
    }
  });
  derm::v1::JobSpec spec = cluster.TinySpec(/*epochs=*/kEpochs);
  spec.mutable_data()->set_image_size(0, 64);
  spec.mutable_data()->set_image_size(1, 64);
  spec.mutable_resources()->set_gpus(1);
  spec.mutable_resources()->set_memory_mb(500);
  std::vector<int64_t> ids;
  for (int i = 0; i < 4; ++i) {
    const derm::v1::Job job = cluster.Submit(spec);
    ASSERT_GT(job.id(), 0);
    ids.push_back(job.id());
    {
      std::lock_guard<std::mutex> lock(t.mu);
      t.state[job.id()] = derm::v1::QUEUED;
    }
    threads.emplace_back([&, id = job.id()] {
      cluster.Follow(id, [&](const derm::v1::JobEvent& e) {
        std::lock_guard<std::mutex> lock(t.mu);
        if (e.has_epoch()) {
          t.epochs[id] = std::max(t.epochs[id], e.epoch().epoch());
        } else if (e.state() != derm::v1::JOB_STATE_UNSPECIFIED) {
          t.state[id] = e.state();
        }
        t.cv.notify_all();
      });
    });
  }
  const int64_t cancelled_job = ids[3];
  auto dump = [&] {
    std::string out = "launcher:\n";
    std::lock_guard<std::mutex> lock(t.mu);
    for (const auto& l : t.lines) out += l + "\n";
    return out + testing::RunCommand({"squeue", "--states=all", "--name=" + job_name_}).out;
  };

  // Two GPUs: two jobs run at once on Slurm-started workers, each seeing its own GPU; the others wait.
  ASSERT_TRUE(t.WaitFor([&] { return t.Count(derm::v1::RUNNING) == 2; }, 180)) << dump();
  {
    std::lock_guard<std::mutex> lock(t.mu);
    EXPECT_EQ(t.Count(derm::v1::QUEUED), 2);
  }
  std::set<std::string> gpus_seen;
  std::vector<int64_t> preempted;  // the two jobs running first
  for (const auto& w : Workers(cluster)) {
    if (w.running_job_id() == 0) continue;
    EXPECT_EQ(w.cluster_job().rfind("slurm:", 0), 0u) << w.DebugString();
    EXPECT_EQ(w.gpus(), 1);
    gpus_seen.insert(w.visible_gpus());
    preempted.push_back(w.running_job_id());
  }
  ASSERT_EQ(preempted.size(), 2u);
  EXPECT_EQ(gpus_seen, (std::set<std::string>{"0", "1"}))
      << "CUDA_VISIBLE_DEVICES of the two running workers";

  // A job cancelled while it waits: a pilot no job needs any more is scancelled.
  {
    grpc::ClientContext ctx;
    cluster.Auth(&ctx);
    derm::v1::CancelJobRequest req;
    req.set_id(cancelled_job);
    derm::v1::Job out;
    ASSERT_TRUE(cluster.jobs()->CancelJob(&ctx, req, &out).ok());
  }
  ASSERT_TRUE(t.WaitFor([&] { return t.Logged("cancelled pilot"); }, 60)) << dump();

  // Two pilots stopped mid-run, one by scancel (SIGTERM), one as Slurm warns before preemption or
  // the time limit (SIGUSR1 to the batch script): each worker gives its job back, and the job
  // finishes on another worker.
  std::vector<std::string> preempted_pilots;
  for (size_t i = 0; i < preempted.size(); ++i) {
    const int64_t job = preempted[i];
    ASSERT_TRUE(t.WaitFor([&] { return t.epochs[job] >= 1 || t.state[job] != derm::v1::RUNNING; }, 120));
    std::string pilot;
    for (const auto& w : Workers(cluster)) {
      if (w.running_job_id() == job) pilot = w.cluster_job().substr(6);
    }
    ASSERT_FALSE(pilot.empty()) << "job " << job << " finished before it could be preempted";
    preempted_pilots.push_back(pilot);
    const std::vector<std::string> stop =
        i == 0 ? std::vector<std::string>{"scancel", pilot}
               : std::vector<std::string>{"scancel", "--signal=USR1", "--batch", pilot};
    ASSERT_EQ(testing::RunCommand(stop).exit_code, 0);
  }

  ASSERT_TRUE(t.WaitFor(
      [&] {
        return t.state[ids[0]] == derm::v1::SUCCEEDED && t.state[ids[1]] == derm::v1::SUCCEEDED &&
               t.state[ids[2]] == derm::v1::SUCCEEDED && t.state[cancelled_job] == derm::v1::CANCELLED;
      },
      400))
      << dump() << cluster.SchedulerLog();

  // Idle workers are drained and every pilot ends: none is left pending or running.
  ASSERT_TRUE(t.WaitFor(
      [&] {
        if (!t.Logged("drained idle worker")) return false;
        const auto cancelled = t.PilotsWith("cancelled pilot");
        for (const auto& id : t.PilotsWith("submitted pilot")) {
          const bool gone =
              std::count(cancelled.begin(), cancelled.end(), id) > 0 || t.Logged("pilot " + id + " ended");
          if (!gone) return false;
        }
        return true;
      },
      120))
      << dump();
  const auto alive = testing::RunCommand({"squeue", "--noheader", "--name=" + job_name_, "--format=%i %T"});
  EXPECT_EQ(alive.out, "") << "still in Slurm's queue";
  EXPECT_TRUE(t.Logged("pilot " + preempted_pilots[0] + " ended: CANCELLED")) << dump();
  EXPECT_TRUE(t.Logged("pilot " + preempted_pilots[1] + " ended: COMPLETED"))
      << "the worker left on USR1" << dump();
  for (const auto& w : Workers(cluster)) {  // drained, or left when stopped: none merely LOST
    EXPECT_EQ(w.state(), derm::v1::GONE) << w.DebugString();
  }

  // Each preempted job: its first attempt was PREEMPTED, every epoch trained once, the second
  // attempt on another worker resumed after the first one's last epoch.
  auto db = store::Database::Open(cluster.db(), /*read_only=*/true).value();
  for (int64_t id : preempted) {
    SCOPED_TRACE("job " + std::to_string(id));
    const std::string job = std::to_string(id);
    EXPECT_EQ(testing::QueryText(db.get(),
                                 "SELECT state FROM attempts WHERE job_id = " + job + " ORDER BY id LIMIT 1"),
              "PREEMPTED");
    EXPECT_EQ(testing::QueryText(
                  db.get(), "SELECT state FROM attempts WHERE job_id = " + job + " ORDER BY id DESC LIMIT 1"),
              "SUCCEEDED");
    EXPECT_EQ(
        testing::QueryInt(db.get(), "SELECT count(DISTINCT worker_id) FROM attempts WHERE job_id = " + job),
        2);
    const std::string run = "(SELECT id FROM runs WHERE job_id = " + job + ")";
    EXPECT_EQ(testing::QueryInt(db.get(), "SELECT count(*) FROM epoch_metrics WHERE run_id = " + run),
              kEpochs);
    EXPECT_EQ(
        testing::QueryInt(db.get(), "SELECT count(DISTINCT epoch) FROM epoch_metrics WHERE run_id = " + run),
        kEpochs);
    const int64_t first_epochs = testing::QueryInt(db.get(),
                                                   "SELECT count(*) FROM epoch_metrics WHERE attempt_id = "
                                                   "(SELECT min(id) FROM attempts WHERE job_id = " +
                                                       job + ")");
    EXPECT_GE(first_epochs, 1);
    const std::string second_pilot =
        testing::QueryText(db.get(),
                           "SELECT substr(w.cluster_job, 7) FROM attempts a JOIN "
                           "workers w ON w.id = a.worker_id WHERE a.job_id = " +
                               job + " ORDER BY a.id DESC LIMIT 1");
    EXPECT_NE(testing::ReadFile(logs + "/" + job_name_ + "-" + second_pilot + ".out")
                  .find("resuming after epoch " + std::to_string(first_epochs)),
              std::string::npos);
  }

  launcher.Signal(SIGTERM);
  EXPECT_EQ(launcher.Wait(), 0);
  for (auto& th : threads) th.join();
}

// deploy/slurm/derm-worker.sbatch as a site would submit it: an array of two workers, each with a
// fake GPU, which run a job and leave when the array is cancelled.
TEST_F(SlurmTest, TheArrayScriptStartsWorkersThatRunJobs) {
  testing::TempDir dir;
  testing::Cluster cluster(dir);
  ASSERT_TRUE(cluster.StartScheduler()) << cluster.SchedulerLog();
  const std::string token = cluster.CreateTokenFile("array-workers", "worker");
  job_name_ = "derm-array-" + std::to_string(getpid());
  const auto submitted = testing::RunCommand(
      {"sbatch", "--parsable", "--array=0-1", "--job-name=" + job_name_, "--mem=500M", "--cpus-per-task=1",
       "--output=" + dir.Join("array-%A_%a.out"),
       "--export=ALL,DERM_SERVER=" + cluster.address() + ",DERM_TOKEN_FILE=" + token +
           ",DERM_DEVICE=cpu,DERM_WORKER=" + DERM_WORKER_BIN,
       std::string(DERM_SOURCE_DIR) + "/deploy/slurm/derm-worker.sbatch", "--data-root", dir.path()});
  ASSERT_EQ(submitted.exit_code, 0) << submitted.err;
  const std::string array = submitted.out.substr(0, submitted.out.find_first_of(";\n"));

  derm::v1::JobSpec spec = cluster.TinySpec(/*epochs=*/1);
  spec.mutable_resources()->set_gpus(1);
  const derm::v1::Job job = cluster.Submit(spec);
  ASSERT_GT(job.id(), 0);
  EXPECT_EQ(cluster.Follow(job.id(), {}, /*timeout_s=*/300), derm::v1::SUCCEEDED)
      << cluster.SchedulerLog() << testing::RunCommand({"sh", "-c", "cat " + dir.Join("array-*.out")}).out;
  int from_array = 0;
  for (const auto& w : Workers(cluster)) {
    if (w.name().rfind("derm-worker-" + array + "_", 0) != 0) continue;
    ++from_array;
    EXPECT_EQ(w.cluster_job().rfind("slurm:", 0), 0u) << w.DebugString();
    EXPECT_EQ(w.gpus(), 1);
    EXPECT_EQ(w.memory_mb(), 500);
    EXPECT_TRUE(w.visible_gpus() == "0" || w.visible_gpus() == "1") << w.DebugString();
  }
  EXPECT_GE(from_array, 1);
  EXPECT_EQ(testing::RunCommand({"scancel", array}).exit_code, 0);
}

}  // namespace
}  // namespace derm
