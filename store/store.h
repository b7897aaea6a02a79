// Store: derm's results database (jobs, attempts, runs, params, metrics, confusion cells,
// predictions, checkpoints, events). Each method is one transaction: it either happens whole and
// durably or not at all. The scheduler is the only writer; people read the same file with
// sqlite3/pandas through the views documented in docs/schema.md.
// Thread-safety: not thread-safe; the scheduler serialises calls.
#pragma once

#include <climits>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status_or.h"
#include "derm/v1/jobs.pb.h"
#include "derm/v1/workers.pb.h"
#include "store/sqlite.h"

namespace derm::store {

// A row of the events table: a job's state change, or an epoch whose metrics were stored.
struct StoredEvent {
  int64_t id = 0;
  int64_t time_ms = 0;
  bool is_epoch = false;
  derm::v1::JobState to = derm::v1::JOB_STATE_UNSPECIFIED;
  int32_t epoch = 0;  // is_epoch
  std::string cause;
};

struct Checkpoint {
  int32_t epoch = 0;
  std::string bytes;
};

// Where an inference job stands, from its shards.
struct ShardTotals {
  int32_t shards = 0, shards_done = 0;
  int64_t images = 0, images_done = 0, errors = 0;
};

class Store {
 public:
  // Opens or creates the database at `path` and migrates it to the current schema.
  static StatusOr<std::unique_ptr<Store>> Open(const std::string& path);

  // Inserts a QUEUED job with its run and flattened params. `spec` must be validated and have
  // defaults applied. ALREADY_EXISTS if `idempotency_key` is taken (use FindJobByKey).
  StatusOr<derm::v1::Job> InsertJob(const derm::v1::JobSpec& spec, const std::string& idempotency_key,
                                    int64_t now_ms);
  struct NewJob {
    derm::v1::JobSpec spec;
    std::string idempotency_key;
  };
  struct SubmitResult {
    StatusOr<derm::v1::Job> job;
    bool deduplicated = false;  // the key named an earlier job, which `job` is
  };
  // Group commit: inserts every job of the batch (or finds the job its idempotency key already
  // names) in one transaction, so the batch costs one durable commit. Results are in order.
  StatusOr<std::vector<SubmitResult>> SubmitJobs(const std::vector<NewJob>& jobs, int64_t now_ms);
  // Records a sweep (`sweep`: the spec as submitted) and one QUEUED job per point, in one
  // transaction. Point i gets the idempotency key "KEY#i" when `idempotency_key` is set.
  StatusOr<std::pair<int64_t, std::vector<derm::v1::Job>>> SubmitSweep(
      const derm::v1::JobSpec& sweep, const std::vector<derm::v1::JobSpec>& points,
      const std::string& idempotency_key, int64_t now_ms);
  // The jobs of sweep `sweep_id`, in point order.
  StatusOr<std::vector<derm::v1::Job>> SweepJobs(int64_t sweep_id);
  // The job submitted with `key`, if any.
  StatusOr<std::optional<derm::v1::Job>> FindJobByKey(const std::string& key);

  StatusOr<int64_t> InsertWorker(const derm::v1::RegisterWorkerRequest& worker, int64_t now_ms);
  Status TouchWorker(int64_t worker_id, int64_t now_ms);
  Status SetWorkerState(int64_t worker_id, derm::v1::WorkerState state);
  // Every worker, newest first, with the job it is running.
  StatusOr<std::vector<derm::v1::WorkerInfo>> ListWorkers();

  // QUEUED -> RUNNING: records a new RUNNING attempt for `worker_id`, returns its id.
  StatusOr<int64_t> StartAttempt(int64_t job_id, int64_t worker_id, int64_t now_ms);
  // Ends `attempt_id` with `attempt_state` (SUCCEEDED, FAILED, CANCELLED, WORKER_LOST) and moves
  // the job to `job_state` (QUEUED for a retry, not leased before `not_before_ms`), recording
  // `cause`. Pass attempt_id 0 to change a job that has no running attempt (cancelling a queued job).
  Status EndAttempt(int64_t job_id, int64_t attempt_id, const std::string& attempt_state,
                    derm::v1::JobState job_state, const std::string& cause, int64_t now_ms,
                    int64_t not_before_ms = 0);

  Status RecordFacts(int64_t run_id, const derm::v1::RunFacts& facts, int64_t now_ms);
  // Stores one epoch's metrics, per-class metrics, confusion cells and checkpoint. An epoch
  // already stored for the run is replaced (a resumed attempt may redo it).
  Status RecordEpoch(int64_t run_id, int64_t attempt_id, const derm::v1::EpochMetrics& m,
                     const std::string& checkpoint, int64_t now_ms);
  // Stores the test metrics and predictions; `epoch` is the run's last epoch.
  Status RecordResult(int64_t run_id, int32_t epoch, const derm::v1::RunResult& result, int64_t now_ms);

  StatusOr<derm::v1::Job> GetJob(int64_t job_id);
  // Newest first. Empty `states` = all states. `limit` <= 0 means 100.
  StatusOr<std::vector<derm::v1::Job>> ListJobs(const std::vector<derm::v1::JobState>& states, int limit);
  // Jobs in QUEUED or RUNNING, oldest first (restart recovery).
  StatusOr<std::vector<derm::v1::Job>> ActiveJobs();
  // The running attempts of a job (restart recovery), with their shards (-1: not a shard).
  struct RunningAttempt {
    int64_t id = 0;
    int32_t shard = -1;
  };
  StatusOr<std::vector<RunningAttempt>> RunningAttempts(int64_t job_id);
  // The job's events with id > after_id, oldest first.
  StatusOr<std::vector<StoredEvent>> Events(int64_t job_id, int64_t after_id);
  // Epochs of `run_id` in (after_epoch, last_epoch], in order, with per-class metrics and
  // confusion matrices.
  StatusOr<std::vector<derm::v1::EpochMetrics>> Epochs(int64_t run_id, int32_t after_epoch,
                                                       int32_t last_epoch = INT32_MAX);
  StatusOr<std::optional<Checkpoint>> LatestCheckpoint(int64_t run_id);
  StatusOr<derm::v1::RunReport> GetRun(int64_t run_id);
  // The run's stored predictions of `split`, by image path.
  StatusOr<std::vector<derm::v1::Prediction>> Predictions(int64_t run_id, const std::string& split);
  // Runs matching `filter` (store/run_query.h) in `order_by` order, `limit` from `offset`.
  StatusOr<std::vector<derm::v1::RunSummary>> ListRuns(const std::string& filter, const std::string& order_by,
                                                       int limit, int64_t offset);

  // --- inference jobs (store/inference_store.cc) ---
  // Inserts a QUEUED infer job (no run) with one QUEUED shard per element of `shards`, in one
  // transaction. ALREADY_EXISTS if `idempotency_key` is taken.
  StatusOr<derm::v1::Job> InsertInferJob(const derm::v1::JobSpec& spec, const std::string& idempotency_key,
                                         const std::vector<std::vector<std::string>>& shards, int64_t now_ms);
  // Leases shard `shard` of a QUEUED or RUNNING job to `worker_id`: a new RUNNING attempt, the job
  // RUNNING, the shard RUNNING. Returns the attempt id.
  StatusOr<int64_t> StartShardAttempt(int64_t job_id, int32_t shard, int64_t worker_id, int64_t now_ms);
  // Ends a shard's attempt that did not finish it (`attempt_state` WORKER_LOST, FAILED or
  // CANCELLED): the shard is QUEUED again. Returns how many attempts the shard has had.
  StatusOr<int32_t> RequeueShard(int64_t job_id, int32_t shard, int64_t attempt_id,
                                 const std::string& attempt_state, const std::string& cause, int64_t now_ms);
  // Stores a shard's predictions (run_id 0: a model file) and errors, ends its attempt SUCCEEDED
  // and marks it SUCCEEDED, in one transaction. FAILED_PRECONDITION (nothing stored) when the
  // model differs from the one the job's other shards used.
  Status CompleteShard(int64_t job_id, int32_t shard, int64_t attempt_id, int64_t run_id,
                       const derm::v1::ShardResult& result, int64_t now_ms);
  StatusOr<ShardTotals> Totals(int64_t job_id);
  // The job's QUEUED shards, in order.
  StatusOr<std::vector<int32_t>> QueuedShards(int64_t job_id);
  StatusOr<std::vector<std::string>> ShardInputs(int64_t job_id, int32_t shard);
  // The job's first `limit` per-image errors ("path: reason").
  StatusOr<std::vector<std::string>> JobErrors(int64_t job_id, int limit);
  // Ends every RUNNING attempt of the job with `attempt_state` (an inference job's running
  // shards go back to QUEUED) and moves the job to `job_state`.
  Status EndJob(int64_t job_id, const std::string& attempt_state, derm::v1::JobState job_state,
                const std::string& cause, int64_t now_ms);
  // The exported model a finished run stored (RunResult.model); NOT_FOUND when there is none.
  StatusOr<std::string> Model(int64_t run_id);

  Database* db() { return db_.get(); }
  const std::string& path() const { return path_; }

 private:
  Store(std::unique_ptr<Database> db, std::string path) : db_(std::move(db)), path_(std::move(path)) {}
  StatusOr<derm::v1::Job> InsertJobRows(const derm::v1::JobSpec& spec, const std::string& idempotency_key,
                                        int64_t now_ms, int64_t sweep_id = 0);
  // EndAttempt inside the caller's transaction.
  Status EndAttemptRows(int64_t job_id, int64_t attempt_id, const std::string& attempt_state,
                        derm::v1::JobState job_state, const std::string& cause, int64_t now_ms,
                        int64_t not_before_ms);
  Status InsertEvent(int64_t job_id, const std::string& from, derm::v1::JobState to, const std::string& cause,
                     int64_t now_ms, int32_t epoch = 0);
  Status InsertSplit(int64_t run_id, int32_t epoch, const char* split, const derm::v1::SplitMetrics& m);
  StatusOr<derm::v1::SplitMetrics> LoadSplit(int64_t run_id, int32_t epoch, const char* split);
  StatusOr<std::vector<derm::v1::Job>> QueryJobs(const std::string& where, int limit);

  std::unique_ptr<Database> db_;
  const std::string path_;
};

}  // namespace derm::store
