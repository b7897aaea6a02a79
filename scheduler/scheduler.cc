#include "scheduler/scheduler.h"

#include <algorithm>
#include <chrono>
#include <climits>
#include <iostream>

#include "common/crypto/secret.h"
#include "common/crypto/sha256.h"
#include "common/grpc/limits.h"
#include "common/spec/job_kind.h"
#include "common/spec/spec_rules.h"
#include "common/spec/sweep.h"
#include "common/strings.h"
#include "scheduler/model_versions.h"
#include "scheduler/placement.h"

namespace derm::scheduler {

using derm::v1::Job;
using store::AttemptState;

namespace {

bool IsTerminal(derm::v1::JobState s) {
  return s == derm::v1::SUCCEEDED || s == derm::v1::FAILED || s == derm::v1::CANCELLED;
}

std::chrono::steady_clock::time_point After(int64_t ms) {
  return std::chrono::steady_clock::now() + std::chrono::milliseconds(std::max<int64_t>(0, ms));
}

// What a worker registers is stored and listed to everyone: bounded, UTF-8 text.
Status CheckWorkerStrings(const derm::v1::RegisterWorkerRequest& r) {
  auto text = [](const std::string& field, const std::string& v, size_t max) -> Status {
    if (v.size() > max || FirstInvalidUtf8(v) != std::string::npos) {
      return InvalidArgument(field + " must be UTF-8 text of at most " + std::to_string(max) + " bytes");
    }
    return Status::Ok();
  };
  DERM_RETURN_IF_ERROR(text("name", r.name(), 256));
  DERM_RETURN_IF_ERROR(text("device", r.device(), 256));
  DERM_RETURN_IF_ERROR(text("cluster_job", r.cluster_job(), 128));
  DERM_RETURN_IF_ERROR(text("visible_gpus", r.visible_gpus(), kMaxVisibleGpusBytes));
  if (r.labels_size() > 64) return InvalidArgument("a worker has at most 64 labels");
  for (const auto& l : r.labels()) DERM_RETURN_IF_ERROR(text("each label", l, 64));
  return Status::Ok();
}

constexpr int64_t kCancelCheckMs = 200;
constexpr size_t kMaxReasonBytes = 4096;
// Images per backbone pass a worker may say it ran out of memory with (the next attempt gets half).
constexpr int32_t kMaxBackboneBatch = 65536;

Status CheckKey(const std::string& key) {
  if (key.size() > 200) return InvalidArgument("idempotency_key is longer than 200 characters");
  return Status::Ok();
}

// Idempotency keys are each user's own: "user/KEY" (user names hold no '/').
std::string UserKey(const std::string& submitted_by, const std::string& key) {
  if (key.empty() || submitted_by.empty()) return key;
  return submitted_by + "/" + key;
}

}  // namespace

Scheduler::Scheduler(std::unique_ptr<store::Store> store, const Clock* clock, SchedulerOptions options)
    : clock_(clock),
      options_(options),
      store_(std::move(store)),
      leases_(options.lease_timeout_ms),
      train_(ContextLocked()),  // members' addresses only: nothing is read yet
      infer_(ContextLocked()),
      reads_(store_->path()),
      submits_([this](const std::vector<PendingSubmit::Item*>& batch) { CommitSubmits(batch); }) {}

Status Scheduler::Recover() {
  MutexLock lock(&mu_);
  DERM_RETURN_IF_ERROR(store_->workers().MarkAllLost());  // they register again with this process
  DERM_ASSIGN_OR_RETURN(auto jobs, store_->jobs().Active());
  const std::string cause = "scheduler restarted while the attempt ran";
  for (Job& job : jobs) {
    if (KindOf(job.spec()) == JobKind::kInfer) {
      DERM_RETURN_IF_ERROR(infer_.Recover(job, cause));
      continue;
    }
    DERM_RETURN_IF_ERROR(train_.Recover(job, cause));
  }
  return Status::Ok();
}

StatusOr<derm::v1::SubmitJobResponse> Scheduler::Submit(derm::v1::JobSpec spec, const std::string& key,
                                                        const std::string& submitted_by) {
  DERM_RETURN_IF_ERROR(CheckKey(key));
  const std::string user_key = UserKey(submitted_by, key);
  if (ExpandsIntoRuns(spec)) return SubmitSweep(spec, user_key, submitted_by);
  ApplySpecDefaults(&spec);
  const auto problems = ValidateSpec(spec);
  if (!problems.empty()) return InvalidArgument("invalid job spec: " + JoinProblems(problems));
  if (KindOf(spec) == JobKind::kInfer) {
    if (!spec.model().name().empty()) {  // a registered model: its run, as of now
      MutexLock lock(&mu_);
      DERM_RETURN_IF_ERROR(ModelVersions(store_.get()).Resolve(spec.mutable_model()));
    }
    return SubmitInfer(spec, user_key, submitted_by);
  }
  return submits_.Run({std::move(spec), user_key, submitted_by}, Status(StatusCode::kInternal, "not run"));
}

StatusOr<Job> Scheduler::Retry(int64_t job_id, const std::string& submitted_by) {
  DERM_ASSIGN_OR_RETURN(Job job, reads_.GetJob(job_id));
  if (!IsTerminal(job.state())) {
    return FailedPrecondition("job " + std::to_string(job_id) + " is still " +
                              derm::v1::JobState_Name(job.state()) + ": only a finished job can be retried");
  }
  derm::v1::JobSpec spec = job.spec();
  (*spec.mutable_tags())["retry_of"] = std::to_string(job_id);
  DERM_ASSIGN_OR_RETURN(auto submitted, Submit(std::move(spec), "", submitted_by));
  return submitted.job();
}

void Scheduler::CommitSubmits(const std::vector<PendingSubmit::Item*>& batch) {
  std::vector<store::JobTable::NewJob> jobs;
  for (const PendingSubmit::Item* p : batch) jobs.push_back(p->request);
  MutexLock lock(&mu_);
  auto results = store_->jobs().InsertBatch(jobs, clock_->NowMillis());
  for (size_t i = 0; i < batch.size(); ++i) {
    PendingSubmit::Item* p = batch[i];
    if (!results.ok()) {
      p->result = results.status();
    } else if (!(*results)[i].job.ok()) {
      p->result = (*results)[i].job.status();
    } else {
      derm::v1::SubmitJobResponse response;
      *response.mutable_job() = std::move((*results)[i].job).value();
      response.set_deduplicated((*results)[i].deduplicated);
      if (!response.deduplicated()) train_.Enqueue(response.job());
      p->result = std::move(response);
    }
  }
  changes_.Notify();
}

StatusOr<derm::v1::SubmitJobResponse> Scheduler::SubmitSweep(const derm::v1::JobSpec& spec,
                                                             const std::string& key,
                                                             const std::string& submitted_by) {
  DERM_ASSIGN_OR_RETURN(std::vector<derm::v1::JobSpec> points, ExpandRuns(spec));
  for (size_t i = 0; i < points.size(); ++i) {
    ApplySpecDefaults(&points[i]);
    const auto problems = ValidateSpec(points[i]);
    if (!problems.empty()) {
      return InvalidArgument("invalid job spec at sweep point " + std::to_string(i) + " (" +
                             points[i].name() + "): " + JoinProblems(problems));
    }
  }
  MutexLock lock(&mu_);
  derm::v1::SubmitJobResponse response;
  if (!key.empty()) {
    DERM_ASSIGN_OR_RETURN(auto existing, store_->jobs().FindByKey(key + "#0"));
    if (existing) {
      DERM_ASSIGN_OR_RETURN(auto jobs, store_->jobs().OfSweep(existing->sweep_id()));
      response.set_deduplicated(true);
      response.set_sweep_id(existing->sweep_id());
      *response.mutable_job() = jobs.front();
      for (auto& j : jobs) *response.add_sweep_jobs() = std::move(j);
      return response;
    }
  }
  DERM_ASSIGN_OR_RETURN(auto sweep,
                        store_->jobs().InsertSweep(spec, points, key, submitted_by, clock_->NowMillis()));
  response.set_sweep_id(sweep.first);
  *response.mutable_job() = sweep.second.front();
  for (auto& j : sweep.second) {
    train_.Enqueue(j);
    *response.add_sweep_jobs() = std::move(j);
  }
  changes_.Notify();
  return response;
}

StatusOr<bool> Scheduler::FindSubmitted(const std::string& key, derm::v1::SubmitJobResponse* response) {
  if (key.empty()) return false;
  DERM_ASSIGN_OR_RETURN(auto existing, store_->jobs().FindByKey(key));
  if (!existing) return false;
  *response->mutable_job() = std::move(*existing);
  response->set_deduplicated(true);
  return true;
}

StatusOr<derm::v1::SubmitJobResponse> Scheduler::SubmitInfer(const derm::v1::JobSpec& spec,
                                                             const std::string& key,
                                                             const std::string& submitted_by) {
  derm::v1::SubmitJobResponse response;
  {
    MutexLock lock(&mu_);
    DERM_ASSIGN_OR_RETURN(const bool dedup, FindSubmitted(key, &response));
    if (dedup) return response;
    DERM_RETURN_IF_ERROR(infer_.CheckSpec(spec));
  }
  DERM_ASSIGN_OR_RETURN(auto shards, InferenceJobs::PlanShards(spec));  // no lock needed
  MutexLock lock(&mu_);
  // Asked again: planning ran unlocked, and another submit with the key may have won meanwhile.
  DERM_ASSIGN_OR_RETURN(const bool dedup, FindSubmitted(key, &response));
  if (dedup) return response;
  DERM_ASSIGN_OR_RETURN(*response.mutable_job(), infer_.Insert(spec, key, submitted_by, shards));
  return response;
}

StatusOr<derm::v1::ModelVersion> Scheduler::RegisterModel(const derm::v1::RegisterModelRequest& request,
                                                          const std::string& by) {
  MutexLock lock(&mu_);
  return ModelVersions(store_.get()).Register(request, by, clock_->NowMillis());
}

StatusOr<derm::v1::ModelVersion> Scheduler::PromoteModel(const derm::v1::PromoteModelRequest& request,
                                                         const std::string& by, bool may_force) {
  MutexLock lock(&mu_);
  return ModelVersions(store_.get()).Promote(request, by, may_force, clock_->NowMillis());
}

StatusOr<derm::v1::ListModelVersionsResponse> Scheduler::ListModelVersions(
    const derm::v1::ListModelVersionsRequest& request) {
  MutexLock lock(&mu_);
  return ModelVersions(store_.get()).List(request);
}

StatusOr<Job> Scheduler::Cancel(int64_t job_id, const std::string& reason) {
  MutexLock lock(&mu_);
  DERM_ASSIGN_OR_RETURN(Job job, store_->jobs().Get(job_id));
  if (IsTerminal(job.state())) {
    return FailedPrecondition("job " + std::to_string(job_id) + " already ended " +
                              derm::v1::JobState_Name(job.state()));
  }
  // Reasons are stored with the job and shown to everyone: bounded.
  const std::string cause =
      reason.empty() ? "cancelled by user" : "cancelled: " + TruncateUtf8(reason, kMaxReasonBytes);
  DERM_RETURN_IF_ERROR(ContextLocked().EndJob(job_id, AttemptState::kCancelled, derm::v1::CANCELLED, cause));
  return store_->jobs().Get(job_id);
}

StatusOr<std::vector<derm::v1::JobEvent>> Scheduler::WaitForAllEvents(int64_t* after_event_id,
                                                                      int64_t wait_ms,
                                                                      uint64_t* progress_seen) {
  return WaitForEventsOf(/*job_id=*/0, after_event_id, wait_ms, progress_seen);
}

StatusOr<std::vector<derm::v1::JobEvent>> Scheduler::WaitForEvents(int64_t job_id, int64_t* after_event_id,
                                                                   int64_t wait_ms, uint64_t* progress_seen) {
  if (job_id == 0) return NotFound("job 0 does not exist");
  return WaitForEventsOf(job_id, after_event_id, wait_ms, progress_seen);
}

StatusOr<std::vector<derm::v1::JobEvent>> Scheduler::WaitForEventsOf(int64_t job_id, int64_t* after_event_id,
                                                                     int64_t wait_ms,
                                                                     uint64_t* progress_seen) {
  const auto deadline = After(wait_ms);
  while (true) {
    const uint64_t seen = changes_.version();  // before reading: a later change wakes the wait below
    int32_t total_epochs = 0;
    DERM_ASSIGN_OR_RETURN(auto events, job_id == 0 ? reads_.AllEvents(after_event_id)
                                                   : reads_.JobEvents(job_id, after_event_id, &total_epochs));
    if (progress_seen) {
      MutexLock lock(&mu_);
      const uint64_t before = *progress_seen;
      for (const Lease* lease : leases_.ProgressSince(job_id, before)) {
        *progress_seen = std::max(*progress_seen, lease->progress_seq);
        derm::v1::JobEvent& ev = events.emplace_back();
        ev.set_job_id(lease->job_id);
        ev.set_state(derm::v1::RUNNING);
        ev.set_time_ms(clock_->NowMillis());
        ev.set_total_epochs(total_epochs);
        *ev.mutable_progress() = lease->progress;
      }
    }
    if (!events.empty()) return events;
    if (changes_.shut_down()) return Unavailable("the scheduler is shutting down");
    if (!changes_.WaitPast(seen, deadline)) return events;
  }
}

StatusOr<derm::v1::RegisterWorkerResponse> Scheduler::RegisterWorker(
    const derm::v1::RegisterWorkerRequest& request, const std::string& registered_by) {
  if (request.gpus() < 0 || request.memory_mb() < 0)
    return InvalidArgument("gpus and memory_mb must not be negative");
  DERM_RETURN_IF_ERROR(CheckWorkerStrings(request));
  derm::v1::RegisterWorkerResponse response;
  response.set_worker_key(NewSecret("dermw_"));
  MutexLock lock(&mu_);
  DERM_ASSIGN_OR_RETURN(int64_t id, store_->workers().Insert(request, registered_by, clock_->NowMillis()));
  workers_.Add(id, request, Sha256Hex(response.worker_key()), clock_->NowMillis());
  response.set_worker_id(id);
  response.set_heartbeat_interval_ms(options_.heartbeat_interval_ms);
  response.set_lease_timeout_ms(options_.lease_timeout_ms);
  return response;
}

StatusOr<derm::v1::WorkerInfo> Scheduler::DrainWorker(int64_t worker_id) {
  MutexLock lock(&mu_);
  RegisteredWorker* worker = workers_.Find(worker_id);
  if (!worker) return NotFound("worker " + std::to_string(worker_id) + " is not registered");
  worker->draining = true;
  DERM_RETURN_IF_ERROR(store_->workers().SetState(worker_id, derm::v1::DRAINING));
  work_cv_.notify_all();  // a draining worker's long-poll returns now, once the lock is free
  // Read under the lock: the worker's long-poll may not mark it GONE before the answer says DRAINING.
  DERM_ASSIGN_OR_RETURN(auto workers, store_->workers().List());
  for (auto& w : workers) {
    if (w.id() == worker_id) return w;
  }
  return NotFound("worker " + std::to_string(worker_id) + " does not exist");
}

StatusOr<derm::v1::AcquireTaskResponse> Scheduler::AcquireTask(const derm::v1::AcquireTaskRequest& request,
                                                               int64_t wait_ms,
                                                               const std::function<bool()>& cancelled) {
  const int64_t worker_id = request.worker_id();
  MutexLock lock(&mu_);
  DERM_ASSIGN_OR_RETURN(RegisteredWorker * worker, workers_.Caller(worker_id, request.worker_key()));
  DERM_RETURN_IF_ERROR(SeenLocked(worker_id, worker));
  if (waiting_polls_ >= options_.max_long_polls) {
    return Unavailable(std::to_string(waiting_polls_) +
                       " workers are waiting for work already; try again soon");
  }
  ++worker->polls;  // alive while it waits here; seen again when the poll ends
  ++waiting_polls_;
  struct PollEnd {
    RegisteredWorker* w;
    int* waiting;
    const Clock* clock;
    ~PollEnd() {
      --w->polls;
      --*waiting;
      WorkerRegistry::Seen(w, clock->NowMillis());
    }
  } poll_end{worker, &waiting_polls_, clock_};
  const auto deadline = After(std::min<int64_t>(wait_ms, 60000));
  derm::v1::AcquireTaskResponse response;
  while (!shutdown_) {
    if (worker->draining) {
      DERM_RETURN_IF_ERROR(store_->workers().SetState(worker_id, derm::v1::GONE));
      worker->gone = true;
      response.set_drain(true);
      return response;
    }
    const int64_t now = clock_->NowMillis();
    const JobQueue::Pick pick =
        queue_.Next([&](const derm::v1::JobSpec& spec) { return Fits(spec, worker->spec); }, now);
    if (pick.job_id != 0) {
      const JobQueue::Entry& e = *pick.entry;
      const int64_t waited_from =
          KindOf(e.spec) == JobKind::kInfer ? e.enqueued_ms : std::max(e.enqueued_ms, e.not_before_ms);
      const double waited_s = static_cast<double>(now - waited_from) / 1000;
      if (KindOf(e.spec) == JobKind::kInfer) {
        metrics_.ObserveQueueWait(waited_s);
        DERM_ASSIGN_OR_RETURN(*response.mutable_task(), infer_.LeaseShard(pick.job_id, worker_id, now));
      } else {
        DERM_ASSIGN_OR_RETURN(*response.mutable_task(), train_.Lease(pick.job_id, worker_id, now));
        metrics_.ObserveQueueWait(waited_s);
      }
      changes_.Notify();
      return response;
    }
    if (cancelled && cancelled()) break;
    auto wake = deadline;
    if (pick.next_ready_ms != INT64_MAX) wake = std::min(wake, After(pick.next_ready_ms - now));
    // A cancelled caller is noticed within kCancelCheckMs, and gives its thread back.
    if (cancelled) wake = std::min(wake, After(kCancelCheckMs));
    if (work_cv_.wait_until(lock.native(), wake) == std::cv_status::timeout &&
        std::chrono::steady_clock::now() >= deadline) {
      break;
    }
  }
  return response;
}

StatusOr<derm::v1::HeartbeatResponse> Scheduler::Heartbeat(const derm::v1::HeartbeatRequest& request) {
  MutexLock lock(&mu_);
  const int64_t worker_id = request.worker_id();
  DERM_ASSIGN_OR_RETURN(RegisteredWorker * worker, workers_.Caller(worker_id, request.worker_key()));
  // The owner first: a heartbeat for another worker's attempt renews nothing.
  StatusOr<Lease*> lease = FailedPrecondition("idle");
  if (request.attempt_id() != 0) {
    lease = leases_.Renew(request.attempt_id(), worker_id, clock_->NowMillis());
    if (lease.status().code() == StatusCode::kPermissionDenied) return lease.status();
  }
  DERM_RETURN_IF_ERROR(SeenLocked(worker_id, worker));
  DERM_RETURN_IF_ERROR(store_->workers().Touch(worker_id, clock_->NowMillis()));
  derm::v1::HeartbeatResponse response;
  if (request.attempt_id() != 0) {
    response.set_cancel(!lease.ok());  // the attempt ended, was cancelled or lost its lease
    if (lease.ok() && request.has_progress()) {
      leases_.SetProgress(*lease, request.progress());
      changes_.Notify();
    }
  }
  return response;
}

Status Scheduler::ReportFacts(const derm::v1::ReportFactsRequest& request) {
  MutexLock lock(&mu_);
  DERM_ASSIGN_OR_RETURN(Lease * lease,
                        OwnLeaseLocked(request.worker_id(), request.worker_key(), request.attempt_id()));
  if (lease->shard >= 0) return InvalidArgument("an inference shard has no run facts");
  return train_.RecordFacts(request.attempt_id(), *lease, request.facts());
}

StatusOr<derm::v1::ReportEpochResponse> Scheduler::ReportEpoch(const derm::v1::ReportEpochRequest& request) {
  MutexLock lock(&mu_);
  DERM_ASSIGN_OR_RETURN(Lease * lease,
                        OwnLeaseLocked(request.worker_id(), request.worker_key(), request.attempt_id()));
  if (lease->shard >= 0) return InvalidArgument("an inference shard has no epochs");
  return train_.RecordEpoch(request.attempt_id(), *lease, request);
}

Status Scheduler::CompleteTask(const derm::v1::CompleteTaskRequest& request) {
  MutexLock lock(&mu_);
  DERM_ASSIGN_OR_RETURN(Lease * renewed,
                        OwnLeaseLocked(request.worker_id(), request.worker_key(), request.attempt_id()));
  const Lease lease = *renewed;
  if (lease.shard >= 0) {
    DERM_ASSIGN_OR_RETURN(auto csv_due, infer_.Complete(request.attempt_id(), lease, request.shard()));
    if (!csv_due) return Status::Ok();
    // A large job's CSV must not hold up every other call: written with the lock released.
    const std::string db_path = store_->path();
    lock.Unlock();
    const Status written = InferenceJobs::WriteCsv(options_.export_dir, db_path, *csv_due);
    lock.Lock();
    return infer_.EndAfterCsv(*csv_due, written);
  }
  return train_.Complete(request.attempt_id(), lease, request.result());
}

Status Scheduler::EndAttemptLocked(int64_t attempt_id, AttemptState attempt_state, bool retryable,
                                   const std::string& cause) {
  // The lease goes only once the database says the attempt ended: after a failed write (a full
  // disk) it stays, and expires again, so memory and database never disagree.
  const Lease lease = *leases_.Find(attempt_id);
  if (lease.shard >= 0) return infer_.EndAttempt(attempt_id, lease, attempt_state, retryable, cause);
  return train_.EndAttempt(attempt_id, lease, attempt_state, retryable, cause);
}

Status Scheduler::FailTask(const derm::v1::FailTaskRequest& request) {
  MutexLock lock(&mu_);
  DERM_RETURN_IF_ERROR(
      OwnLeaseLocked(request.worker_id(), request.worker_key(), request.attempt_id()).status());
  const std::string reason = request.reason().empty() ? "the worker reported a failure"
                                                      : TruncateUtf8(request.reason(), kMaxReasonBytes);
  if (request.preempted())
    return EndAttemptLocked(request.attempt_id(), AttemptState::kPreempted, true, reason);
  const int32_t batch = request.out_of_memory_backbone_batch();
  if (batch < 0 || batch > kMaxBackboneBatch) {
    return InvalidArgument("out_of_memory_backbone_batch must be between 0 and " +
                           std::to_string(kMaxBackboneBatch) + ", got " + std::to_string(batch));
  }
  if (batch > 0) {
    DERM_RETURN_IF_ERROR(store_->attempts().MarkOutOfMemory(request.attempt_id(), batch));
    if (batch == 1) {  // nothing left to halve
      return EndAttemptLocked(request.attempt_id(), AttemptState::kFailed, false,
                              reason + " (out of memory with 1 image per backbone pass)");
    }
    return EndAttemptLocked(request.attempt_id(), AttemptState::kFailed, true,
                            reason + " (out of memory with " + std::to_string(batch) +
                                " images per backbone pass: the next attempt gets " +
                                std::to_string(batch / 2) + ")");
  }
  return EndAttemptLocked(request.attempt_id(), AttemptState::kFailed, request.retryable(), reason);
}

Status Scheduler::LeaveWorker(const derm::v1::LeaveWorkerRequest& request) {
  MutexLock lock(&mu_);
  DERM_ASSIGN_OR_RETURN(RegisteredWorker * worker,
                        workers_.Caller(request.worker_id(), request.worker_key()));
  DERM_RETURN_IF_ERROR(store_->workers().SetState(request.worker_id(), derm::v1::GONE));
  worker->draining = worker->gone = true;  // should it poll again, it is told to leave
  NoteWhyJobsWaitLocked();
  return Status::Ok();
}

int Scheduler::ExpireLeases() {
  MutexLock lock(&mu_);
  const std::vector<int64_t> expired = leases_.ExpiredAt(clock_->NowMillis());
  for (int64_t id : expired) {
    metrics_.CountLeaseExpiry();
    const int64_t worker = leases_.Find(id)->worker_id;
    const Status ended =
        EndAttemptLocked(id, AttemptState::kWorkerLost, /*retryable=*/true,
                         "lease expired: worker " + std::to_string(worker) + " sent no heartbeat for " +
                             std::to_string(options_.lease_timeout_ms) + " ms");
    if (!ended.ok()) {  // the lease stays and expires again at the next check
      std::cerr << "derm-scheduler: attempt " << id << " expired but could not be ended: " << ended.ToString()
                << std::endl;
    }
  }
  NoteWhyJobsWaitLocked();
  for (int64_t worker : workers_.MarkLostBefore(clock_->NowMillis() - options_.lease_timeout_ms)) {
    if (const Status st = store_->workers().SetState(worker, derm::v1::LOST); !st.ok()) {
      std::cerr << "derm-scheduler: worker " << worker
                << " is lost but could not be marked: " << st.ToString() << std::endl;
    }
  }
  return static_cast<int>(expired.size());
}

void Scheduler::NoteWhyJobsWaitLocked() {
  if (queue_.size() == 0 && !noted_waiting_) return;  // the usual tick: nothing waits, nothing noted
  const std::vector<const derm::v1::RegisterWorkerRequest*> available = workers_.Available();
  std::map<int64_t, std::string> reasons;
  queue_.ForEach([&](int64_t job_id, const JobQueue::Entry& e) {
    if (std::string why = WhyNoWorkerFits(e.spec, available); !why.empty()) reasons[job_id] = std::move(why);
  });
  noted_waiting_ = !reasons.empty();
  reads_.SetWaitingReasons(std::move(reasons));
}

StatusOr<Lease*> Scheduler::OwnLeaseLocked(int64_t worker_id, const std::string& key, int64_t attempt_id) {
  if (Status caller = workers_.Caller(worker_id, key).status(); !caller.ok()) {
    if (caller.code() != StatusCode::kNotFound) return caller;
    // A worker of an earlier scheduler process: its attempts ended with that process.
    return FailedPrecondition("attempt " + std::to_string(attempt_id) + " ended: " + caller.message() +
                              " (the scheduler restarted)");
  }
  return leases_.Renew(attempt_id, worker_id, clock_->NowMillis());
}

Status Scheduler::SeenLocked(int64_t worker_id, RegisteredWorker* worker) {
  if (!WorkerRegistry::Seen(worker, clock_->NowMillis())) return Status::Ok();
  return store_->workers().SetState(worker_id, worker->draining ? derm::v1::DRAINING : derm::v1::ACTIVE);
}

int Scheduler::WaitingPolls() {
  MutexLock lock(&mu_);
  return waiting_polls_;
}

std::string Scheduler::RenderMetrics() {
  std::string out = metrics_.Render();
  MutexLock lock(&mu_);
  auto counts = store_->Counts();
  out += RenderStoreGauges(counts.ok() ? *counts : store::StoreCounts{}, leases_.size());
  return out;
}

Status Scheduler::Health() {
  MutexLock lock(&mu_);
  if (shutdown_) return Unavailable("shutting down");
  return store_->CheckWritable();
}

void Scheduler::Shutdown() {
  {
    MutexLock lock(&mu_);
    shutdown_ = true;
    work_cv_.notify_all();
  }
  changes_.Shutdown();
}

}  // namespace derm::scheduler
