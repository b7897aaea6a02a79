// ReadSide: the scheduler's read-only answers (jobs, runs, comparisons, models, workers, events,
// SQL queries), from its own read-only connection, so that reads never wait for the writer's
// lock and can never write. It sees every committed change.
// Thread-safety: thread-safe; calls on one ReadSide are serialised on its connection.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/mutex.h"
#include "common/status_or.h"
#include "derm/v1/jobs.pb.h"
#include "derm/v1/workers.pb.h"
#include "store/store.h"

namespace derm::scheduler {

class ReadSide {
 public:
  // Reads the database at `db_path`, which the scheduler's Store has created.
  explicit ReadSide(std::string db_path) : db_path_(std::move(db_path)) {}

  // Why queued jobs wait (scheduler/placement.h), by job id; a queued job's message shows it.
  void SetWaitingReasons(std::map<int64_t, std::string> reasons);

  StatusOr<derm::v1::Job> GetJob(int64_t job_id);
  // INVALID_ARGUMENT for a limit outside 0..10000 or an unknown state.
  StatusOr<std::vector<derm::v1::Job>> ListJobs(const derm::v1::ListJobsRequest& request);
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
  // Read-only SQL on a connection of its own (store/read_query.h), with the request's limits; the
  // tokens table is never readable, audit_events only with `read_audit`.
  StatusOr<derm::v1::QueryResponse> Query(const derm::v1::QueryRequest& request, bool read_audit = false);
  StatusOr<std::vector<derm::v1::WorkerInfo>> ListWorkers();
  // The job's stored events after `*after_event_id`, as watchers see them (with the epoch's
  // metrics, or an inference job's shard counts); advances `*after_event_id` and sets
  // `*total_epochs` to the job's train.epochs.
  StatusOr<std::vector<derm::v1::JobEvent>> JobEvents(int64_t job_id, int64_t* after_event_id,
                                                      int32_t* total_epochs);
  // Every job's stored events after `*after_event_id` (at most 500), as JobEvents gives them;
  // advances `*after_event_id`. A negative `*after_event_id` starts after the newest event.
  StatusOr<std::vector<derm::v1::JobEvent>> AllEvents(int64_t* after_event_id);
  // A run's predictions by confusion cell or disagreement (store/prediction_pages.h).
  StatusOr<derm::v1::ListPredictionsResponse> ListPredictions(
      const derm::v1::ListPredictionsRequest& request);
  // INVALID_ARGUMENT for a bad split, NOT_FOUND when there is no such thumbnail.
  StatusOr<derm::v1::Thumbnail> GetThumbnail(const derm::v1::GetThumbnailRequest& request);
  // INVALID_ARGUMENT for max_points outside 0 (default 500) or 4..100000; NOT_FOUND for no run.
  StatusOr<derm::v1::RunCurves> GetRunCurves(const derm::v1::GetRunCurvesRequest& request);

 private:
  // The read-only Store, opened on first use.
  StatusOr<store::Store*> StoreLocked() DERM_REQUIRES(mu_);
  // A queued job's message gains why it waits, when it cannot run anywhere.
  void AddWaitingReasonLocked(derm::v1::Job* job) DERM_REQUIRES(mu_);
  // Stored events as watchers see them; advances `*after_event_id` past each.
  StatusOr<std::vector<derm::v1::JobEvent>> ToJobEventsLocked(store::Store* s,
                                                              const std::vector<store::StoredEvent>& stored,
                                                              int64_t* after_event_id) DERM_REQUIRES(mu_);

  const std::string db_path_;
  Mutex mu_;
  std::unique_ptr<store::Store> store_ DERM_GUARDED_BY(mu_);
  std::map<int64_t, std::string> waiting_ DERM_GUARDED_BY(mu_);
};

}  // namespace derm::scheduler
