// The Scheduler's inference jobs: input listing and sharding at submission, shard leases, shard
// results, the error budget and the CSV written when the job is done.
#include <fstream>
#include <set>

#include "common/rpc/input_listing.h"
#include "scheduler/scheduler.h"
#include "store/prediction_csv.h"

namespace derm::scheduler {

using derm::v1::Job;

StatusOr<derm::v1::SubmitJobResponse> Scheduler::SubmitInfer(const derm::v1::JobSpec& spec,
                                                             const std::string& key) {
  derm::v1::SubmitJobResponse response;
  if (!key.empty()) {
    std::lock_guard<std::mutex> lock(mu_);
    DERM_ASSIGN_OR_RETURN(auto existing, store_->FindJobByKey(key));
    if (existing) {
      *response.mutable_job() = std::move(*existing);
      response.set_deduplicated(true);
      return response;
    }
  }
  if (spec.model().run_id() > 0) {
    std::lock_guard<std::mutex> lock(mu_);
    auto model = store_->Model(spec.model().run_id());
    if (!model.ok()) return InvalidArgument("model.run_id: " + model.status().message());
  } else if (!std::ifstream(spec.model().file())) {
    return InvalidArgument("model.file " + spec.model().file() + " cannot be opened");
  }
  DERM_ASSIGN_OR_RETURN(std::vector<std::string> paths, ListInput(spec.input()));
  std::vector<std::vector<std::string>> shards;
  const size_t per_shard = static_cast<size_t>(spec.infer().shard_size());
  for (size_t i = 0; i < paths.size(); i += per_shard) {
    shards.emplace_back(paths.begin() + i, paths.begin() + std::min(paths.size(), i + per_shard));
  }
  std::lock_guard<std::mutex> lock(mu_);
  DERM_ASSIGN_OR_RETURN(*response.mutable_job(),
                        store_->InsertInferJob(spec, key, shards, clock_->NowMillis()));
  DERM_RETURN_IF_ERROR(EnqueueShards(response.job()));
  Changed();
  return response;
}

Status Scheduler::EnqueueShards(const Job& job) {
  DERM_ASSIGN_OR_RETURN(std::vector<int32_t> shards, store_->QueuedShards(job.id()));
  if (shards.empty()) return Status::Ok();
  auto [it, added] = queued_.try_emplace(job.id());
  Queued& q = it->second;
  if (added) {
    q.spec = job.spec();
    q.enqueued_ms = clock_->NowMillis();
  }
  const std::set<int32_t> present(q.shards.begin(), q.shards.end());
  for (int32_t s : shards) {
    if (!present.count(s)) q.shards.push_back(s);
  }
  queue_.insert({-static_cast<int64_t>(job.spec().priority()), job.id()});
  work_cv_.notify_all();
  return Status::Ok();
}

StatusOr<derm::v1::Task> Scheduler::LeaseShard(int64_t job_id, int64_t worker_id, int64_t now) {
  Queued& q = queued_.at(job_id);
  const int32_t shard = q.shards.front();
  DERM_ASSIGN_OR_RETURN(int64_t attempt_id, store_->StartShardAttempt(job_id, shard, worker_id, now));
  derm::v1::Task task;
  task.set_job_id(job_id);
  task.set_attempt_id(attempt_id);
  task.set_shard(shard);
  *task.mutable_spec() = q.spec;
  DERM_ASSIGN_OR_RETURN(auto inputs, store_->ShardInputs(job_id, shard));
  for (auto& p : inputs) task.add_inputs(std::move(p));
  if (q.spec.model().run_id() > 0) {
    DERM_ASSIGN_OR_RETURN(*task.mutable_model(), store_->Model(q.spec.model().run_id()));
  }
  q.shards.pop_front();
  if (q.shards.empty()) {
    queue_.erase({-static_cast<int64_t>(q.spec.priority()), job_id});
    queued_.erase(job_id);
  }
  leases_[attempt_id] = Lease{job_id, 0, worker_id, now + options_.lease_timeout_ms, {}, 0, shard};
  return task;
}

Status Scheduler::FinishInferJobIfDoneLocked(const Job& job, std::unique_lock<std::mutex>* lock) {
  DERM_ASSIGN_OR_RETURN(store::ShardTotals t, store_->Totals(job.id()));
  const int64_t budget = job.spec().infer().max_errors();
  if (t.errors > budget) {
    DERM_ASSIGN_OR_RETURN(auto first, store_->JobErrors(job.id(), 3));
    std::string examples;
    for (const auto& e : first) examples += (examples.empty() ? "" : "; ") + e;
    return EndJobLocked(job.id(), "CANCELLED", derm::v1::FAILED,
                        std::to_string(t.errors) + " images could not be read, more than infer.max_errors (" +
                            std::to_string(budget) + "); e.g. " + examples);
  }
  if (t.shards_done < t.shards) return Status::Ok();
  const std::string csv = job.spec().infer().output_csv();
  if (!csv.empty()) {
    // From a read-only connection and, given the lock, with it released: a large job's CSV must
    // not hold up every other call. The job has no lease left, so what the CSV reads is final.
    if (lock) lock->unlock();
    Status written;
    {
      auto db = store::Database::Open(db_path_, /*read_only=*/true);
      written = db.ok() ? store::WritePredictionsCsv(db->get(), job.id(), csv) : db.status();
    }
    if (lock) {
      lock->lock();
      DERM_ASSIGN_OR_RETURN(Job current, store_->GetJob(job.id()));
      if (current.state() != derm::v1::RUNNING) return Status::Ok();  // cancelled meanwhile
    }
    if (!written.ok()) {
      return EndJobLocked(job.id(), "CANCELLED", derm::v1::FAILED,
                          "the predictions are stored, but " + written.message());
    }
  }
  return EndJobLocked(job.id(), "SUCCEEDED", derm::v1::SUCCEEDED,
                      "completed: " + std::to_string(t.images_done - t.errors) + " predictions, " +
                          std::to_string(t.errors) + " unreadable images" +
                          (csv.empty() ? "" : ", written to " + csv));
}

Status Scheduler::CompleteShardLocked(int64_t attempt_id, const Lease& lease,
                                      const derm::v1::ShardResult& result,
                                      std::unique_lock<std::mutex>* lock) {
  DERM_ASSIGN_OR_RETURN(Job job, store_->GetJob(lease.job_id));
  Status st = store_->CompleteShard(lease.job_id, lease.shard, attempt_id, job.spec().model().run_id(),
                                    result, clock_->NowMillis());
  if (st.code() == StatusCode::kFailedPrecondition || st.code() == StatusCode::kInvalidArgument) {
    DERM_RETURN_IF_ERROR(EndJobLocked(job.id(), "FAILED", derm::v1::FAILED, st.message()));
    return st;
  }
  DERM_RETURN_IF_ERROR(st);  // e.g. the disk is full: the lease stays, and expires if the worker gives up
  leases_.erase(attempt_id);
  Changed();
  return FinishInferJobIfDoneLocked(job, lock);
}

Status Scheduler::EndShardAttemptLocked(int64_t attempt_id, const Lease& lease,
                                        const std::string& attempt_state, bool retryable,
                                        const std::string& cause) {
  leases_.erase(attempt_id);
  DERM_ASSIGN_OR_RETURN(Job job, store_->GetJob(lease.job_id));
  const std::string shard = "shard " + std::to_string(lease.shard);
  DERM_ASSIGN_OR_RETURN(int32_t attempts, store_->RequeueShard(job.id(), lease.shard, attempt_id,
                                                               attempt_state, cause, clock_->NowMillis()));
  if (!retryable) return EndJobLocked(job.id(), "CANCELLED", derm::v1::FAILED, shard + ": " + cause);
  if (attempts > job.spec().max_retries()) {
    return EndJobLocked(job.id(), "CANCELLED", derm::v1::FAILED,
                        shard + " failed " + std::to_string(attempts) + " times (max_retries " +
                            std::to_string(job.spec().max_retries()) + "); last: " + cause);
  }
  DERM_RETURN_IF_ERROR(EnqueueShards(job));
  Changed();
  return Status::Ok();
}

StatusOr<derm::v1::ShardProgress> Scheduler::ShardProgressLocked(int64_t job_id) {
  DERM_ASSIGN_OR_RETURN(store::ShardTotals t, store_->Totals(job_id));
  derm::v1::ShardProgress p;
  p.set_shards_done(t.shards_done);
  p.set_shards_total(t.shards);
  p.set_images_done(t.images_done);
  p.set_images_total(t.images);
  p.set_errors(t.errors);
  return p;
}

StatusOr<derm::v1::Model> Scheduler::GetModel(int64_t run_id) {
  std::lock_guard<std::mutex> lock(mu_);
  DERM_ASSIGN_OR_RETURN(std::string bytes, store_->Model(run_id));
  derm::v1::Model model;
  model.set_data(std::move(bytes));
  return model;
}

}  // namespace derm::scheduler
