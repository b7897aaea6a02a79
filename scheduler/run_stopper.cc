#include "scheduler/run_stopper.h"

#include <algorithm>

#include "common/strings.h"
#include "scheduler/stopping_rules.h"

namespace derm::scheduler {
namespace {

std::string Figure(double v) { return FormatFixed(v, 4); }

}  // namespace

StatusOr<std::string> RunStopper::AshaStop(const derm::v1::Job& job, int32_t epoch) {
  if (job.sweep_id() == 0) return std::string();
  DERM_ASSIGN_OR_RETURN(derm::v1::JobSpec sweep, store_->jobs().SweepSpec(job.sweep_id()));
  if (sweep.sweep().early_stopping().type() != "asha") return std::string();
  const Asha asha = AshaOf(sweep.sweep().early_stopping());
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
  return "ASHA: " + asha.metric + " " + Figure(at->second) + " at rung " +
         std::to_string(rung - rungs.begin() + 1) + " (epoch " + std::to_string(epoch) +
         ") is outside the best 1/" + std::to_string(asha.reduction_factor) + " of the " +
         std::to_string(others.size()) + " other trial(s) there (cutoff " + Figure(sign * *cutoff) + ")";
}

StatusOr<derm::v1::ReportEpochResponse> RunStopper::AfterEpoch(const derm::v1::Job& job, int32_t epoch,
                                                               int64_t now_ms) {
  derm::v1::ReportEpochResponse response;
  DERM_ASSIGN_OR_RETURN(auto stopped, store_->history().Stop(job.run_id()));
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
  DERM_ASSIGN_OR_RETURN(
      auto history,
      store_->history().Metric(job.run_id(), early.metric().empty() ? "val_loss" : early.metric()));
  if (history.empty()) return 0;
  if (early.metric().empty()) return history.back().first;
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
