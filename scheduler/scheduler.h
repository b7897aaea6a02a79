// Scheduler: the coordinator of derm-scheduler, independent of gRPC. It holds the writer lock and
// wires the parts that each do one job:
//   JobQueue (scheduler/job_queue.h)       what waits for a worker, in order, with backoff
//   Fits (scheduler/placement.h)           which worker may run what
//   LeaseTable (scheduler/lease_table.h)   running attempts and their deadlines
//   WorkerRegistry                         registered workers, draining or not
//   GroupCommit                            concurrent submissions share one durable commit
//   ChangeFeed                             wakes watchers
//   TrainingJobs                           training jobs: leases, results, retries
//   InferenceJobs                          sharded inference jobs
//   ReadSide                               every read, on its own read-only connection
//   store::Store                           the database; the Scheduler is its only writer
// In memory it keeps only what it can rebuild from the database at start-up: the queue and the
// leases.
//
// Jobs move QUEUED -> RUNNING -> SUCCEEDED | FAILED | CANCELLED; an attempt whose lease expires
// (WORKER_LOST) or that fails retryably puts its job back in the queue while retries remain, and
// the next attempt resumes from the last epoch checkpoint. Results are accepted only from the
// job's current attempt (fencing), so a worker that lost its lease cannot overwrite anything.
//
// Workers: RegisterWorker gives each worker a key (a secret); every later worker call must name
// the worker and carry its key, and may touch only attempts leased to that worker. Both are
// checked before anything else (a heartbeat renews nothing otherwise). Who may call what at all
// is the services' business (scheduler/access/); the Scheduler records who submitted each job
// and who registered each worker.
//
// Time comes from the injected Clock, so tests drive lease expiry with a FakeClock.
// Thread-safety: thread-safe; every public method may be called from any thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/mutex.h"
#include "common/status_or.h"
#include "derm/v1/jobs.pb.h"
#include "derm/v1/models.pb.h"
#include "derm/v1/workers.pb.h"
#include "scheduler/change_feed.h"
#include "scheduler/group_commit.h"
#include "scheduler/inference_jobs.h"
#include "scheduler/job_queue.h"
#include "scheduler/lease_table.h"
#include "scheduler/metrics.h"
#include "scheduler/read_side.h"
#include "scheduler/scheduler_options.h"
#include "scheduler/training_jobs.h"
#include "scheduler/worker_registry.h"
#include "store/store.h"

namespace derm::scheduler {

class Scheduler {
 public:
  Scheduler(std::unique_ptr<store::Store> store, const Clock* clock, SchedulerOptions options);

  // Re-queues QUEUED jobs and marks attempts left RUNNING by a previous process WORKER_LOST
  // (re-queueing their jobs), and that process's workers LOST (they register again). Call once
  // before serving.
  Status Recover();

  // --- job API ---
  // Validates (INVALID_ARGUMENT listing every problem), fills defaults and queues the job. A
  // non-empty idempotency key already used returns the first job with deduplicated = true.
  // Concurrent submissions share one durable commit (group commit). A spec with `sweep` becomes
  // one job per point (common/spec/sweep.h), all or none. The jobs record `submitted_by`, and
  // idempotency keys are that user's own (another user's key is another key).
  StatusOr<derm::v1::SubmitJobResponse> Submit(derm::v1::JobSpec spec, const std::string& idempotency_key,
                                               const std::string& submitted_by);
  // Submits a finished job's spec again, as a new job of `submitted_by` tagged retry_of = job_id;
  // FAILED_PRECONDITION for a job still queued or running.
  StatusOr<derm::v1::Job> Retry(int64_t job_id, const std::string& submitted_by);
  // QUEUED or RUNNING -> CANCELLED; FAILED_PRECONDITION for a finished job.
  StatusOr<derm::v1::Job> Cancel(int64_t job_id, const std::string& reason);
  // Blocks until the job has events after *after_event_id or `wait_ms` passes (real time), then
  // returns them in order and advances *after_event_id; UNAVAILABLE once shutting down.
  // With `progress_seen` (a watcher's own counter, start at 0), a progress event from the running
  // attempt's latest heartbeat follows when there is a newer one.
  StatusOr<std::vector<derm::v1::JobEvent>> WaitForEvents(int64_t job_id, int64_t* after_event_id,
                                                          int64_t wait_ms, uint64_t* progress_seen = nullptr);
  // WaitForEvents for every job (at most 500 stored events per call; progress events have no
  // total_epochs). A negative *after_event_id starts after the newest event.
  StatusOr<std::vector<derm::v1::JobEvent>> WaitForAllEvents(int64_t* after_event_id, int64_t wait_ms,
                                                             uint64_t* progress_seen);
  // The worker finishes its current task and is told to leave at its next AcquireTask.
  StatusOr<derm::v1::WorkerInfo> DrainWorker(int64_t worker_id);
  // --- model registry (scheduler/model_versions.h) ---
  StatusOr<derm::v1::ModelVersion> RegisterModel(const derm::v1::RegisterModelRequest& request,
                                                 const std::string& by);
  StatusOr<derm::v1::ModelVersion> PromoteModel(const derm::v1::PromoteModelRequest& request,
                                                const std::string& by, bool may_force);
  StatusOr<derm::v1::ListModelVersionsResponse> ListModelVersions(
      const derm::v1::ListModelVersionsRequest& request);

  // Jobs, runs, models, workers and SQL: reads that never take the writer lock.
  ReadSide& reads() { return reads_; }

  // --- worker API ---
  // Every call but RegisterWorker is PERMISSION_DENIED when the key is not that worker's or the
  // attempt is leased to another worker, before anything changes; AcquireTask and Heartbeat are
  // NOT_FOUND for a worker that did not register with this process (it registers again), reports
  // FAILED_PRECONDITION (the attempt ended with the process that leased it).
  //
  // Registers a worker (recording the user `registered_by`) and answers its id and key.
  StatusOr<derm::v1::RegisterWorkerResponse> RegisterWorker(const derm::v1::RegisterWorkerRequest& request,
                                                            const std::string& registered_by);
  // Long-poll: waits up to `wait_ms` (real time) for a job this worker can run and leases it;
  // answers drain = true at once to a drained worker. Returns early once `cancelled` (the
  // caller went away) says so; UNAVAILABLE when max_long_polls are waiting already.
  StatusOr<derm::v1::AcquireTaskResponse> AcquireTask(const derm::v1::AcquireTaskRequest& request,
                                                      int64_t wait_ms,
                                                      const std::function<bool()>& cancelled = nullptr);
  // Long polls waiting now.
  int WaitingPolls();
  // Renews the lease of the request's attempt and keeps its progress for watchers; cancel = true
  // when the attempt is no longer current.
  StatusOr<derm::v1::HeartbeatResponse> Heartbeat(const derm::v1::HeartbeatRequest& request);
  Status ReportFacts(const derm::v1::ReportFactsRequest& request);
  StatusOr<derm::v1::ReportEpochResponse> ReportEpoch(const derm::v1::ReportEpochRequest& request);
  Status CompleteTask(const derm::v1::CompleteTaskRequest& request);
  Status FailTask(const derm::v1::FailTaskRequest& request);
  // The calling worker leaves: GONE, offered no more work. Its leases (if it did not give them
  // back) expire as usual.
  Status LeaveWorker(const derm::v1::LeaveWorkerRequest& request);

  // Expires leases not renewed within lease_timeout_ms of the clock's now, marks workers LOST
  // that neither heartbeat nor polled for as long, and notes why queued jobs that no available
  // worker fits wait (their message says so). Returns how many leases expired.
  int ExpireLeases();

  // Stops long-polls and watches promptly (for shutdown).
  void Shutdown();

  Metrics* metrics() { return &metrics_; }
  // Prometheus text: Metrics plus jobs and workers by state, queue length and rows written.
  std::string RenderMetrics();
  // OK when the database can be written; UNAVAILABLE when shutting down or it cannot.
  Status Health();

 private:
  // WaitForEvents of one job, or (job_id 0) of every job.
  StatusOr<std::vector<derm::v1::JobEvent>> WaitForEventsOf(int64_t job_id, int64_t* after_event_id,
                                                            int64_t wait_ms, uint64_t* progress_seen);
  using PendingSubmit = GroupCommit<store::JobTable::NewJob, StatusOr<derm::v1::SubmitJobResponse>>;

  // Expands, validates and queues a sweep's points in one transaction.
  StatusOr<derm::v1::SubmitJobResponse> SubmitSweep(const derm::v1::JobSpec& spec, const std::string& key,
                                                    const std::string& submitted_by);
  StatusOr<derm::v1::SubmitJobResponse> SubmitInfer(const derm::v1::JobSpec& spec, const std::string& key,
                                                    const std::string& submitted_by);
  // Whether a job was already submitted with `key` ("" never was); if so, it is in *response,
  // marked deduplicated.
  StatusOr<bool> FindSubmitted(const std::string& key, derm::v1::SubmitJobResponse* response)
      DERM_REQUIRES(mu_);
  // Commits a batch of training jobs in one transaction and queues them.
  void CommitSubmits(const std::vector<PendingSubmit::Item*>& batch);
  // Ends an attempt and its lease, retrying its job when allowed; the lease stays when the
  // database write fails.
  Status EndAttemptLocked(int64_t attempt_id, store::AttemptState attempt_state, bool retryable,
                          const std::string& cause) DERM_REQUIRES(mu_);
  // Tells the read side why queued jobs that no available worker fits wait.
  void NoteWhyJobsWaitLocked() DERM_REQUIRES(mu_);
  // The worker called: LOST -> ACTIVE (or DRAINING) again.
  Status SeenLocked(int64_t worker_id, RegisteredWorker* worker) DERM_REQUIRES(mu_);
  // The lease of `attempt_id` when the worker `worker_id` holding `key` owns it, renewed; checked
  // before anything is renewed (PERMISSION_DENIED; FAILED_PRECONDITION when the attempt holds no
  // lease any more, or its worker is not registered with this process).
  StatusOr<Lease*> OwnLeaseLocked(int64_t worker_id, const std::string& key, int64_t attempt_id)
      DERM_REQUIRES(mu_);
  // The parts' shared view of what mu_ guards.
  JobContext ContextLocked() DERM_REQUIRES(mu_) {
    return JobContext{store_.get(), &queue_, &leases_, &changes_, &work_cv_, clock_, &options_};
  }

  const Clock* clock_;
  const SchedulerOptions options_;
  Mutex mu_;                         // the writer lock
  std::condition_variable work_cv_;  // the queue gained a job
  std::unique_ptr<store::Store> store_ DERM_GUARDED_BY(mu_);
  JobQueue queue_ DERM_GUARDED_BY(mu_);
  LeaseTable leases_ DERM_GUARDED_BY(mu_);
  WorkerRegistry workers_ DERM_GUARDED_BY(mu_);
  bool shutdown_ DERM_GUARDED_BY(mu_) = false;
  int waiting_polls_ DERM_GUARDED_BY(mu_) = 0;
  bool noted_waiting_ DERM_GUARDED_BY(mu_) = false;  // the read side holds waiting reasons
  ChangeFeed changes_;
  TrainingJobs train_ DERM_GUARDED_BY(mu_);  // work on the objects above
  InferenceJobs infer_ DERM_GUARDED_BY(mu_);
  ReadSide reads_;
  Metrics metrics_;
  PendingSubmit submits_;
};

}  // namespace derm::scheduler
