// InferenceJobs: the Scheduler's inference jobs (kind: infer). At submission the input is listed
// and split into shards; each shard is leased on its own attempt, so any number of workers work
// on one job; a shard whose attempt is lost is leased again, a finished one never; the job
// succeeds when every shard has (writing infer.output_csv), and fails once its images' errors
// exceed infer.max_errors or a shard runs out of retries.
// Thread-safety: the Scheduler holds its writer lock around every call (its InferenceJobs is
// DERM_GUARDED_BY that lock), except PlanShards and WriteCsv, which need none.
#pragma once

#include <cstdint>
#include <optional>
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

  // Checks the input's paths and splits them into shards (no lock needed). The scheduler reads
  // no file a spec names: INVALID_ARGUMENT for input.folder, glob or list_file (dermctl lists
  // those where it runs and sends input.paths), and for a path that is not absolute and normal.
  static StatusOr<std::vector<std::vector<std::string>>> PlanShards(const derm::v1::JobSpec& spec);
  // INVALID_ARGUMENT when model.run_id names no stored model, or infer.output_csv is not a new
  // file in the export folder.
  Status CheckSpec(const derm::v1::JobSpec& spec);
  // Stores the job (submitted by `submitted_by`) with its shards, in one transaction, and queues
  // them.
  StatusOr<derm::v1::Job> Insert(const derm::v1::JobSpec& spec, const std::string& key,
                                 const std::string& submitted_by,
                                 const std::vector<std::vector<std::string>>& shards);
  // Restart: re-queues the shards a previous process left running, then queues the job's
  // waiting shards (and ends the job when it stopped right after its last shard).
  Status Recover(const derm::v1::Job& job, const std::string& cause);
  // Leases the next shard of the queued job to the worker.
  StatusOr<derm::v1::Task> LeaseShard(int64_t job_id, int64_t worker_id, int64_t now_ms);
  // A job whose every shard is stored and whose CSV is still to be written (infer.output_csv).
  struct CsvDue {
    derm::v1::Job job;
    store::ShardTotals totals;
  };
  // Stores a shard's result and ends its lease; when it was the job's last shard, ends the job,
  // or returns it when its CSV is due: the caller writes that (WriteCsv) without the lock and
  // then ends the job (EndAfterCsv).
  StatusOr<std::optional<CsvDue>> Complete(int64_t attempt_id, const Lease& lease,
                                           const derm::v1::ShardResult& result);
  // Writes the job's CSV into `exports` from a read-only connection of its own; needs no lock.
  // The job has no lease left, so what it reads is final.
  static Status WriteCsv(const ExportDir& exports, const std::string& db_path, const CsvDue& due);
  // Ends the job after its CSV was written (or failed to be), unless it was cancelled meanwhile.
  Status EndAfterCsv(const CsvDue& due, const Status& written);
  // A shard's attempt ended without finishing it: end its lease and queue the shard again,
  // or fail the job when retries are used up (PREEMPTED attempts use none) or the failure is not
  // retryable.
  Status EndAttempt(int64_t attempt_id, const Lease& lease, store::AttemptState attempt_state, bool retryable,
                    const std::string& cause);

 private:
  Status EnqueueShards(const derm::v1::Job& job);
  // Fails the job once its errors exceed infer.max_errors; when every shard is done, ends it
  // SUCCEEDED, or returns it when its CSV is due.
  StatusOr<std::optional<CsvDue>> FinishIfDone(const derm::v1::Job& job);

  const JobContext ctx_;
};

}  // namespace derm::scheduler
