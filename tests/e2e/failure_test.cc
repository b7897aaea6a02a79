// Failure tests with real processes: a worker SIGKILLed mid-run, and the scheduler SIGKILLed and
// restarted on the same database. Waiting is done on the WatchJob stream, never by sleeping.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <csignal>

#include "tests/testing/cluster.h"
#include "tests/testing/subprocess.h"

namespace derm {
namespace {

TEST(FailureTest, KilledWorkersJobFinishesOnAnotherWorkerWithoutRedoingEpochs) {
  testing::TempDir dir;
  testing::Cluster cluster(dir, /*train_per_class=*/20);
  ASSERT_TRUE(cluster.StartScheduler({"--lease-timeout-ms", "1500"})) << cluster.SchedulerLog();
  cluster.StartWorker();
  derm::v1::JobSpec spec = cluster.TinySpec(/*epochs=*/10);
  spec.mutable_data()->set_image_size(0, 64);
  spec.mutable_data()->set_image_size(1, 64);
  const derm::v1::Job job = cluster.Submit(spec);
  ASSERT_GT(job.id(), 0);

  bool killed = false;
  const auto last = cluster.Follow(job.id(), [&](const derm::v1::JobEvent& e) {
    if (e.has_epoch() && !killed) {
      cluster.worker(0).Signal(SIGKILL);
      cluster.worker(0).Wait();
      killed = true;
      cluster.StartWorker();
    }
  });
  ASSERT_EQ(last, derm::v1::SUCCEEDED) << cluster.SchedulerLog() << cluster.WorkerLog(1);

  auto db = store::Database::Open(cluster.db(), /*read_only=*/true).value();
  EXPECT_EQ(testing::QueryInt(db.get(), "SELECT count(*) FROM epoch_metrics"), 10);
  EXPECT_EQ(testing::QueryInt(db.get(), "SELECT count(*) FROM attempts"), 2);
  EXPECT_EQ(testing::QueryText(db.get(), "SELECT state FROM attempts ORDER BY id LIMIT 1"), "WORKER_LOST");
  EXPECT_EQ(testing::QueryText(db.get(), "SELECT state FROM attempts ORDER BY id DESC LIMIT 1"), "SUCCEEDED");
  // Every epoch was trained once: the first attempt's epochs all precede the second's, and the
  // second attempt started right after the last checkpoint the first one reported.
  EXPECT_EQ(testing::QueryInt(db.get(),
                              "SELECT count(*) FROM epoch_metrics a JOIN epoch_metrics b "
                              "ON a.epoch < b.epoch AND a.attempt_id > b.attempt_id"),
            0);
  const int64_t first_attempt_epochs = testing::QueryInt(
      db.get(), "SELECT count(*) FROM epoch_metrics WHERE attempt_id = (SELECT min(id) FROM attempts)");
  EXPECT_GE(first_attempt_epochs, 1);
  EXPECT_NE(cluster.WorkerLog(1).find("resuming after epoch " + std::to_string(first_attempt_epochs)),
            std::string::npos)
      << cluster.WorkerLog(1);
}

TEST(FailureTest, SchedulerKilledAndRestartedLosesNothingAcknowledged) {
  testing::TempDir dir;
  testing::Cluster cluster(dir);
  ASSERT_TRUE(cluster.StartScheduler({"--lease-timeout-ms", "2000"})) << cluster.SchedulerLog();
  const std::string address = cluster.address();
  std::vector<int64_t> ids;
  for (int i = 0; i < 5; ++i) {
    const derm::v1::Job job = cluster.Submit(cluster.TinySpec(3));
    ASSERT_GT(job.id(), 0);
    ids.push_back(job.id());
  }
  cluster.StartWorker();
  // Kill the scheduler as soon as the first job has an epoch stored.
  cluster.Follow(ids[0], [&](const derm::v1::JobEvent& e) {
    if (e.has_epoch()) cluster.KillScheduler(SIGKILL);
  });

  {
    auto db = store::Database::Open(cluster.db(), /*read_only=*/true).value();
    EXPECT_EQ(testing::QueryText(db.get(), "PRAGMA integrity_check"), "ok");
    EXPECT_EQ(testing::QueryInt(db.get(), "SELECT count(*) FROM jobs"), 5);
    EXPECT_GE(testing::QueryInt(db.get(), "SELECT count(*) FROM epoch_metrics"), 1);
  }
  ASSERT_TRUE(cluster.StartScheduler({"--lease-timeout-ms", "2000"}, address)) << cluster.SchedulerLog();
  for (int64_t id : ids)
    EXPECT_EQ(cluster.Follow(id), derm::v1::SUCCEEDED) << "job " << id << cluster.WorkerLog(0);

  auto db = store::Database::Open(cluster.db(), /*read_only=*/true).value();
  EXPECT_EQ(testing::QueryText(db.get(), "PRAGMA integrity_check"), "ok");
  EXPECT_EQ(testing::QueryInt(db.get(), "SELECT count(*) FROM jobs WHERE state = 'SUCCEEDED'"), 5);
  EXPECT_EQ(testing::QueryInt(db.get(), "SELECT count(*) FROM epoch_metrics"), 15);
  EXPECT_EQ(testing::QueryText(db.get(), "SELECT cause FROM attempts WHERE job_id = " +
                                             std::to_string(ids[0]) + " ORDER BY id LIMIT 1"),
            "scheduler restarted while the attempt ran");
}

TEST(FailureTest, ASecondSchedulerRefusesTheDatabaseAndThePort) {
  testing::TempDir dir;
  testing::Cluster cluster(dir);
  ASSERT_TRUE(cluster.StartScheduler()) << cluster.SchedulerLog();
  // Two schedulers on one file would lease each other's jobs and take each other's stale results.
  auto same_db = testing::RunCommand({DERM_SCHEDULER_BIN, "--db", cluster.db(), "--listen", "127.0.0.1:0"});
  EXPECT_EQ(same_db.exit_code, 1) << same_db.out;
  EXPECT_NE(same_db.err.find(cluster.db() + " is in use by another derm-scheduler (pid "), std::string::npos)
      << same_db.err;
  // gRPC's default SO_REUSEPORT would let a second scheduler share the first one's port.
  // (Bounded by timeout(1): a scheduler that did start would serve until stopped.)
  auto same_port = testing::RunCommand({"/usr/bin/timeout", "30", DERM_SCHEDULER_BIN, "--db",
                                        dir.Join("other.db"), "--listen", cluster.address()});
  EXPECT_EQ(same_port.exit_code, 1) << same_port.out;
  EXPECT_NE(same_port.err.find("cannot listen on " + cluster.address()), std::string::npos) << same_port.err;
  EXPECT_GT(cluster.Submit(cluster.TinySpec(1)).id(), 0) << "the first one still serves";
}

}  // namespace
}  // namespace derm
