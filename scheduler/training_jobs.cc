#include "scheduler/training_jobs.h"

#include "common/spec/gates.h"
#include "common/spec/result_rules.h"

namespace derm::scheduler {

using derm::v1::Job;
using store::AttemptState;

void TrainingJobs::Enqueue(const Job& job) {
  ctx_.queue->Add(job.id(), job.spec(), job.not_before_ms(), ctx_.now());
  ctx_.work->notify_all();
}

Status TrainingJobs::Recover(const Job& job, const std::string& cause) {
  if (job.state() == derm::v1::RUNNING) {
    DERM_ASSIGN_OR_RETURN(auto attempts, ctx_.store->attempts().RunningOf(job.id()));
    const int64_t attempt = attempts.empty() ? 0 : attempts.back().id;
    DERM_RETURN_IF_ERROR(ctx_.store->attempts().End(job.id(), attempt, AttemptState::kWorkerLost,
                                                    derm::v1::QUEUED, cause, ctx_.now()));
  }
  Enqueue(job);
  return Status::Ok();
}

StatusOr<derm::v1::Task> TrainingJobs::Lease(int64_t job_id, int64_t worker_id, int64_t now) {
  DERM_ASSIGN_OR_RETURN(int64_t attempt_id, ctx_.store->attempts().Start(job_id, worker_id, now));
  ctx_.queue->Remove(job_id);
  DERM_ASSIGN_OR_RETURN(Job job, ctx_.store->jobs().Get(job_id));
  scheduler::Lease lease;
  lease.job_id = job_id;
  lease.run_id = job.run_id();
  lease.worker_id = worker_id;
  ctx_.leases->Add(attempt_id, lease, now);
  derm::v1::Task task;
  task.set_job_id(job_id);
  task.set_attempt_id(attempt_id);
  task.set_run_id(job.run_id());
  *task.mutable_spec() = job.spec();
  DERM_ASSIGN_OR_RETURN(auto checkpoint, ctx_.store->runs().LatestCheckpoint(job.run_id()));
  if (checkpoint) {
    task.set_resume_epoch(checkpoint->epoch);
    task.set_resume_checkpoint(std::move(checkpoint->bytes));
  }
  DERM_RETURN_IF_ERROR(stopper_.FillTask(job, &task));
  DERM_RETURN_IF_ERROR(ctx_.HalveBackboneBatchAfterOutOfMemory(attempt_id, &task));
  return task;
}

Status TrainingJobs::RecordFacts(int64_t attempt_id, const scheduler::Lease& lease,
                                 const derm::v1::RunFacts& facts) {
  if (const std::string bad = BadFacts(facts); !bad.empty()) return InvalidArgument(bad);
  DERM_RETURN_IF_ERROR(ctx_.store->run_writer().RecordFacts(lease.run_id, facts, ctx_.now()));
  ctx_.changes->Notify();
  return Status::Ok();
}

StatusOr<derm::v1::ReportEpochResponse> TrainingJobs::RecordEpoch(
    int64_t attempt_id, const scheduler::Lease& lease, const derm::v1::ReportEpochRequest& request) {
  DERM_ASSIGN_OR_RETURN(Job job, ctx_.store->jobs().Get(lease.job_id));
  const int32_t epoch = request.metrics().epoch();
  if (epoch < 1 || epoch > job.spec().train().epochs()) {
    return InvalidArgument("epoch " + std::to_string(epoch) + " is outside 1.." +
                           std::to_string(job.spec().train().epochs()));
  }
  DERM_ASSIGN_OR_RETURN(auto stopped, ctx_.store->history().Stop(job.run_id()));
  if (stopped && epoch > stopped->epoch) {
    return FailedPrecondition("the run was stopped after epoch " + std::to_string(stopped->epoch) + " (" +
                              stopped->reason + "): epoch " + std::to_string(epoch) + " is not stored");
  }
  if (const std::string bad = BadEvaluation(request.metrics().validation()); !bad.empty()) {
    return InvalidArgument("epoch " + std::to_string(epoch) + ": " + bad);
  }
  if (const std::string bad = NonFiniteMetric(request.metrics()); !bad.empty()) {
    return InvalidArgument("epoch " + std::to_string(epoch) + ": " + bad +
                           "; only finite metrics are stored");
  }
  DERM_RETURN_IF_ERROR(ctx_.store->run_writer().RecordEpoch(lease.run_id, attempt_id, request.metrics(),
                                                            request.checkpoint(), ctx_.now()));
  auto verdict = stopper_.AfterEpoch(job, epoch, stopped, ctx_.now());
  ctx_.changes->Notify();
  return verdict;
}

Status TrainingJobs::Complete(int64_t attempt_id, const scheduler::Lease& lease,
                              const derm::v1::RunResult& result) {
  if (const std::string bad = BadThumbnails(result); !bad.empty()) return InvalidArgument(bad);
  if (const std::string bad = BadEvaluation(result.test()); !bad.empty())
    return InvalidArgument("test: " + bad);
  DERM_ASSIGN_OR_RETURN(Job job, ctx_.store->jobs().Get(lease.job_id));
  DERM_ASSIGN_OR_RETURN(const int32_t classes, ctx_.store->history().ClassCount(job.run_id()));
  if (const std::string bad = BadPredictions(result, classes); !bad.empty()) return InvalidArgument(bad);
  DERM_ASSIGN_OR_RETURN(auto stopped, ctx_.store->history().Stop(job.run_id()));
  const int32_t last = stopped ? stopped->epoch : job.spec().train().epochs();
  DERM_ASSIGN_OR_RETURN(const int32_t done, ctx_.store->history().LastEpoch(job.run_id()));
  if (done != last) {
    return FailedPrecondition("the run has " + std::to_string(done) + " of its " + std::to_string(last) +
                              " epochs: it cannot complete yet");
  }
  DERM_ASSIGN_OR_RETURN(const int32_t model_epoch, stopper_.ModelEpoch(job));
  const int32_t claimed = result.model_epoch() != 0 ? result.model_epoch() : last;
  if (claimed != model_epoch) {
    return InvalidArgument(
        "the model is of epoch " + std::to_string(claimed) + ", but this run's is epoch " +
        std::to_string(model_epoch) +
        (job.spec().train().early_stopping().metric().empty() ? " (its last)" : " (its best)"));
  }
  DERM_ASSIGN_OR_RETURN(const int64_t leaked, ctx_.store->history().LeakedPairs(job.run_id()));
  DERM_RETURN_IF_ERROR(ctx_.store->run_writer().RecordResult(
      lease.run_id, model_epoch, result, ctx_.now(),
      EvaluateGates(job.spec(), result.has_test() ? &result.test() : nullptr, leaked)));
  DERM_RETURN_IF_ERROR(ctx_.store->attempts().End(lease.job_id, attempt_id, AttemptState::kSucceeded,
                                                  derm::v1::SUCCEEDED, "completed", ctx_.now()));
  ctx_.leases->Take(attempt_id);
  ctx_.changes->Notify();
  return Status::Ok();
}

Status TrainingJobs::EndAttempt(int64_t attempt_id, const scheduler::Lease& lease, AttemptState attempt_state,
                                bool retryable, const std::string& cause) {
  DERM_ASSIGN_OR_RETURN(Job job, ctx_.store->jobs().Get(lease.job_id));
  // A preempted attempt gave the job back on purpose: it goes back at once, whatever max_retries
  // says, and it uses no retry: only the other attempts count against max_retries.
  const bool preempted = attempt_state == AttemptState::kPreempted;
  int32_t used = job.attempts();
  if (!preempted && retryable) {
    DERM_ASSIGN_OR_RETURN(int32_t given_back, ctx_.store->attempts().PreemptedOf(job.id()));
    used -= given_back;
  }
  const bool retry = preempted || (retryable && used <= job.spec().max_retries());
  std::string why = cause;
  if (retryable && !retry) why += " (no retries left after " + std::to_string(used) + " attempts)";
  const int64_t now = ctx_.now();
  const SchedulerOptions& o = *ctx_.options;
  const int64_t not_before =
      retry && !preempted ? now + RetryBackoffMs(used, o.retry_backoff_ms, o.max_retry_backoff_ms) : 0;
  DERM_RETURN_IF_ERROR(ctx_.store->attempts().End(lease.job_id, attempt_id, attempt_state,
                                                  retry ? derm::v1::QUEUED : derm::v1::FAILED, why, now,
                                                  not_before));
  ctx_.leases->Take(attempt_id);
  if (retry) {
    job.set_state(derm::v1::QUEUED);
    job.set_not_before_ms(not_before);
    Enqueue(job);
  }
  ctx_.changes->Notify();
  return Status::Ok();
}

}  // namespace derm::scheduler
