// TaskRunner: runs one leased task. A training task: loads the data named by the spec, builds the
// backbone, trains, and reports facts, epochs and the result (with the exported model) through a
// TaskReporter. An inference shard goes to the InferRunner. Independent of gRPC, so it is tested
// with a fake reporter.
// Thread-safety: one task at a time.
#pragma once

#include <memory>
#include <string>

#include "worker/backbone_cache.h"
#include "worker/task.h"

namespace derm::worker {

class InferRunner;

class TaskRunner {
 public:
  explicit TaskRunner(RunnerOptions options);
  ~TaskRunner();
  TaskOutcome Run(const derm::v1::Task& task, TaskReporter* reporter);

 private:
  TaskOutcome Train(const derm::v1::Task& task, TaskReporter* reporter);

  RunnerOptions options_;
  std::string device_description_;  // recorded with each run, e.g. "cpu fp32 channels_last"
  std::unique_ptr<BackboneCache> backbones_;
  std::unique_ptr<InferRunner> infer_;
};

}  // namespace derm::worker
