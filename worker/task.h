// What a task runner gets and gives: the TaskReporter a running task reports through, the
// runner's options, and a task's outcome.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>

#include "common/status_or.h"
#include "derm/v1/workers.pb.h"
#include "worker/data/data_roots.h"

namespace derm::worker {

// Where a running task sends what it produces. Implementations may block (network).
class TaskReporter {
 public:
  virtual ~TaskReporter() = default;
  virtual Status Facts(const derm::v1::RunFacts& facts) = 0;
  // The scheduler's answer: whether to stop after this epoch, and the best epoch so far.
  virtual StatusOr<derm::v1::ReportEpochResponse> Epoch(const derm::v1::EpochMetrics& metrics,
                                                        const std::string& checkpoint) = 0;
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
  int decode_threads = 0;    // 0 = all cores
  std::string cache_dir;     // decoded-dataset cache (data::DatasetOptions::cache_dir); "" = off
  int64_t cache_budget = 0;  // bytes of decoded images kept in RAM (data::DatasetOptions); 0 = all
  // Images per backbone forward pass; 0 = BackboneBatch()'s choice. Training rounds it up to a
  // multiple of its batch size.
  int backbone_batch = 0;
  // What specs may make this worker read (derm-worker --data-root); default: anything.
  data::DataRoots roots;
  // Store thumbnails with predictions when the spec asks (derm-worker --no-thumbnails: never).
  bool thumbnails = true;
};

// The backbone batch for images of h x w: options.backbone_batch when set; else 256 on CUDA, and
// on CPU as many images as 8 of 224 x 224 (at most 256): on 2 Zen 4 cores 224-px images run
// fastest in batches of 8 (22 img/s, 18 at 64), while 32-px images need large batches to
// amortise each call (166 img/s at 8, 444 at 64); bench/README.md.
inline int BackboneBatch(const RunnerOptions& options, int64_t h, int64_t w) {
  if (options.backbone_batch > 0) return options.backbone_batch;
  if (options.device.rfind("cuda", 0) == 0) return 256;
  const int64_t n = 8 * 224 * 224 / std::max<int64_t>(1, h * w);
  return static_cast<int>(std::clamp<int64_t>(n, 8, 256));
}

// The outcome of a task: a result to complete with, or why it failed.
struct TaskOutcome {
  Status status;           // OK, CANCELLED, or the failure
  bool retryable = false;  // whether another attempt could succeed
  // The failure was running out of memory with this many images per backbone pass (0: it was not).
  int32_t out_of_memory_backbone_batch = 0;
  derm::v1::RunResult result;
  derm::v1::ShardResult shard;  // infer
};

inline TaskOutcome Failure(Status status, bool retryable) {
  TaskOutcome o;
  o.status = std::move(status);
  o.retryable = retryable;
  return o;
}

}  // namespace derm::worker
