// TaskRunner: runs one leased training task: loads the data named by the spec, builds the
// backbone, trains, and reports facts, epochs and the result through a TaskReporter. Independent
// of gRPC, so it is tested with a fake reporter.
// Thread-safety: one task at a time.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "common/status_or.h"
#include "derm/v1/workers.pb.h"
#include "worker/core/resnet50.h"

namespace derm::worker {

// Where a running task sends what it produces. Implementations may block (network).
class TaskReporter {
 public:
  virtual ~TaskReporter() = default;
  virtual Status Facts(const derm::v1::RunFacts& facts) = 0;
  virtual Status Epoch(const derm::v1::EpochMetrics& metrics, const std::string& checkpoint) = 0;
  // True once the scheduler asked to stop this task (polled before every batch).
  virtual bool Cancelled() = 0;
  // The latest progress, sent with the next heartbeat. Cheap; called after every chunk.
  virtual void Progress(const derm::v1::Progress& progress) {}
};

struct RunnerOptions {
  std::string device = "cpu";  // "cpu" or "cuda[:N]"
  int threads = 0;             // intra-op threads; 0 = every core
  // bf16 backbone: on by default on CUDA; on CPU opt-in, since it changes the features slightly.
  std::optional<bool> bf16;
  int decode_threads = 0;  // 0 = all cores
  std::string cache_dir;   // decoded-dataset cache (data::DatasetOptions::cache_dir); "" = off
  int backbone_batch = 64;
};

// The outcome of a task: a result to complete with, or why it failed.
struct TaskOutcome {
  Status status;           // OK, CANCELLED, or the failure
  bool retryable = false;  // whether another attempt could succeed
  derm::v1::RunResult result;
};

class TaskRunner {
 public:
  explicit TaskRunner(RunnerOptions options);
  TaskOutcome Run(const derm::v1::Task& task, TaskReporter* reporter);

 private:
  struct Backbone {
    std::string key;                      // "random:SEED" or "file:PATH:SIZE:MTIME"
    std::string weights, weights_sha256;  // as recorded with the run
    std::unique_ptr<core::ResNet50> net;
  };
  // The backbone for the spec's weights (a .safetensors file, else random weights from `seed`),
  // kept for consecutive tasks with the same weights.
  StatusOr<const Backbone*> LoadBackbone(const std::string& weights_path, uint64_t seed);

  RunnerOptions options_;
  core::BackboneOptions backbone_options_;
  std::string device_description_;  // recorded with each run, e.g. "cpu fp32 channels_last"
  Backbone backbone_;
};

}  // namespace derm::worker
