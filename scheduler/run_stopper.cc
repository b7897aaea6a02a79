#include "scheduler/run_stopper.h"

#include <algorithm>

#include "common/strings.h"

namespace derm::scheduler {

StatusOr<std::optional<Asha>> RunStopper::AshaOfSweep(int64_t sweep_id) {
  if (auto known = sweeps_.find(sweep_id); known != sweeps_.end()) return known->second;
  DERM_ASSIGN_OR_RETURN(derm::v1::JobSpec sweep, store_->jobs().SweepSpec(sweep_id));
  std::optional<Asha> asha;
  if (sweep.sweep().early_stopping().type() == "asha") asha = AshaOf(sweep.sweep().early_stopping());
  return sweeps_.emplace(sweep_id, asha).first->second;
}

StatusOr<std::string> RunStopper::AshaStop(const derm::v1::Job& job, int32_t epoch) {
  if (job.sweep_id() == 0) return std::string();
  DERM_ASSIGN_OR_RETURN(const std::optional<Asha> configured, AshaOfSweep(job.sweep_id()));
  if (!configured) return std::string();
  const Asha& asha = *configured;
  const auto rungs = AshaRungs(asha, job.spec().train().epochs());
  const auto rung = std::find(rungs.begin(), rungs.end(), epoch);
  if (rung == rungs.end()) return std::string();
  DERM_ASSIGN_OR_RETURN(auto mine, store_->history().Metric(job.run_id(), asha.metric));
  const auto at = std::find_if(mine.begin(), mine.end(), [&](const auto& e) { return e.first == epoch; });
  if (at == mine.end()) return std::string();
  DERM_ASSIGN_OR_RETURN(auto others,
                        store_->history().SweepValues(job.sweep_id(), epoch, asha.metric, job.run_id()));
  const double sign = HigherIsBetter(asha.metric) ? 1 : -1;
  std::vector<double> oriented;
  for (double v : others) oriented.push_back(sign * v);
  const auto cutoff = AshaCutoff(oriented, asha.reduction_factor);
  if (!cutoff || sign * at->second >= *cutoff) return std::string();
  return "ASHA: " + asha.metric + " " + FormatFixed(at->second, 4) + " at rung " +
         std::to_string(rung - rungs.begin() + 1) + " (epoch " + std::to_string(epoch) +
         ") is outside the best 1/" + std::to_string(asha.reduction_factor) + " of the " +
         std::to_string(others.size()) + " other trial(s) there (cutoff " + FormatFixed(sign * *cutoff, 4) +
         ")";
}

StatusOr<derm::v1::ReportEpochResponse> RunStopper::AfterEpoch(const derm::v1::Job& job, int32_t epoch,
                                                               const std::optional<store::RunStop>& stopped,
                                                               int64_t now_ms) {
  derm::v1::ReportEpochResponse response;
  std::string reason = stopped ? stopped->reason : "";
  const auto& early = job.spec().train().early_stopping();
  if (!early.metric().empty()) {
    DERM_ASSIGN_OR_RETURN(auto history, store_->history().Metric(job.run_id(), early.metric()));
    const PatienceVerdict v = Patience(history, HigherIsBetter(early.metric()), early.patience());
    response.set_best_epoch(v.best_epoch);
    if (v.stop && reason.empty()) {
      reason = early.metric() + " has not improved for " + std::to_string(epoch - v.best_epoch) +
               " epochs since epoch " + std::to_string(v.best_epoch) + " (patience " +
               std::to_string(early.patience()) + ")";
    }
  }
  if (reason.empty()) {
    DERM_ASSIGN_OR_RETURN(reason, AshaStop(job, epoch));
  }
  if (reason.empty() || epoch >= job.spec().train().epochs()) return response;
  if (!stopped) DERM_RETURN_IF_ERROR(store_->history().RecordStop(job.run_id(), epoch, reason, now_ms));
  response.set_stop(true);
  response.set_reason(reason);
  return response;
}

StatusOr<int32_t> RunStopper::ModelEpoch(const derm::v1::Job& job) {
  const auto& early = job.spec().train().early_stopping();
  if (early.metric().empty()) return store_->history().LastEpoch(job.run_id());
  DERM_ASSIGN_OR_RETURN(auto history, store_->history().Metric(job.run_id(), early.metric()));
  return Patience(history, HigherIsBetter(early.metric()), early.patience()).best_epoch;
}

Status RunStopper::FillTask(const derm::v1::Job& job, derm::v1::Task* task) {
  DERM_ASSIGN_OR_RETURN(auto stopped, store_->history().Stop(job.run_id()));
  if (stopped) task->set_stop_epoch(stopped->epoch);
  if (job.spec().train().early_stopping().metric().empty()) return Status::Ok();
  DERM_ASSIGN_OR_RETURN(int32_t best, ModelEpoch(job));
  if (best == 0) return Status::Ok();
  DERM_ASSIGN_OR_RETURN(auto checkpoint, store_->history().CheckpointAt(job.run_id(), best));
  if (!checkpoint) return Status::Ok();
  task->set_best_epoch(best);
  task->set_best_checkpoint(std::move(checkpoint->bytes));
  return Status::Ok();
}

}  // namespace derm::scheduler
