#include "scheduler/inference_jobs.h"

#include <filesystem>
#include <set>

#include "common/spec/input_listing.h"
#include "common/strings.h"
#include "store/prediction_csv.h"
#include "store/sqlite.h"

namespace derm::scheduler {

using derm::v1::Job;
using store::AttemptState;

StatusOr<std::vector<std::vector<std::string>>> InferenceJobs::PlanShards(const derm::v1::JobSpec& spec) {
  const derm::v1::InputSpec& in = spec.input();
  for (const auto& [field, value] :
       {std::pair{"input.folder", &in.folder()}, std::pair{"input.glob", &in.glob()},
        std::pair{"input.list_file", &in.list_file()}}) {
    if (!value->empty()) {
      return InvalidArgument(std::string(field) +
                             " is listed by dermctl where it runs; the scheduler reads no file a spec names, "
                             "so send the images as input.paths");
    }
  }
  if (static_cast<size_t>(in.paths_size()) > kMaxInferImages) {
    return InvalidArgument("input.paths has " + std::to_string(in.paths_size()) +
                           " images; a job takes at most " + std::to_string(kMaxInferImages));
  }
  std::vector<std::string> paths;
  std::set<std::string> seen;
  for (const std::string& p : in.paths()) {
    if (p.empty() || p[0] != '/' || p.size() > 4096 || p.find('\0') != std::string::npos ||
        FirstInvalidUtf8(p) != std::string::npos ||
        std::filesystem::path(p).lexically_normal().string() != p) {
      return InvalidArgument("input.paths: " + std::string(p.substr(0, 200)) +
                             " is not an absolute, normal UTF-8 path of at most 4096 bytes");
    }
    if (seen.insert(p).second) paths.push_back(p);
  }
  std::vector<std::vector<std::string>> shards;
  const size_t per_shard = static_cast<size_t>(spec.infer().shard_size());
  for (size_t i = 0; i < paths.size(); i += per_shard) {
    shards.emplace_back(paths.begin() + i, paths.begin() + std::min(paths.size(), i + per_shard));
  }
  return shards;
}

Status InferenceJobs::CheckSpec(const derm::v1::JobSpec& spec) {
  if (!spec.infer().output_csv().empty()) {
    DERM_RETURN_IF_ERROR(ctx_.options->export_dir.Target(spec.infer().output_csv()).status());
  }
  if (spec.model().run_id() <= 0) return Status::Ok();
  auto model = ctx_.store->runs().Model(spec.model().run_id());
  if (!model.ok()) return InvalidArgument("model.run_id: " + model.status().message());
  return Status::Ok();
}

StatusOr<Job> InferenceJobs::Insert(const derm::v1::JobSpec& spec, const std::string& key,
                                    const std::string& submitted_by,
                                    const std::vector<std::vector<std::string>>& shards) {
  DERM_ASSIGN_OR_RETURN(Job job, ctx_.store->shards().InsertJob(spec, key, submitted_by, shards, ctx_.now()));
  DERM_RETURN_IF_ERROR(EnqueueShards(job));
  ctx_.changes->Notify();
  return job;
}

Status InferenceJobs::Recover(const Job& job, const std::string& cause) {
  DERM_ASSIGN_OR_RETURN(auto attempts, ctx_.store->attempts().RunningOf(job.id()));
  for (const auto& a : attempts) {
    DERM_RETURN_IF_ERROR(ctx_.store->shards()
                             .Requeue(job.id(), a.shard, a.id, AttemptState::kWorkerLost, cause, ctx_.now())
                             .status());
  }
  DERM_RETURN_IF_ERROR(EnqueueShards(job));
  // It may have stopped right after its last shard. Still starting: the CSV is written here.
  DERM_ASSIGN_OR_RETURN(auto due, FinishIfDone(job));
  return due ? EndAfterCsv(*due, WriteCsv(ctx_.options->export_dir, ctx_.store->path(), *due)) : Status::Ok();
}

Status InferenceJobs::EnqueueShards(const Job& job) {
  DERM_ASSIGN_OR_RETURN(std::vector<int32_t> shards, ctx_.store->shards().Queued(job.id()));
  if (shards.empty()) return Status::Ok();
  ctx_.queue->AddShards(job.id(), job.spec(), shards, ctx_.now());
  ctx_.work->notify_all();
  return Status::Ok();
}

StatusOr<derm::v1::Task> InferenceJobs::LeaseShard(int64_t job_id, int64_t worker_id, int64_t now) {
  const JobQueue::Entry& queued = *ctx_.queue->Find(job_id);
  const int32_t shard = queued.shards.front();
  DERM_ASSIGN_OR_RETURN(int64_t attempt_id, ctx_.store->shards().StartAttempt(job_id, shard, worker_id, now));
  derm::v1::Task task;
  task.set_job_id(job_id);
  task.set_attempt_id(attempt_id);
  task.set_shard(shard);
  *task.mutable_spec() = queued.spec;
  DERM_ASSIGN_OR_RETURN(auto inputs, ctx_.store->shards().Inputs(job_id, shard));
  for (auto& p : inputs) task.add_inputs(std::move(p));
  if (queued.spec.model().run_id() > 0) {
    DERM_ASSIGN_OR_RETURN(*task.mutable_model(), ctx_.store->runs().Model(queued.spec.model().run_id()));
  }
  DERM_RETURN_IF_ERROR(ctx_.HalveBackboneBatchAfterOutOfMemory(attempt_id, &task));
  ctx_.queue->PopShard(job_id);  // `queued` is gone from here on
  Lease lease;
  lease.job_id = job_id;
  lease.worker_id = worker_id;
  lease.shard = shard;
  ctx_.leases->Add(attempt_id, lease, now);
  return task;
}

StatusOr<std::optional<InferenceJobs::CsvDue>> InferenceJobs::FinishIfDone(const Job& job) {
  DERM_ASSIGN_OR_RETURN(store::ShardTotals t, ctx_.store->shards().Totals(job.id()));
  const int64_t budget = job.spec().infer().max_errors();
  if (t.errors > budget) {
    DERM_ASSIGN_OR_RETURN(auto first, ctx_.store->shards().Errors(job.id(), 3));
    std::string examples;
    for (const auto& e : first) examples += (examples.empty() ? "" : "; ") + e;
    DERM_RETURN_IF_ERROR(ctx_.EndJob(job.id(), AttemptState::kCancelled, derm::v1::FAILED,
                                     std::to_string(t.errors) +
                                         " images could not be read, more than "
                                         "infer.max_errors (" +
                                         std::to_string(budget) + "); e.g. " + examples));
    return std::optional<CsvDue>();
  }
  if (t.shards_done < t.shards) return std::optional<CsvDue>();
  if (!job.spec().infer().output_csv().empty()) return std::optional<CsvDue>(CsvDue{job, t});
  DERM_RETURN_IF_ERROR(EndAfterCsv(CsvDue{job, t}, Status::Ok()));
  return std::optional<CsvDue>();
}

Status InferenceJobs::WriteCsv(const ExportDir& exports, const std::string& db_path, const CsvDue& due) {
  DERM_ASSIGN_OR_RETURN(const std::string target, exports.Target(due.job.spec().infer().output_csv()));
  auto db = store::Database::Open(db_path, /*read_only=*/true);
  if (!db.ok()) return db.status();
  return store::WritePredictionsCsv(db->get(), due.job.id(), target);
}

Status InferenceJobs::EndAfterCsv(const CsvDue& due, const Status& written) {
  const int64_t id = due.job.id();
  DERM_ASSIGN_OR_RETURN(Job current, ctx_.store->jobs().Get(id));
  if (current.state() != derm::v1::RUNNING) return Status::Ok();  // cancelled meanwhile
  if (!written.ok()) {
    return ctx_.EndJob(id, AttemptState::kCancelled, derm::v1::FAILED,
                       "the predictions are stored, but " + written.message());
  }
  const std::string csv = due.job.spec().infer().output_csv();
  const store::ShardTotals& t = due.totals;
  return ctx_.EndJob(id, AttemptState::kSucceeded, derm::v1::SUCCEEDED,
                     "completed: " + std::to_string(t.images_done - t.errors) + " predictions, " +
                         std::to_string(t.errors) + " unreadable images" +
                         (csv.empty() ? "" : ", written to " + csv + " in the export folder"));
}

StatusOr<std::optional<InferenceJobs::CsvDue>> InferenceJobs::Complete(int64_t attempt_id, const Lease& lease,
                                                                       const derm::v1::ShardResult& result) {
  DERM_ASSIGN_OR_RETURN(Job job, ctx_.store->jobs().Get(lease.job_id));
  Status st = ctx_.store->shards().Complete(lease.job_id, lease.shard, attempt_id,
                                            job.spec().model().run_id(), result, ctx_.now());
  if (st.code() == StatusCode::kFailedPrecondition || st.code() == StatusCode::kInvalidArgument) {
    DERM_RETURN_IF_ERROR(ctx_.EndJob(job.id(), AttemptState::kFailed, derm::v1::FAILED, st.message()));
    return st;
  }
  DERM_RETURN_IF_ERROR(st);  // e.g. the disk is full: the lease stays, and expires if the worker gives up
  ctx_.leases->Take(attempt_id);
  ctx_.changes->Notify();
  return FinishIfDone(job);
}

Status InferenceJobs::EndAttempt(int64_t attempt_id, const Lease& lease, AttemptState attempt_state,
                                 bool retryable, const std::string& cause) {
  DERM_ASSIGN_OR_RETURN(Job job, ctx_.store->jobs().Get(lease.job_id));
  const std::string shard = "shard " + std::to_string(lease.shard);
  DERM_ASSIGN_OR_RETURN(int32_t attempts, ctx_.store->shards().Requeue(job.id(), lease.shard, attempt_id,
                                                                       attempt_state, cause, ctx_.now()));
  ctx_.leases->Take(attempt_id);
  if (!retryable)
    return ctx_.EndJob(job.id(), AttemptState::kCancelled, derm::v1::FAILED, shard + ": " + cause);
  if (attempts > job.spec().max_retries()) {
    return ctx_.EndJob(job.id(), AttemptState::kCancelled, derm::v1::FAILED,
                       shard + " failed " + std::to_string(attempts) + " times (max_retries " +
                           std::to_string(job.spec().max_retries()) + "); last: " + cause);
  }
  DERM_RETURN_IF_ERROR(EnqueueShards(job));
  ctx_.changes->Notify();
  return Status::Ok();
}

}  // namespace derm::scheduler
