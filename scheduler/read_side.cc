#include "scheduler/read_side.h"

#include "common/parse_number.h"
#include "common/spec/job_kind.h"
#include "scheduler/run_comparison.h"
#include "scheduler/run_curves.h"
#include "store/read_query.h"

namespace derm::scheduler {

using derm::v1::Job;

StatusOr<store::Store*> ReadSide::StoreLocked() {
  if (!store_) {
    DERM_ASSIGN_OR_RETURN(store_, store::Store::OpenReadOnly(db_path_));
  }
  return store_.get();
}

void ReadSide::SetWaitingReasons(std::map<int64_t, std::string> reasons) {
  MutexLock lock(&mu_);
  waiting_ = std::move(reasons);
}

void ReadSide::AddWaitingReasonLocked(Job* job) {
  if (job->state() != derm::v1::QUEUED) return;
  auto it = waiting_.find(job->id());
  if (it == waiting_.end()) return;
  job->set_message("waiting: " + it->second +
                   (job->message().empty() ? "" : " (last: " + job->message() + ")"));
}

StatusOr<Job> ReadSide::GetJob(int64_t job_id) {
  MutexLock lock(&mu_);
  DERM_ASSIGN_OR_RETURN(store::Store * s, StoreLocked());
  DERM_ASSIGN_OR_RETURN(Job job, s->jobs().Get(job_id));
  AddWaitingReasonLocked(&job);
  return job;
}

StatusOr<std::vector<Job>> ReadSide::ListJobs(const derm::v1::ListJobsRequest& request) {
  if (request.limit() < 0 || request.limit() > 10000)
    return InvalidArgument("limit must be between 0 and 10000");
  std::vector<derm::v1::JobState> states;
  for (int s : request.states()) {
    if (!derm::v1::JobState_IsValid(s) || s == derm::v1::JOB_STATE_UNSPECIFIED) {
      return InvalidArgument("unknown job state " + std::to_string(s));
    }
    states.push_back(static_cast<derm::v1::JobState>(s));
  }
  MutexLock lock(&mu_);
  DERM_ASSIGN_OR_RETURN(store::Store * s, StoreLocked());
  DERM_ASSIGN_OR_RETURN(std::vector<Job> jobs, s->jobs().List(states, request.limit()));
  for (Job& job : jobs) AddWaitingReasonLocked(&job);
  return jobs;
}

StatusOr<derm::v1::RunReport> ReadSide::GetRun(int64_t run_id) {
  MutexLock lock(&mu_);
  DERM_ASSIGN_OR_RETURN(store::Store * s, StoreLocked());
  return s->runs().Get(run_id);
}

StatusOr<derm::v1::SplitMetrics> ReadSide::GetConfusionMatrix(
    const derm::v1::GetConfusionMatrixRequest& request) {
  const std::string split = request.split().empty() ? "validation" : request.split();
  if (split != "validation" && split != "test") return InvalidArgument("split must be validation or test");
  const std::string id = std::to_string(request.run_id());
  if (split == "test") {
    DERM_ASSIGN_OR_RETURN(derm::v1::RunReport run, GetRun(request.run_id()));
    if (!run.result().has_test())
      return NotFound("run " + id + " has no test metrics (no test_dir, or not finished)");
    return run.result().test();
  }
  // A validation epoch: that epoch's rows alone (a slider moving over a long run reads one epoch).
  MutexLock lock(&mu_);
  DERM_ASSIGN_OR_RETURN(store::Store * s, StoreLocked());
  DERM_ASSIGN_OR_RETURN(const int32_t last, s->history().LastEpoch(request.run_id()));
  if (last == 0) return NotFound("run " + id + " has no finished epoch yet");
  const int32_t epoch = request.epoch() == 0 ? last : request.epoch();
  DERM_ASSIGN_OR_RETURN(auto epochs,
                        s->runs().Epochs(request.run_id(), epoch - 1, epoch));  // with evaluation
  if (epochs.empty()) return NotFound("run " + id + " has no epoch " + std::to_string(epoch));
  return epochs.front().validation();
}

StatusOr<derm::v1::CompareRunsResponse> ReadSide::CompareRuns(const derm::v1::CompareRunsRequest& request) {
  if (request.run_ids_size() < 2 || request.run_ids_size() > 10)
    return InvalidArgument("compare 2 to 10 runs");
  derm::v1::CompareRunsResponse response;
  std::vector<Predictions> predictions;
  MutexLock lock(&mu_);
  DERM_ASSIGN_OR_RETURN(store::Store * s, StoreLocked());
  for (int64_t id : request.run_ids()) {
    DERM_ASSIGN_OR_RETURN(*response.add_runs(), s->runs().Get(id));
    DERM_ASSIGN_OR_RETURN(auto preds, s->runs().Predictions(id, "validation"));
    Predictions& by_path = predictions.emplace_back();
    for (const auto& p : preds) by_path[p.path()] = {p.true_class(), p.predicted_class()};
  }
  CompareRunReports(predictions, &response);
  return response;
}

StatusOr<derm::v1::Model> ReadSide::GetModel(int64_t run_id) {
  MutexLock lock(&mu_);
  DERM_ASSIGN_OR_RETURN(store::Store * s, StoreLocked());
  DERM_ASSIGN_OR_RETURN(std::string bytes, s->runs().Model(run_id));
  derm::v1::Model model;
  model.set_data(std::move(bytes));
  return model;
}

StatusOr<derm::v1::ListRunsResponse> ReadSide::ListRuns(const derm::v1::ListRunsRequest& request) {
  const int page = request.page_size() == 0 ? 50 : request.page_size();
  if (page < 1 || page > 1000) return InvalidArgument("page_size must be between 1 and 1000");
  int64_t offset = 0;
  if (!request.page_token().empty()) {
    auto parsed = ParseInt64(request.page_token());
    if (!parsed || *parsed < 0) return InvalidArgument("page_token is not one this scheduler issued");
    offset = *parsed;
  }
  if (request.params_size() > 50) return InvalidArgument("at most 50 params may be asked for");
  for (const std::string& name : request.params()) {
    if (name.empty() || name.size() > 200 ||
        name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") !=
            std::string::npos) {
      return InvalidArgument("params: '" + name + "' is not a param name (letters, digits, . _ -)");
    }
  }
  MutexLock lock(&mu_);
  DERM_ASSIGN_OR_RETURN(store::Store * s, StoreLocked());
  DERM_ASSIGN_OR_RETURN(auto runs, s->runs().List(request.filter(), request.order_by(), page + 1, offset));
  derm::v1::ListRunsResponse response;
  if (static_cast<int>(runs.size()) > page) {
    runs.pop_back();
    response.set_next_page_token(std::to_string(offset + page));
  }
  DERM_RETURN_IF_ERROR(
      s->runs().AddParams(std::vector<std::string>(request.params().begin(), request.params().end()), &runs));
  for (auto& r : runs) *response.add_runs() = std::move(r);
  return response;
}

StatusOr<derm::v1::QueryResponse> ReadSide::Query(const derm::v1::QueryRequest& request, bool read_audit) {
  store::QueryLimits limits;
  limits.read_audit = read_audit;
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

StatusOr<std::vector<derm::v1::WorkerInfo>> ReadSide::ListWorkers() {
  MutexLock lock(&mu_);
  DERM_ASSIGN_OR_RETURN(store::Store * s, StoreLocked());
  return s->workers().List();
}

StatusOr<std::vector<derm::v1::JobEvent>> ReadSide::JobEvents(int64_t job_id, int64_t* after_event_id,
                                                              int32_t* total_epochs) {
  MutexLock lock(&mu_);
  DERM_ASSIGN_OR_RETURN(store::Store * s, StoreLocked());
  DERM_ASSIGN_OR_RETURN(Job job, s->jobs().Get(job_id));
  *total_epochs = job.spec().train().epochs();
  DERM_ASSIGN_OR_RETURN(auto stored, s->events().Since(job_id, *after_event_id));
  return ToJobEventsLocked(s, stored, after_event_id);
}

StatusOr<std::vector<derm::v1::JobEvent>> ReadSide::AllEvents(int64_t* after_event_id) {
  MutexLock lock(&mu_);
  DERM_ASSIGN_OR_RETURN(store::Store * s, StoreLocked());
  if (*after_event_id < 0) {  // only what happens from now on
    DERM_ASSIGN_OR_RETURN(*after_event_id, s->events().LastId());
  }
  DERM_ASSIGN_OR_RETURN(auto stored, s->events().SinceAll(*after_event_id, 500));
  return ToJobEventsLocked(s, stored, after_event_id);
}

StatusOr<std::vector<derm::v1::JobEvent>> ReadSide::ToJobEventsLocked(
    store::Store* s, const std::vector<store::StoredEvent>& stored, int64_t* after_event_id) {
  struct JobFacts {
    Job job;
    bool infer = false;
    derm::v1::ShardProgress shards;
  };
  std::map<int64_t, JobFacts> jobs;  // each job of `stored` read once
  std::vector<derm::v1::JobEvent> events;
  for (const auto& e : stored) {
    *after_event_id = e.id;
    auto it = jobs.find(e.job_id);
    if (it == jobs.end()) {
      JobFacts facts;
      DERM_ASSIGN_OR_RETURN(facts.job, s->jobs().Get(e.job_id));
      facts.infer = KindOf(facts.job.spec()) == JobKind::kInfer;
      if (facts.infer) {
        DERM_ASSIGN_OR_RETURN(store::ShardTotals t, s->shards().Totals(e.job_id));
        facts.shards.set_shards_done(t.shards_done);
        facts.shards.set_shards_total(t.shards);
        facts.shards.set_images_done(t.images_done);
        facts.shards.set_images_total(t.images);
        facts.shards.set_errors(t.errors);
      }
      it = jobs.emplace(e.job_id, std::move(facts)).first;
    }
    const JobFacts& facts = it->second;
    derm::v1::JobEvent ev;
    ev.set_job_id(e.job_id);
    ev.set_event_id(e.id);
    ev.set_time_ms(e.time_ms);
    ev.set_state(e.to);
    ev.set_message(e.cause);
    ev.set_total_epochs(facts.job.spec().train().epochs());
    if (facts.infer) *ev.mutable_shards() = facts.shards;
    if (e.is_epoch) {
      DERM_ASSIGN_OR_RETURN(auto epochs, s->runs().Epochs(facts.job.run_id(), e.epoch - 1, e.epoch));
      if (epochs.empty()) continue;  // no longer stored (cannot happen today: epochs are only replaced)
      *ev.mutable_epoch() = std::move(epochs.front());
    }
    events.push_back(std::move(ev));
  }
  return events;
}

StatusOr<derm::v1::ListPredictionsResponse> ReadSide::ListPredictions(
    const derm::v1::ListPredictionsRequest& request) {
  MutexLock lock(&mu_);
  DERM_ASSIGN_OR_RETURN(store::Store * s, StoreLocked());
  return s->predictions().List(request);
}

StatusOr<derm::v1::Thumbnail> ReadSide::GetThumbnail(const derm::v1::GetThumbnailRequest& request) {
  const std::string split = store::PredictionSplit(request.split());
  if (split.empty())
    return InvalidArgument("split must be validation or test, got '" + request.split() + "'");
  MutexLock lock(&mu_);
  DERM_ASSIGN_OR_RETURN(store::Store * s, StoreLocked());
  derm::v1::Thumbnail thumbnail;
  DERM_ASSIGN_OR_RETURN(*thumbnail.mutable_jpeg(),
                        s->predictions().Thumbnail(request.run_id(), split, request.path()));
  return thumbnail;
}

StatusOr<derm::v1::RunCurves> ReadSide::GetRunCurves(const derm::v1::GetRunCurvesRequest& request) {
  const int32_t max_points = request.max_points() == 0 ? 500 : request.max_points();
  if (max_points < 4 || max_points > 100000)
    return InvalidArgument("max_points must be between 4 and 100000");
  MutexLock lock(&mu_);
  DERM_ASSIGN_OR_RETURN(store::Store * s, StoreLocked());
  DERM_ASSIGN_OR_RETURN(auto points, s->runs().EpochPoints(request.run_id()));
  if (points.empty()) {  // a run without epochs yet, or none at all
    DERM_RETURN_IF_ERROR(s->runs().Get(request.run_id()).status());
  }
  return BuildRunCurves(request.run_id(), points, static_cast<size_t>(max_points));
}

}  // namespace derm::scheduler
