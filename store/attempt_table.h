// The attempts table and the job state changes that starting and ending an attempt make.
// Each method is one transaction.
// Thread-safety: not thread-safe; one thread uses a connection at a time.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status_or.h"
#include "derm/v1/jobs.pb.h"
#include "store/attempt_state.h"

namespace derm::store {

class Database;

class AttemptTable {
 public:
  explicit AttemptTable(Database* db) : db_(db) {}

  // QUEUED -> RUNNING: records a new RUNNING attempt for `worker_id`, returns its id.
  StatusOr<int64_t> Start(int64_t job_id, int64_t worker_id, int64_t now_ms);
  // Ends `attempt_id` with `attempt_state` (SUCCEEDED, FAILED, CANCELLED, WORKER_LOST) and moves
  // the job to `job_state` (QUEUED for a retry, not leased before `not_before_ms`), recording
  // `cause`. Pass attempt_id 0 to change a job that has no running attempt (cancelling a queued job).
  Status End(int64_t job_id, int64_t attempt_id, AttemptState attempt_state, derm::v1::JobState job_state,
             const std::string& cause, int64_t now_ms, int64_t not_before_ms = 0);
  // Ends every RUNNING attempt of the job with `attempt_state` (an inference job's running
  // shards go back to QUEUED) and moves the job to `job_state`.
  Status EndJob(int64_t job_id, AttemptState attempt_state, derm::v1::JobState job_state,
                const std::string& cause, int64_t now_ms);

  // The running attempts of a job (restart recovery), with their shards (-1: not a shard).
  struct Running {
    int64_t id = 0;
    int32_t shard = -1;
  };
  StatusOr<std::vector<Running>> RunningOf(int64_t job_id);
  // How many of the job's attempts ended PREEMPTED (they use no retry).
  StatusOr<int32_t> PreemptedOf(int64_t job_id);

  // Records the images per backbone pass an attempt was given (0: the worker's own choice), and
  // that it ran out of memory with `used` of them.
  Status SetBackboneBatch(int64_t attempt_id, int32_t batch);
  Status MarkOutOfMemory(int64_t attempt_id, int32_t used);
  // The smallest backbone batch one of the job's attempts ran out of memory with (0: none did).
  StatusOr<int32_t> OutOfMemoryBatch(int64_t job_id);

 private:
  Database* db_;
};

// Row-level pieces shared with ShardTable, inside the caller's transaction. Internal to store/.
// Ends one RUNNING attempt (a no-op when it is not RUNNING any more).
Status EndAttemptRow(Database* db, int64_t attempt_id, AttemptState attempt_state, const std::string& cause,
                     int64_t now_ms);
// Moves the job to `job_state` with its event; a final state also ends its run.
Status MoveJobRow(Database* db, int64_t job_id, derm::v1::JobState job_state, const std::string& cause,
                  int64_t now_ms, int64_t not_before_ms);

}  // namespace derm::store
