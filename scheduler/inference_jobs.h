// InferenceJobs: the Scheduler's inference jobs (kind: infer). At submission the input is listed
// and split into shards; each shard is leased on its own attempt, so any number of workers work
// on one job; a shard whose attempt is lost is leased again, a finished one never; the job
// succeeds when every shard has (writing infer.output_csv), and fails once its images' errors
// exceed infer.max_errors or a shard runs out of retries.
// Thread-safety: every method but PlanShards REQUIRES the Scheduler's writer lock.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "common/status_or.h"
#include "derm/v1/jobs.pb.h"
#include "derm/v1/workers.pb.h"
#include "scheduler/job_context.h"

namespace derm::scheduler {

class InferenceJobs {
 public:
  explicit InferenceJobs(JobContext ctx) : ctx_(ctx) {}

  // Checks the spec's model file, lists its input and splits it into shards (no lock needed).
  static StatusOr<std::vector<std::vector<std::string>>> PlanShards(const derm::v1::JobSpec& spec);
  // INVALID_ARGUMENT when model.run_id names no stored model.
  Status CheckModelRun(const derm::v1::JobSpec& spec);
  // Stores the job with its shards, in one transaction, and queues them.
  StatusOr<derm::v1::Job> Insert(const derm::v1::JobSpec& spec, const std::string& key,
                                 const std::vector<std::vector<std::string>>& shards);
  // Restart: re-queues the shards a previous process left running, then queues the job's
  // waiting shards (and ends the job when it stopped right after its last shard).
  Status Recover(const derm::v1::Job& job, const std::string& cause);
  // Leases the next shard of the queued job to the worker.
  StatusOr<derm::v1::Task> LeaseShard(int64_t job_id, int64_t worker_id, int64_t now_ms);
  // Stores a shard's result, ends its lease and ends the job when it was the last shard.
  // `lock` holds the writer lock; it is released while the job's CSV is written.
  Status Complete(int64_t attempt_id, const Lease& lease, const derm::v1::ShardResult& result,
                  std::unique_lock<std::mutex>* lock);
  // A shard's attempt ended without finishing it: end its lease and queue the shard again,
  // or fail the job when retries are used up or the failure is not retryable.
  Status EndAttempt(int64_t attempt_id, const Lease& lease, store::AttemptState attempt_state, bool retryable,
                    const std::string& cause);

 private:
  Status EnqueueShards(const derm::v1::Job& job);
  // Fails the job once its errors exceed infer.max_errors; when every shard is done, writes the
  // CSV and ends the job SUCCEEDED. With `lock` (holding the writer lock), the CSV is written
  // with it released.
  Status FinishIfDone(const derm::v1::Job& job, std::unique_lock<std::mutex>* lock = nullptr);

  const JobContext ctx_;
};

}  // namespace derm::scheduler
