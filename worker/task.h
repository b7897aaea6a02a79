// What a task runner gets and gives: the TaskReporter a running task reports through, the
// runner's options, and a task's outcome.
#pragma once

#include <optional>
#include <string>

#include "common/status.h"
#include "derm/v1/workers.pb.h"

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
  derm::v1::ShardResult shard;  // infer
};

}  // namespace derm::worker
