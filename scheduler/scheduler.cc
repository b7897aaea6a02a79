#include "scheduler/scheduler.h"

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdlib>

#include "common/rpc/result_rules.h"
#include "common/rpc/spec_rules.h"
#include "common/rpc/sweep.h"
#include "scheduler/run_comparison.h"
#include "store/read_query.h"

namespace derm::scheduler {

using derm::v1::Job;
using derm::v1::JobState;

namespace {

bool IsTerminal(JobState s) {
  return s == derm::v1::SUCCEEDED || s == derm::v1::FAILED || s == derm::v1::CANCELLED;
}

std::chrono::steady_clock::time_point After(int64_t ms) {
  return std::chrono::steady_clock::now() + std::chrono::milliseconds(std::max<int64_t>(0, ms));
}

}  // namespace

Scheduler::Scheduler(std::unique_ptr<store::Store> store, const Clock* clock, SchedulerOptions options)
    : clock_(clock), options_(options), db_path_(store->path()), store_(std::move(store)) {}

void Scheduler::Enqueue(const Job& job) {
  queue_.insert({-static_cast<int64_t>(job.spec().priority()), job.id()});
  queued_[job.id()] = Queued{job.spec(), job.not_before_ms(), clock_->NowMillis(), {}};
  work_cv_.notify_all();
}

void Scheduler::Changed() {
  ++version_;
  changed_cv_.notify_all();
}

Status Scheduler::Recover() {
  std::lock_guard<std::mutex> lock(mu_);
  DERM_ASSIGN_OR_RETURN(auto jobs, store_->ActiveJobs());
  const int64_t now = clock_->NowMillis();
  const std::string cause = "scheduler restarted while the attempt ran";
  for (Job& job : jobs) {
    if (job.spec().kind() == "infer") {
      DERM_ASSIGN_OR_RETURN(auto attempts, store_->RunningAttempts(job.id()));
      for (const auto& a : attempts) {
        DERM_RETURN_IF_ERROR(
            store_->RequeueShard(job.id(), a.shard, a.id, "WORKER_LOST", cause, now).status());
      }
      DERM_RETURN_IF_ERROR(EnqueueShards(job));
      DERM_RETURN_IF_ERROR(
          FinishInferJobIfDoneLocked(job));  // it may have stopped right after its last shard
      continue;
    }
    if (job.state() == derm::v1::RUNNING) {
      DERM_ASSIGN_OR_RETURN(auto attempts, store_->RunningAttempts(job.id()));
      const int64_t attempt = attempts.empty() ? 0 : attempts.back().id;
      DERM_RETURN_IF_ERROR(
          store_->EndAttempt(job.id(), attempt, "WORKER_LOST", derm::v1::QUEUED, cause, now));
    }
    Enqueue(job);
  }
  return Status::Ok();
}

StatusOr<derm::v1::SubmitJobResponse> Scheduler::SubmitSweep(const derm::v1::JobSpec& spec,
                                                             const std::string& key) {
  DERM_ASSIGN_OR_RETURN(std::vector<derm::v1::JobSpec> points, ExpandSweep(spec));
  for (size_t i = 0; i < points.size(); ++i) {
    ApplySpecDefaults(&points[i]);
    const auto problems = ValidateSpec(points[i]);
    if (!problems.empty()) {
      return InvalidArgument("invalid job spec at sweep point " + std::to_string(i) + " (" +
                             points[i].name() + "): " + JoinProblems(problems));
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  derm::v1::SubmitJobResponse response;
  if (!key.empty()) {
    DERM_ASSIGN_OR_RETURN(auto existing, store_->FindJobByKey(key + "#0"));
    if (existing) {
      DERM_ASSIGN_OR_RETURN(auto jobs, store_->SweepJobs(existing->sweep_id()));
      response.set_deduplicated(true);
      response.set_sweep_id(existing->sweep_id());
      *response.mutable_job() = jobs.front();
      for (auto& j : jobs) *response.add_sweep_jobs() = std::move(j);
      return response;
    }
  }
  DERM_ASSIGN_OR_RETURN(auto sweep, store_->SubmitSweep(spec, points, key, clock_->NowMillis()));
  response.set_sweep_id(sweep.first);
  *response.mutable_job() = sweep.second.front();
  for (auto& j : sweep.second) {
    Enqueue(j);
    *response.add_sweep_jobs() = std::move(j);
  }
  Changed();
  return response;
}

StatusOr<derm::v1::SubmitJobResponse> Scheduler::Submit(derm::v1::JobSpec spec, const std::string& key) {
  if (spec.has_sweep()) {
    if (key.size() > 200) return InvalidArgument("idempotency_key is longer than 200 characters");
    return SubmitSweep(spec, key);
  }
  ApplySpecDefaults(&spec);
  const auto problems = ValidateSpec(spec);
  if (!problems.empty()) return InvalidArgument("invalid job spec: " + JoinProblems(problems));
  if (key.size() > 200) return InvalidArgument("idempotency_key is longer than 200 characters");
  if (spec.kind() == "infer") return SubmitInfer(spec, key);
  PendingSubmit me{std::move(spec), key};
  std::unique_lock<std::mutex> lock(submit_mu_);
  submit_queue_.push_back(&me);
  // The first waiter without a leader commits everything queued so far; the others wait for it.
  while (!me.done) {
    if (submit_leader_) {
      submit_cv_.wait(lock);
      continue;
    }
    submit_leader_ = true;
    std::vector<PendingSubmit*> batch;
    batch.swap(submit_queue_);
    lock.unlock();
    SubmitBatch(batch);
    lock.lock();
    submit_leader_ = false;
    submit_cv_.notify_all();
  }
  return std::move(me.result);
}

void Scheduler::SubmitBatch(const std::vector<PendingSubmit*>& batch) {
  std::vector<store::Store::NewJob> jobs;
  for (const PendingSubmit* p : batch) jobs.push_back({p->spec, p->key});
  std::lock_guard<std::mutex> lock(mu_);
  auto results = store_->SubmitJobs(jobs, clock_->NowMillis());
  for (size_t i = 0; i < batch.size(); ++i) {
    PendingSubmit* p = batch[i];
    if (!results.ok()) {
      p->result = results.status();
    } else if (!(*results)[i].job.ok()) {
      p->result = (*results)[i].job.status();
    } else {
      derm::v1::SubmitJobResponse response;
      *response.mutable_job() = std::move((*results)[i].job).value();
      response.set_deduplicated((*results)[i].deduplicated);
      if (!response.deduplicated()) Enqueue(response.job());
      p->result = std::move(response);
    }
    p->done = true;
  }
  Changed();
}

StatusOr<Job> Scheduler::GetJob(int64_t job_id) {
  std::lock_guard<std::mutex> lock(mu_);
  return store_->GetJob(job_id);
}

StatusOr<std::vector<Job>> Scheduler::ListJobs(const derm::v1::ListJobsRequest& request) {
  if (request.limit() < 0 || request.limit() > 10000)
    return InvalidArgument("limit must be between 0 and 10000");
  std::vector<JobState> states;
  for (int s : request.states()) {
    if (!derm::v1::JobState_IsValid(s) || s == derm::v1::JOB_STATE_UNSPECIFIED) {
      return InvalidArgument("unknown job state " + std::to_string(s));
    }
    states.push_back(static_cast<JobState>(s));
  }
  std::lock_guard<std::mutex> lock(mu_);
  return store_->ListJobs(states, request.limit());
}

StatusOr<Job> Scheduler::Cancel(int64_t job_id, const std::string& reason) {
  std::lock_guard<std::mutex> lock(mu_);
  DERM_ASSIGN_OR_RETURN(Job job, store_->GetJob(job_id));
  if (IsTerminal(job.state())) {
    return FailedPrecondition("job " + std::to_string(job_id) + " already ended " +
                              derm::v1::JobState_Name(job.state()));
  }
  const std::string cause = reason.empty() ? "cancelled by user" : "cancelled: " + reason;
  DERM_RETURN_IF_ERROR(EndJobLocked(job_id, "CANCELLED", derm::v1::CANCELLED, cause));
  return store_->GetJob(job_id);
}

Status Scheduler::EndJobLocked(int64_t job_id, const std::string& attempt_state, derm::v1::JobState state,
                               const std::string& cause) {
  for (auto it = leases_.begin(); it != leases_.end();) {
    it = it->second.job_id == job_id ? leases_.erase(it) : std::next(it);  // workers learn at their heartbeat
  }
  auto q = queued_.find(job_id);
  if (q != queued_.end()) {
    queue_.erase({-static_cast<int64_t>(q->second.spec.priority()), job_id});
    queued_.erase(q);
  }
  DERM_RETURN_IF_ERROR(store_->EndJob(job_id, attempt_state, state, cause, clock_->NowMillis()));
  Changed();
  return Status::Ok();
}

StatusOr<derm::v1::RunReport> Scheduler::GetRun(int64_t run_id) {
  std::lock_guard<std::mutex> lock(mu_);
  return store_->GetRun(run_id);
}

StatusOr<derm::v1::SplitMetrics> Scheduler::GetConfusionMatrix(
    const derm::v1::GetConfusionMatrixRequest& request) {
  const std::string split = request.split().empty() ? "validation" : request.split();
  if (split != "validation" && split != "test") return InvalidArgument("split must be validation or test");
  DERM_ASSIGN_OR_RETURN(derm::v1::RunReport run, GetRun(request.run_id()));
  const std::string id = std::to_string(request.run_id());
  if (split == "test") {
    if (!run.result().has_test())
      return NotFound("run " + id + " has no test metrics (no test_dir, or not finished)");
    return run.result().test();
  }
  if (run.epochs().empty()) return NotFound("run " + id + " has no finished epoch yet");
  const int32_t epoch = request.epoch() == 0 ? run.epochs().rbegin()->epoch() : request.epoch();
  for (const auto& e : run.epochs()) {
    if (e.epoch() == epoch) return e.validation();
  }
  return NotFound("run " + id + " has no epoch " + std::to_string(epoch));
}

StatusOr<derm::v1::CompareRunsResponse> Scheduler::CompareRuns(const derm::v1::CompareRunsRequest& request) {
  if (request.run_ids_size() < 2 || request.run_ids_size() > 10)
    return InvalidArgument("compare 2 to 10 runs");
  derm::v1::CompareRunsResponse response;
  std::vector<Predictions> predictions;
  std::lock_guard<std::mutex> lock(mu_);
  for (int64_t id : request.run_ids()) {
    DERM_ASSIGN_OR_RETURN(*response.add_runs(), store_->GetRun(id));
    DERM_ASSIGN_OR_RETURN(auto preds, store_->Predictions(id, "validation"));
    Predictions& by_path = predictions.emplace_back();
    for (const auto& p : preds) by_path[p.path()] = {p.true_class(), p.predicted_class()};
  }
  CompareRunReports(predictions, &response);
  return response;
}

StatusOr<derm::v1::ListRunsResponse> Scheduler::ListRuns(const derm::v1::ListRunsRequest& request) {
  const int page = request.page_size() == 0 ? 50 : request.page_size();
  if (page < 1 || page > 1000) return InvalidArgument("page_size must be between 1 and 1000");
  int64_t offset = 0;
  if (!request.page_token().empty()) {
    char* end = nullptr;
    offset = std::strtoll(request.page_token().c_str(), &end, 10);
    if (*end != '\0' || offset < 0) return InvalidArgument("page_token is not one this scheduler issued");
  }
  std::lock_guard<std::mutex> lock(mu_);
  DERM_ASSIGN_OR_RETURN(auto runs, store_->ListRuns(request.filter(), request.order_by(), page + 1, offset));
  derm::v1::ListRunsResponse response;
  if (static_cast<int>(runs.size()) > page) {
    runs.pop_back();
    response.set_next_page_token(std::to_string(offset + page));
  }
  for (auto& r : runs) *response.add_runs() = std::move(r);
  return response;
}

StatusOr<derm::v1::QueryResponse> Scheduler::Query(const derm::v1::QueryRequest& request) {
  store::QueryLimits limits;
  if (request.max_rows() != 0) limits.max_rows = request.max_rows();
  if (request.timeout_ms() != 0) limits.timeout_ms = request.timeout_ms();
  DERM_ASSIGN_OR_RETURN(store::QueryResult result, store::RunReadOnlyQuery(db_path_, request.sql(), limits));
  derm::v1::QueryResponse response;
  for (auto& c : result.columns) response.add_columns(std::move(c));
  for (size_t r = 0; r < result.rows.size(); ++r) {
    auto* row = response.add_rows();
    for (size_t c = 0; c < result.rows[r].size(); ++c) {
      row->add_values(std::move(result.rows[r][c]));
      row->add_nulls(result.nulls[r][c]);
    }
  }
  response.set_truncated(result.truncated);
  return response;
}

StatusOr<std::vector<derm::v1::JobEvent>> Scheduler::WaitForEvents(int64_t job_id, int64_t* after_event_id,
                                                                   int64_t wait_ms, uint64_t* progress_seen) {
  std::unique_lock<std::mutex> lock(mu_);
  const auto deadline = After(wait_ms);
  while (true) {
    DERM_ASSIGN_OR_RETURN(Job job, store_->GetJob(job_id));
    DERM_ASSIGN_OR_RETURN(auto stored, store_->Events(job_id, *after_event_id));
    std::vector<derm::v1::JobEvent> events;
    derm::v1::ShardProgress shards;
    if (job.spec().kind() == "infer" && !stored.empty()) {
      DERM_ASSIGN_OR_RETURN(shards, ShardProgressLocked(job_id));
    }
    for (const auto& e : stored) {
      derm::v1::JobEvent ev;
      ev.set_job_id(job_id);
      ev.set_event_id(e.id);
      ev.set_time_ms(e.time_ms);
      ev.set_state(e.to);
      ev.set_message(e.cause);
      ev.set_total_epochs(job.spec().train().epochs());
      if (job.spec().kind() == "infer") *ev.mutable_shards() = shards;
      if (e.is_epoch) {
        DERM_ASSIGN_OR_RETURN(auto epochs, store_->Epochs(job.run_id(), e.epoch - 1, e.epoch));
        if (epochs.empty()) {  // no longer stored (cannot happen today: epochs are only replaced)
          *after_event_id = e.id;
          continue;
        }
        *ev.mutable_epoch() = std::move(epochs.front());
      }
      *after_event_id = e.id;
      events.push_back(std::move(ev));
    }
    if (progress_seen) {
      for (const auto& [attempt, lease] : leases_) {
        if (lease.job_id != job_id || lease.progress_seq <= *progress_seen) continue;
        *progress_seen = lease.progress_seq;
        derm::v1::JobEvent ev;
        ev.set_job_id(job_id);
        ev.set_state(derm::v1::RUNNING);
        ev.set_time_ms(clock_->NowMillis());
        ev.set_total_epochs(job.spec().train().epochs());
        *ev.mutable_progress() = lease.progress;
        events.push_back(std::move(ev));
      }
    }
    if (!events.empty()) return events;
    if (shutdown_) return Unavailable("the scheduler is shutting down");
    const uint64_t seen = version_;
    if (!changed_cv_.wait_until(lock, deadline, [&] { return version_ != seen || shutdown_; })) {
      return events;
    }
  }
}

StatusOr<derm::v1::RegisterWorkerResponse> Scheduler::RegisterWorker(
    const derm::v1::RegisterWorkerRequest& request) {
  if (request.gpus() < 0 || request.memory_mb() < 0)
    return InvalidArgument("gpus and memory_mb must not be negative");
  std::lock_guard<std::mutex> lock(mu_);
  DERM_ASSIGN_OR_RETURN(int64_t id, store_->InsertWorker(request, clock_->NowMillis()));
  workers_[id].spec = request;
  derm::v1::RegisterWorkerResponse response;
  response.set_worker_id(id);
  response.set_heartbeat_interval_ms(options_.heartbeat_interval_ms);
  response.set_lease_timeout_ms(options_.lease_timeout_ms);
  return response;
}

StatusOr<std::vector<derm::v1::WorkerInfo>> Scheduler::ListWorkers() {
  std::lock_guard<std::mutex> lock(mu_);
  return store_->ListWorkers();
}

StatusOr<derm::v1::WorkerInfo> Scheduler::DrainWorker(int64_t worker_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = workers_.find(worker_id);
  if (it == workers_.end()) return NotFound("worker " + std::to_string(worker_id) + " is not registered");
  it->second.draining = true;
  DERM_RETURN_IF_ERROR(store_->SetWorkerState(worker_id, derm::v1::DRAINING));
  work_cv_.notify_all();  // a draining worker's long-poll returns now
  DERM_ASSIGN_OR_RETURN(auto workers, store_->ListWorkers());
  for (auto& w : workers) {
    if (w.id() == worker_id) return w;
  }
  return NotFound("worker " + std::to_string(worker_id) + " does not exist");
}

bool Scheduler::Fits(const derm::v1::JobSpec& spec, const WorkerInfo& worker) const {
  const auto& need = spec.resources();
  if (need.gpus() > worker.spec.gpus()) return false;
  if (need.memory_mb() > 0 && worker.spec.memory_mb() > 0 && need.memory_mb() > worker.spec.memory_mb())
    return false;
  for (const auto& label : need.labels()) {
    if (std::find(worker.spec.labels().begin(), worker.spec.labels().end(), label) ==
        worker.spec.labels().end()) {
      return false;
    }
  }
  return true;
}

StatusOr<derm::v1::AcquireTaskResponse> Scheduler::AcquireTask(int64_t worker_id, int64_t wait_ms) {
  std::unique_lock<std::mutex> lock(mu_);
  auto worker = workers_.find(worker_id);
  if (worker == workers_.end()) return NotFound("worker " + std::to_string(worker_id) + " is not registered");
  auto deadline = After(std::min<int64_t>(wait_ms, 60000));
  derm::v1::AcquireTaskResponse response;
  while (!shutdown_) {
    if (worker->second.draining) {
      DERM_RETURN_IF_ERROR(store_->SetWorkerState(worker_id, derm::v1::GONE));
      response.set_drain(true);
      return response;
    }
    const int64_t now = clock_->NowMillis();
    int64_t next_ready = INT64_MAX;  // earliest end of a backoff among fitting jobs
    for (const QueueKey& key : queue_) {
      const int64_t job_id = key.second;
      const Queued& queued = queued_.at(job_id);
      if (!Fits(queued.spec, worker->second)) continue;
      if (queued.not_before_ms > now) {
        next_ready = std::min(next_ready, queued.not_before_ms);
        continue;
      }
      if (queued.spec.kind() == "infer") {
        metrics_.ObserveQueueWait(static_cast<double>(now - queued.enqueued_ms) / 1000);
        DERM_ASSIGN_OR_RETURN(*response.mutable_task(), LeaseShard(job_id, worker_id, now));
        Changed();
        return response;
      }
      DERM_ASSIGN_OR_RETURN(int64_t attempt_id, store_->StartAttempt(job_id, worker_id, now));
      metrics_.ObserveQueueWait(
          static_cast<double>(now - std::max(queued.enqueued_ms, queued.not_before_ms)) / 1000);
      queue_.erase(key);
      queued_.erase(job_id);
      DERM_ASSIGN_OR_RETURN(Job job, store_->GetJob(job_id));
      leases_[attempt_id] = Lease{job_id, job.run_id(), worker_id, now + options_.lease_timeout_ms, {}, 0};
      auto* task = response.mutable_task();
      task->set_job_id(job_id);
      task->set_attempt_id(attempt_id);
      task->set_run_id(job.run_id());
      *task->mutable_spec() = job.spec();
      DERM_ASSIGN_OR_RETURN(auto checkpoint, store_->LatestCheckpoint(job.run_id()));
      if (checkpoint) {
        task->set_resume_epoch(checkpoint->epoch);
        task->set_resume_checkpoint(std::move(checkpoint->bytes));
      }
      Changed();
      return response;
    }
    auto wake = deadline;
    if (next_ready != INT64_MAX) wake = std::min(wake, After(next_ready - now));
    if (work_cv_.wait_until(lock, wake) == std::cv_status::timeout && wake == deadline) break;
  }
  return response;
}

StatusOr<Scheduler::Lease*> Scheduler::CurrentLease(int64_t attempt_id) {
  auto it = leases_.find(attempt_id);
  if (it == leases_.end()) {
    return FailedPrecondition("attempt " + std::to_string(attempt_id) +
                              " is not running (it ended, was cancelled or its lease expired)");
  }
  it->second.deadline_ms = clock_->NowMillis() + options_.lease_timeout_ms;
  return &it->second;
}

StatusOr<derm::v1::HeartbeatResponse> Scheduler::Heartbeat(const derm::v1::HeartbeatRequest& request) {
  std::lock_guard<std::mutex> lock(mu_);
  const int64_t worker_id = request.worker_id();
  if (!workers_.count(worker_id))
    return NotFound("worker " + std::to_string(worker_id) + " is not registered");
  DERM_RETURN_IF_ERROR(store_->TouchWorker(worker_id, clock_->NowMillis()));
  derm::v1::HeartbeatResponse response;
  if (request.attempt_id() != 0) {
    auto lease = CurrentLease(request.attempt_id());
    const bool current = lease.ok() && (*lease)->worker_id == worker_id;
    response.set_cancel(!current);
    if (current && request.has_progress()) {
      (*lease)->progress = request.progress();
      (*lease)->progress_seq = ++progress_seq_;
      Changed();
    }
  }
  return response;
}

Status Scheduler::ReportFacts(const derm::v1::ReportFactsRequest& request) {
  std::lock_guard<std::mutex> lock(mu_);
  DERM_ASSIGN_OR_RETURN(Lease * lease, CurrentLease(request.attempt_id()));
  if (lease->shard >= 0) return InvalidArgument("an inference shard has no run facts");
  DERM_RETURN_IF_ERROR(store_->RecordFacts(lease->run_id, request.facts(), clock_->NowMillis()));
  Changed();
  return Status::Ok();
}

Status Scheduler::ReportEpoch(const derm::v1::ReportEpochRequest& request) {
  std::lock_guard<std::mutex> lock(mu_);
  DERM_ASSIGN_OR_RETURN(Lease * lease, CurrentLease(request.attempt_id()));
  if (lease->shard >= 0) return InvalidArgument("an inference shard has no epochs");
  DERM_ASSIGN_OR_RETURN(Job job, store_->GetJob(lease->job_id));
  const int32_t epoch = request.metrics().epoch();
  if (epoch < 1 || epoch > job.spec().train().epochs()) {
    return InvalidArgument("epoch " + std::to_string(epoch) + " is outside 1.." +
                           std::to_string(job.spec().train().epochs()));
  }
  if (const std::string bad = NonFiniteMetric(request.metrics()); !bad.empty()) {
    return InvalidArgument("epoch " + std::to_string(epoch) + ": " + bad +
                           "; only finite metrics are stored");
  }
  DERM_RETURN_IF_ERROR(store_->RecordEpoch(lease->run_id, request.attempt_id(), request.metrics(),
                                           request.checkpoint(), clock_->NowMillis()));
  Changed();
  return Status::Ok();
}

Status Scheduler::CompleteTask(const derm::v1::CompleteTaskRequest& request) {
  std::unique_lock<std::mutex> lock(mu_);
  DERM_ASSIGN_OR_RETURN(Lease * lease, CurrentLease(request.attempt_id()));
  if (lease->shard >= 0) return CompleteShardLocked(request.attempt_id(), *lease, request.shard(), &lock);
  DERM_ASSIGN_OR_RETURN(Job job, store_->GetJob(lease->job_id));
  DERM_RETURN_IF_ERROR(store_->RecordResult(lease->run_id, job.spec().train().epochs(), request.result(),
                                            clock_->NowMillis()));
  DERM_RETURN_IF_ERROR(store_->EndAttempt(lease->job_id, request.attempt_id(), "SUCCEEDED",
                                          derm::v1::SUCCEEDED, "completed", clock_->NowMillis()));
  leases_.erase(request.attempt_id());
  Changed();
  return Status::Ok();
}

Status Scheduler::EndAttemptLocked(int64_t attempt_id, const std::string& attempt_state, bool retryable,
                                   const std::string& cause) {
  const Lease lease = leases_.at(attempt_id);
  if (lease.shard >= 0) return EndShardAttemptLocked(attempt_id, lease, attempt_state, retryable, cause);
  leases_.erase(attempt_id);
  DERM_ASSIGN_OR_RETURN(Job job, store_->GetJob(lease.job_id));
  const bool retry = retryable && job.attempts() <= job.spec().max_retries();
  std::string why = cause;
  if (retryable && !retry) why += " (no retries left after " + std::to_string(job.attempts()) + " attempts)";
  const int64_t now = clock_->NowMillis();
  int64_t not_before = 0;
  if (retry) {
    const int shift = std::min(job.attempts() - 1, 20);
    not_before =
        now + std::min(options_.retry_backoff_ms << std::max(shift, 0), options_.max_retry_backoff_ms);
  }
  DERM_RETURN_IF_ERROR(store_->EndAttempt(lease.job_id, attempt_id, attempt_state,
                                          retry ? derm::v1::QUEUED : derm::v1::FAILED, why, now, not_before));
  if (retry) {
    job.set_state(derm::v1::QUEUED);
    job.set_not_before_ms(not_before);
    Enqueue(job);
  }
  Changed();
  return Status::Ok();
}

Status Scheduler::FailTask(const derm::v1::FailTaskRequest& request) {
  std::lock_guard<std::mutex> lock(mu_);
  DERM_RETURN_IF_ERROR(CurrentLease(request.attempt_id()).status());
  const std::string reason = request.reason().empty() ? "the worker reported a failure" : request.reason();
  return EndAttemptLocked(request.attempt_id(), "FAILED", request.retryable(), reason);
}

int Scheduler::ExpireLeases() {
  std::lock_guard<std::mutex> lock(mu_);
  const int64_t now = clock_->NowMillis();
  std::vector<int64_t> expired;
  for (const auto& [id, lease] : leases_) {
    if (lease.deadline_ms < now) expired.push_back(id);
  }
  for (int64_t id : expired) {
    metrics_.CountLeaseExpiry();
    (void)EndAttemptLocked(id, "WORKER_LOST", /*retryable=*/true,
                           "lease expired: worker " + std::to_string(leases_.at(id).worker_id) +
                               " sent no heartbeat for " + std::to_string(options_.lease_timeout_ms) + " ms");
  }
  return static_cast<int>(expired.size());
}

std::string Scheduler::RenderMetrics() {
  std::string out = metrics_.Render();
  std::lock_guard<std::mutex> lock(mu_);
  std::map<std::string, int64_t> jobs = {
      {"QUEUED", 0}, {"RUNNING", 0}, {"SUCCEEDED", 0}, {"FAILED", 0}, {"CANCELLED", 0}};
  std::map<std::string, int64_t> workers = {{"ACTIVE", 0}, {"DRAINING", 0}, {"GONE", 0}};
  for (auto [table, counts] : {std::pair{"jobs", &jobs}, std::pair{"workers", &workers}}) {
    auto s = store_->db()->Prepare(std::string("SELECT state, count(*) FROM ") + table + " GROUP BY state");
    while (s.ok()) {
      auto row = s->Step();
      if (!row.ok() || !*row) break;
      (*counts)[s->Text(0)] = s->Int(1);
    }
  }
  out += "# HELP derm_jobs Jobs by state.\n# TYPE derm_jobs gauge\n";
  for (const auto& [state, n] : jobs) out += "derm_jobs{state=\"" + state + "\"} " + std::to_string(n) + "\n";
  out += "# HELP derm_workers Registered workers by state.\n# TYPE derm_workers gauge\n";
  for (const auto& [state, n] : workers)
    out += "derm_workers{state=\"" + state + "\"} " + std::to_string(n) + "\n";
  out += "# HELP derm_running_leases Attempts holding a lease.\n# TYPE derm_running_leases gauge\n";
  out += "derm_running_leases " + std::to_string(leases_.size()) + "\n";
  out += "# HELP derm_rows_written_total Database rows inserted, updated or deleted by this process.\n";
  out += "# TYPE derm_rows_written_total counter\n";
  out += "derm_rows_written_total " + std::to_string(store_->db()->TotalChanges()) + "\n";
  return out;
}

Status Scheduler::Health() {
  std::lock_guard<std::mutex> lock(mu_);
  if (shutdown_) return Unavailable("shutting down");
  return store_->db()->Exec("SELECT 1");
}

void Scheduler::Shutdown() {
  std::lock_guard<std::mutex> lock(mu_);
  shutdown_ = true;
  work_cv_.notify_all();
  changed_cv_.notify_all();
}

}  // namespace derm::scheduler
