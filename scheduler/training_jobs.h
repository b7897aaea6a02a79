// TrainingJobs: the Scheduler's training jobs (kind: train), one attempt at a time: queueing,
// leasing with the latest checkpoint to resume from, the run's facts, epochs and result, and
// ending an attempt with a retry (after backoff) while retries remain.
// Thread-safety: the Scheduler holds its writer lock around every call (its TrainingJobs is
// DERM_GUARDED_BY that lock).
#pragma once

#include <cstdint>
#include <string>

#include "common/status_or.h"
#include "derm/v1/jobs.pb.h"
#include "derm/v1/workers.pb.h"
#include "scheduler/job_context.h"
#include "scheduler/run_stopper.h"

namespace derm::scheduler {

class TrainingJobs {
 public:
  explicit TrainingJobs(JobContext ctx) : ctx_(ctx), stopper_(ctx.store) {}

  // Queues the job (again), not before its not_before_ms.
  void Enqueue(const derm::v1::Job& job);
  // Restart: an attempt a previous process left running is WORKER_LOST; the job is queued again.
  Status Recover(const derm::v1::Job& job, const std::string& cause);
  // Leases the queued job to the worker, with the run's latest checkpoint.
  StatusOr<derm::v1::Task> Lease(int64_t job_id, int64_t worker_id, int64_t now_ms);
  Status RecordFacts(int64_t attempt_id, const scheduler::Lease& lease, const derm::v1::RunFacts& facts);
  // INVALID_ARGUMENT for an epoch outside 1..train.epochs or a non-finite metric, and
  // FAILED_PRECONDITION past the epoch the run was stopped at (nothing stored). Answers whether to
  // stop there (RunStopper).
  StatusOr<derm::v1::ReportEpochResponse> RecordEpoch(int64_t attempt_id, const scheduler::Lease& lease,
                                                      const derm::v1::ReportEpochRequest& request);
  // Stores the result, ends the attempt and the job SUCCEEDED, and the lease. FAILED_PRECONDITION
  // before the run's last epoch (train.epochs, or where it was stopped) is stored; INVALID_ARGUMENT
  // for a model of another epoch than RunStopper::ModelEpoch's.
  Status Complete(int64_t attempt_id, const scheduler::Lease& lease, const derm::v1::RunResult& result);
  // Ends the attempt and its lease, queueing the job again after backoff while retries remain
  // and the failure is retryable, else FAILED; a PREEMPTED attempt's job is queued again at once.
  // The lease stays when the database write fails.
  Status EndAttempt(int64_t attempt_id, const scheduler::Lease& lease, store::AttemptState attempt_state,
                    bool retryable, const std::string& cause);

 private:
  const JobContext ctx_;
  RunStopper stopper_;
};

}  // namespace derm::scheduler
