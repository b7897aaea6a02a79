// Scheduler: the job queue, leases and results of derm-scheduler, independent of gRPC. It owns
// the Store (the only writer of the database) and keeps in memory only what it can rebuild from
// it at start-up: the queue of QUEUED jobs and the leases of running attempts.
//
// Jobs move QUEUED -> RUNNING -> SUCCEEDED | FAILED | CANCELLED; an attempt whose lease expires
// (WORKER_LOST) or that fails retryably puts its job back in the queue while retries remain, and
// the next attempt resumes from the last epoch checkpoint. Results are accepted only from the
// job's current attempt (fencing), so a worker that lost its lease cannot overwrite anything.
//
// An inference job (kind: infer) is split into shards at submission (scheduler/inference.cc):
// each shard is leased on its own attempt, so any number of workers work on one job; a shard
// whose attempt is lost is leased again, a finished one never; the job succeeds when every shard
// has, and fails once its images' errors exceed infer.max_errors or a shard runs out of retries.
//
// Time comes from the injected Clock, so tests drive lease expiry with a FakeClock.
// Thread-safety: thread-safe; every public method may be called from any thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status_or.h"
#include "derm/v1/jobs.pb.h"
#include "derm/v1/workers.pb.h"
#include "scheduler/metrics.h"
#include "store/store.h"

namespace derm::scheduler {

struct SchedulerOptions {
  int64_t heartbeat_interval_ms = 2000;
  int64_t lease_timeout_ms = 15000;  // a lease not renewed for this long expires
  // A retried job waits retry_backoff_ms * 2^(attempts - 1), at most max_retry_backoff_ms.
  int64_t retry_backoff_ms = 1000;
  int64_t max_retry_backoff_ms = 60000;
};

class Scheduler {
 public:
  Scheduler(std::unique_ptr<store::Store> store, const Clock* clock, SchedulerOptions options);

  // Re-queues QUEUED jobs and marks attempts left RUNNING by a previous process WORKER_LOST
  // (re-queueing their jobs). Call once before serving.
  Status Recover();

  // --- job API ---
  // Validates (INVALID_ARGUMENT listing every problem), fills defaults and queues the job. A
  // non-empty idempotency key already used returns the first job with deduplicated = true.
  // Concurrent submissions share one durable commit (group commit). A spec with `sweep` becomes
  // one job per point (common/rpc/sweep.h), all or none.
  StatusOr<derm::v1::SubmitJobResponse> Submit(derm::v1::JobSpec spec, const std::string& idempotency_key);
  StatusOr<derm::v1::Job> GetJob(int64_t job_id);
  StatusOr<std::vector<derm::v1::Job>> ListJobs(const derm::v1::ListJobsRequest& request);
  // QUEUED or RUNNING -> CANCELLED; FAILED_PRECONDITION for a finished job.
  StatusOr<derm::v1::Job> Cancel(int64_t job_id, const std::string& reason);
  StatusOr<derm::v1::RunReport> GetRun(int64_t run_id);
  // One epoch's (validation) or the final (test) metrics and confusion matrix of a run.
  StatusOr<derm::v1::SplitMetrics> GetConfusionMatrix(const derm::v1::GetConfusionMatrixRequest& request);
  // 2 to 10 runs side by side (scheduler/run_comparison.h).
  StatusOr<derm::v1::CompareRunsResponse> CompareRuns(const derm::v1::CompareRunsRequest& request);
  // A finished run's exported model.
  StatusOr<derm::v1::Model> GetModel(int64_t run_id);
  // Filtered, ordered, paginated runs (store/run_query.h); INVALID_ARGUMENT for a bad filter,
  // order, page size or token.
  StatusOr<derm::v1::ListRunsResponse> ListRuns(const derm::v1::ListRunsRequest& request);
  // Read-only SQL on its own connection (store/read_query.h); does not hold the scheduler's lock.
  StatusOr<derm::v1::QueryResponse> Query(const derm::v1::QueryRequest& request);
  // Blocks until the job has events after *after_event_id or `wait_ms` passes (real time), then
  // returns them in order and advances *after_event_id; UNAVAILABLE once shutting down.
  // With `progress_seen` (a watcher's own counter, start at 0), a progress event from the running
  // attempt's latest heartbeat follows when there is a newer one.
  StatusOr<std::vector<derm::v1::JobEvent>> WaitForEvents(int64_t job_id, int64_t* after_event_id,
                                                          int64_t wait_ms, uint64_t* progress_seen = nullptr);
  StatusOr<std::vector<derm::v1::WorkerInfo>> ListWorkers();
  // The worker finishes its current task and is told to leave at its next AcquireTask.
  StatusOr<derm::v1::WorkerInfo> DrainWorker(int64_t worker_id);

  // --- worker API ---
  StatusOr<derm::v1::RegisterWorkerResponse> RegisterWorker(const derm::v1::RegisterWorkerRequest& request);
  // Long-poll: waits up to `wait_ms` (real time) for a job this worker can run and leases it;
  // answers drain = true at once to a drained worker.
  StatusOr<derm::v1::AcquireTaskResponse> AcquireTask(int64_t worker_id, int64_t wait_ms);
  // Renews the lease of the request's attempt and keeps its progress for watchers; cancel = true
  // when the attempt is no longer current.
  StatusOr<derm::v1::HeartbeatResponse> Heartbeat(const derm::v1::HeartbeatRequest& request);
  Status ReportFacts(const derm::v1::ReportFactsRequest& request);
  Status ReportEpoch(const derm::v1::ReportEpochRequest& request);
  Status CompleteTask(const derm::v1::CompleteTaskRequest& request);
  Status FailTask(const derm::v1::FailTaskRequest& request);

  // Expires leases not renewed within lease_timeout_ms of the clock's now. Returns how many.
  int ExpireLeases();

  // Stops long-polls and watches promptly (for shutdown).
  void Shutdown();

  Metrics* metrics() { return &metrics_; }
  // Prometheus text: Metrics plus jobs and workers by state, queue length and rows written.
  std::string RenderMetrics();
  // OK when the database answers.
  Status Health();

 private:
  struct Lease {
    int64_t job_id, run_id, worker_id;
    int64_t deadline_ms;
    derm::v1::Progress progress;  // from the latest heartbeat
    uint64_t progress_seq = 0;    // when it arrived (progress_seq_), 0: none yet
    int32_t shard = -1;           // infer: the leased shard
  };
  struct WorkerInfo {
    derm::v1::RegisterWorkerRequest spec;
    bool draining = false;
  };
  struct Queued {
    derm::v1::JobSpec spec;
    int64_t not_before_ms = 0;
    int64_t enqueued_ms = 0;
    std::deque<int32_t> shards;  // infer: shards waiting for a worker; the job leaves the queue when empty
  };
  // (-priority, job id): iteration order is the scheduling order.
  using QueueKey = std::pair<int64_t, int64_t>;

  StatusOr<Lease*> CurrentLease(int64_t attempt_id);  // REQUIRES mu_
  bool Fits(const derm::v1::JobSpec& spec, const WorkerInfo& worker) const;
  // Ends an attempt, retrying the job when allowed. REQUIRES mu_.
  Status EndAttemptLocked(int64_t attempt_id, const std::string& attempt_state, bool retryable,
                          const std::string& cause);
  void Enqueue(const derm::v1::Job& job);  // REQUIRES mu_
  // Ends the job (any kind) and every lease it holds; their workers learn at their next
  // heartbeat. REQUIRES mu_.
  Status EndJobLocked(int64_t job_id, const std::string& attempt_state, derm::v1::JobState state,
                      const std::string& cause);

  // --- inference jobs (scheduler/inference.cc) ---
  // Lists the input, splits it into shards and stores the job with them, in one transaction.
  StatusOr<derm::v1::SubmitJobResponse> SubmitInfer(const derm::v1::JobSpec& spec, const std::string& key);
  // Queues the job's QUEUED shards. REQUIRES mu_.
  Status EnqueueShards(const derm::v1::Job& job);
  // Leases the next shard of the queued infer job to the worker. REQUIRES mu_.
  StatusOr<derm::v1::Task> LeaseShard(int64_t job_id, int64_t worker_id, int64_t now);
  // `lock` holds mu_; it is released while the job's CSV is written.
  Status CompleteShardLocked(int64_t attempt_id, const Lease& lease, const derm::v1::ShardResult& result,
                             std::unique_lock<std::mutex>* lock);
  // A shard's attempt ended without finishing it: queue the shard again, or fail the job when
  // retries are used up or the failure is not retryable. REQUIRES mu_.
  Status EndShardAttemptLocked(int64_t attempt_id, const Lease& lease, const std::string& attempt_state,
                               bool retryable, const std::string& cause);
  // Fails the job once its errors exceed infer.max_errors; when every shard is done, writes the
  // CSV and ends the job SUCCEEDED. REQUIRES mu_.
  // With `lock` (holding mu_), the CSV is written with it released.
  Status FinishInferJobIfDoneLocked(const derm::v1::Job& job, std::unique_lock<std::mutex>* lock = nullptr);
  // Shard counts for a watcher. REQUIRES mu_.
  StatusOr<derm::v1::ShardProgress> ShardProgressLocked(int64_t job_id);
  void Changed();  // REQUIRES mu_

  struct PendingSubmit {
    derm::v1::JobSpec spec;
    std::string key;
    StatusOr<derm::v1::SubmitJobResponse> result = Status(StatusCode::kInternal, "not run");
    bool done = false;
  };
  // Expands, validates and queues a sweep's points in one transaction.
  StatusOr<derm::v1::SubmitJobResponse> SubmitSweep(const derm::v1::JobSpec& spec, const std::string& key);
  // Commits `batch` in one transaction and queues its jobs.
  void SubmitBatch(const std::vector<PendingSubmit*>& batch);

  const Clock* clock_;
  const SchedulerOptions options_;
  const std::string db_path_;
  std::mutex mu_;
  std::condition_variable work_cv_;        // the queue gained a job
  std::condition_variable changed_cv_;     // anything a watcher may see changed
  std::unique_ptr<store::Store> store_;    // GUARDED_BY(mu_)
  std::set<QueueKey> queue_;               // GUARDED_BY(mu_)
  std::map<int64_t, Queued> queued_;       // by job id; GUARDED_BY(mu_)
  std::map<int64_t, Lease> leases_;        // by attempt id; GUARDED_BY(mu_)
  std::map<int64_t, WorkerInfo> workers_;  // GUARDED_BY(mu_)
  uint64_t progress_seq_ = 0;              // GUARDED_BY(mu_)
  uint64_t version_ = 0;                   // GUARDED_BY(mu_)
  bool shutdown_ = false;                  // GUARDED_BY(mu_)
  Metrics metrics_;
  std::mutex submit_mu_;  // the group-commit queue
  std::condition_variable submit_cv_;
  std::vector<PendingSubmit*> submit_queue_;  // GUARDED_BY(submit_mu_)
  bool submit_leader_ = false;                // GUARDED_BY(submit_mu_)
};

}  // namespace derm::scheduler
