// SchedulerTest: a Scheduler over a fresh database in a temporary folder, on a FakeClock, with
// helpers for the worker side. Shared by the scheduler's test files.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>

#include "scheduler/scheduler.h"
#include "tests/testing/temp_dir.h"

namespace derm::scheduler {

using derm::v1::JobState;

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
  int64_t Worker(int gpus = 0) {
    derm::v1::RegisterWorkerRequest req;
    req.set_gpus(gpus);
    return scheduler_->RegisterWorker(req).value().worker_id();
  }
  int64_t Submit(derm::v1::JobSpec spec, const std::string& key = "") {
    auto r = scheduler_->Submit(spec, key);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r->job().id();
  }
  derm::v1::Task Acquire(int64_t worker) {
    auto r = scheduler_->AcquireTask(worker, 0);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r->task();
  }
  JobState State(int64_t job) { return scheduler_->reads().GetJob(job)->state(); }
  StatusOr<derm::v1::HeartbeatResponse> Beat(int64_t worker, int64_t attempt,
                                             const derm::v1::Progress* p = nullptr) {
    derm::v1::HeartbeatRequest req;
    req.set_worker_id(worker);
    req.set_attempt_id(attempt);
    if (p) *req.mutable_progress() = *p;
    return scheduler_->Heartbeat(req);
  }
  Status Report(int64_t attempt, int epoch, const std::string& ckpt) {
    derm::v1::ReportEpochRequest req;
    req.set_attempt_id(attempt);
    req.mutable_metrics()->set_epoch(epoch);
    req.set_checkpoint(ckpt);
    return scheduler_->ReportEpoch(req);
  }

  testing::TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<Scheduler> scheduler_;
};

}  // namespace derm::scheduler
