// FakeReporter: a TaskReporter that keeps what a task reports, for the worker's tests.
#pragma once

#include <functional>
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
  StatusOr<derm::v1::ReportEpochResponse> Epoch(const derm::v1::EpochMetrics& m,
                                                const std::string& checkpoint) override {
    epochs.push_back(m);
    checkpoints.push_back(checkpoint);
    if (!epoch_status.ok()) return epoch_status;
    return verdict ? verdict(m.epoch()) : derm::v1::ReportEpochResponse();
  }
  bool Cancelled() override { return cancel; }

  std::vector<derm::v1::RunFacts> facts;
  std::vector<derm::v1::EpochMetrics> epochs;
  std::vector<std::string> checkpoints;
  Status epoch_status;
  // The scheduler's answer to each epoch (default: go on).
  std::function<derm::v1::ReportEpochResponse(int32_t epoch)> verdict;
  bool cancel = false;
};

}  // namespace derm::worker
