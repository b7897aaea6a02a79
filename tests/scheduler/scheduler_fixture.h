// SchedulerTest: a Scheduler over a fresh database in a temporary folder, on a FakeClock, with
// helpers for the worker side. Shared by the scheduler's test files.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "scheduler/scheduler.h"
#include "tests/testing/temp_dir.h"

namespace derm::scheduler {

using derm::v1::JobState;

// A valid training spec named `name` of `epochs` epochs over /data/Train (never read: no worker
// runs in these tests), with `max_retries` retries.
inline derm::v1::JobSpec TrainSpec(const std::string& name, int epochs, int max_retries = 3) {
  derm::v1::JobSpec spec;
  spec.set_name(name);
  spec.mutable_data()->set_train_dir("/data/Train");
  spec.mutable_train()->set_epochs(epochs);
  spec.set_max_retries(max_retries);
  return spec;
}

class SchedulerTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }
  // The options Open() uses; a test suite may add to them.
  virtual SchedulerOptions Options() {
    SchedulerOptions options;
    options.lease_timeout_ms = 1000;
    options.retry_backoff_ms = 500;
    return options;
  }
  void Open() {
    scheduler_.reset();
    auto store = store::Store::Open(dir_.Join("r.db"));
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    scheduler_ = std::make_unique<Scheduler>(std::move(store).value(), &clock_, Options());
    ASSERT_TRUE(scheduler_->Recover().ok());
  }
  // Registers a worker (as the user "tester") and keeps its key for the calls below.
  StatusOr<derm::v1::RegisterWorkerResponse> Register(const derm::v1::RegisterWorkerRequest& req) {
    auto r = scheduler_->RegisterWorker(req, "tester");
    if (r.ok()) keys_[r->worker_id()] = r->worker_key();
    return r;
  }
  int64_t Worker(int gpus = 0) {
    derm::v1::RegisterWorkerRequest req;
    req.set_gpus(gpus);
    return Register(req).value().worker_id();
  }
  int64_t Submit(derm::v1::JobSpec spec, const std::string& key = "") {
    auto r = scheduler_->Submit(spec, key, "tester");
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r->job().id();
  }
  // An AcquireTask request of `worker`, with its key.
  derm::v1::AcquireTaskRequest Poll(int64_t worker) {
    derm::v1::AcquireTaskRequest req;
    req.set_worker_id(worker);
    req.set_worker_key(keys_[worker]);
    return req;
  }
  derm::v1::Task Acquire(int64_t worker) {
    auto r = scheduler_->AcquireTask(Poll(worker), 0);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (r.ok() && r->has_task()) attempt_worker_[r->task().attempt_id()] = worker;
    return r->task();
  }
  // `req` sent by the worker its attempt was leased to, with that worker's key.
  template <typename Request>
  Request Signed(Request req) {
    const int64_t worker = attempt_worker_[req.attempt_id()];
    req.set_worker_id(worker);
    req.set_worker_key(keys_[worker]);
    return req;
  }
  JobState State(int64_t job) { return scheduler_->reads().GetJob(job)->state(); }
  StatusOr<derm::v1::HeartbeatResponse> Beat(int64_t worker, int64_t attempt,
                                             const derm::v1::Progress* p = nullptr) {
    derm::v1::HeartbeatRequest req;
    req.set_worker_id(worker);
    req.set_worker_key(keys_[worker]);
    req.set_attempt_id(attempt);
    if (p) *req.mutable_progress() = *p;
    return scheduler_->Heartbeat(req);
  }
  Status Report(int64_t attempt, int epoch, const std::string& ckpt) {
    derm::v1::ReportEpochRequest req;
    req.set_attempt_id(attempt);
    req.mutable_metrics()->set_epoch(epoch);
    req.set_checkpoint(ckpt);
    return scheduler_->ReportEpoch(Signed(req)).status();
  }

  testing::TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<Scheduler> scheduler_;
  std::map<int64_t, std::string> keys_;        // worker id -> key
  std::map<int64_t, int64_t> attempt_worker_;  // attempt id -> the worker Acquire leased it to
};

}  // namespace derm::scheduler
