// FakeReporter: a TaskReporter that keeps what a task reports, for the worker's tests.
#pragma once

#include <string>
#include <vector>

#include "worker/task.h"

namespace derm::worker {

class FakeReporter : public TaskReporter {
 public:
  Status Facts(const derm::v1::RunFacts& f) override {
    facts.push_back(f);
    return Status::Ok();
  }
  Status Epoch(const derm::v1::EpochMetrics& m, const std::string& checkpoint) override {
    epochs.push_back(m);
    checkpoints.push_back(checkpoint);
    return epoch_status;
  }
  bool Cancelled() override { return cancel; }

  std::vector<derm::v1::RunFacts> facts;
  std::vector<derm::v1::EpochMetrics> epochs;
  std::vector<std::string> checkpoints;
  Status epoch_status;
  bool cancel = false;
};

}  // namespace derm::worker
