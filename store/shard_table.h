// Inference jobs in the database: a job's shards, their attempts, and the predictions and
// per-image errors they produce. Each method is one transaction.
// Thread-safety: not thread-safe; one thread uses a connection at a time.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status_or.h"
#include "derm/v1/jobs.pb.h"
#include "derm/v1/workers.pb.h"
#include "store/attempt_state.h"

namespace derm::store {

class Database;

// Where an inference job stands, from its shards.
struct ShardTotals {
  int32_t shards = 0, shards_done = 0;
  int64_t images = 0, images_done = 0, errors = 0;
};

class ShardTable {
 public:
  explicit ShardTable(Database* db) : db_(db) {}
  // Inserts a QUEUED infer job (no run) with one QUEUED shard per element of `shards`, in one
  // transaction. ALREADY_EXISTS if `idempotency_key` is taken.
  StatusOr<derm::v1::Job> InsertJob(const derm::v1::JobSpec& spec, const std::string& idempotency_key,
                                    const std::string& submitted_by,
                                    const std::vector<std::vector<std::string>>& shards, int64_t now_ms);
  // Leases shard `shard` of a QUEUED or RUNNING job to `worker_id`: a new RUNNING attempt, the job
  // RUNNING, the shard RUNNING. Returns the attempt id.
  StatusOr<int64_t> StartAttempt(int64_t job_id, int32_t shard, int64_t worker_id, int64_t now_ms);
  // Ends a shard's attempt that did not finish it (`attempt_state` WORKER_LOST, FAILED, CANCELLED
  // or PREEMPTED): the shard is QUEUED again. Returns how many of the shard's attempts count
  // against max_retries: all but the PREEMPTED ones.
  StatusOr<int32_t> Requeue(int64_t job_id, int32_t shard, int64_t attempt_id, AttemptState attempt_state,
                            const std::string& cause, int64_t now_ms);
  // Stores a shard's predictions (run_id 0: a model file) and errors, ends its attempt SUCCEEDED
  // and marks it SUCCEEDED, in one transaction. FAILED_PRECONDITION (nothing stored) when the
  // model differs from the one the job's other shards used.
  Status Complete(int64_t job_id, int32_t shard, int64_t attempt_id, int64_t run_id,
                  const derm::v1::ShardResult& result, int64_t now_ms);
  StatusOr<ShardTotals> Totals(int64_t job_id);
  // The job's QUEUED shards, in order.
  StatusOr<std::vector<int32_t>> Queued(int64_t job_id);
  StatusOr<std::vector<std::string>> Inputs(int64_t job_id, int32_t shard);
  // The job's first `limit` per-image errors ("path: reason").
  StatusOr<std::vector<std::string>> Errors(int64_t job_id, int limit);

 private:
  Database* db_;
};

}  // namespace derm::store
