#include "store/training_history.h"

#include "common/spec/spec_rules.h"
#include "store/event_log.h"
#include "store/sqlite.h"

namespace derm::store {

StatusOr<std::vector<std::pair<int32_t, double>>> TrainingHistory::Metric(int64_t run_id,
                                                                          const std::string& column) {
  if (!IsStopMetric(column)) return InvalidArgument("no stopping metric \"" + column + "\"");
  DERM_ASSIGN_OR_RETURN(auto s, db_->Prepare("SELECT epoch, " + column +
                                             " FROM epoch_metrics WHERE run_id = ? ORDER BY epoch"));
  std::vector<std::pair<int32_t, double>> out;
  s.Bind(1, run_id);
  DERM_RETURN_IF_ERROR(ForEachRow(s, [&](const Statement& row) {
    out.emplace_back(static_cast<int32_t>(row.Int(0)), row.Double(1));
    return Status::Ok();
  }));
  return out;
}

StatusOr<std::vector<double>> TrainingHistory::SweepValues(int64_t sweep_id, int32_t epoch,
                                                           const std::string& column, int64_t except_run) {
  if (!IsStopMetric(column)) return InvalidArgument("no stopping metric \"" + column + "\"");
  DERM_ASSIGN_OR_RETURN(auto s, db_->Prepare("SELECT e." + column +
                                             " FROM epoch_metrics e JOIN runs r ON r.id = e.run_id "
                                             "JOIN jobs j ON j.id = r.job_id "
                                             "WHERE j.sweep_id = ? AND e.epoch = ? AND e.run_id != ?"));
  std::vector<double> out;
  s.Bind(1, sweep_id).Bind(2, epoch).Bind(3, except_run);
  DERM_RETURN_IF_ERROR(ForEachRow(s, [&](const Statement& row) {
    out.push_back(row.Double(0));
    return Status::Ok();
  }));
  return out;
}

StatusOr<int32_t> TrainingHistory::LastEpoch(int64_t run_id) {
  DERM_ASSIGN_OR_RETURN(auto s,
                        db_->Prepare("SELECT (SELECT max(epoch) FROM epoch_metrics WHERE run_id = ?1) "
                                     "FROM runs WHERE id = ?1"));
  DERM_ASSIGN_OR_RETURN(bool row, s.Bind(1, run_id).Step());
  if (!row) return NotFound("run " + std::to_string(run_id) + " does not exist");
  return static_cast<int32_t>(s.Int(0));  // NULL (no epoch) reads as 0
}

StatusOr<int32_t> TrainingHistory::ClassCount(int64_t run_id) {
  DERM_ASSIGN_OR_RETURN(auto s,
                        db_->Prepare("SELECT CASE WHEN json_valid(class_names) THEN "
                                     "json_array_length(class_names) ELSE 0 END FROM runs WHERE id = ?"));
  DERM_ASSIGN_OR_RETURN(bool row, s.Bind(1, run_id).Step());
  if (!row) return NotFound("run " + std::to_string(run_id) + " does not exist");
  return static_cast<int32_t>(s.Int(0));
}

StatusOr<int64_t> TrainingHistory::LeakedPairs(int64_t run_id) {
  DERM_ASSIGN_OR_RETURN(auto s, db_->Prepare("SELECT coalesce(exact_duplicate_pairs, 0) + "
                                             "coalesce(near_duplicate_pairs, 0) FROM runs WHERE id = ?"));
  DERM_ASSIGN_OR_RETURN(bool row, s.Bind(1, run_id).Step());
  if (!row) return NotFound("run " + std::to_string(run_id) + " does not exist");
  return s.Int(0);
}

StatusOr<std::optional<Checkpoint>> TrainingHistory::CheckpointAt(int64_t run_id, int32_t epoch) {
  DERM_ASSIGN_OR_RETURN(auto s, db_->Prepare("SELECT bytes FROM artifacts WHERE run_id = ? AND "
                                             "kind = 'checkpoint' AND epoch = ?"));
  DERM_ASSIGN_OR_RETURN(bool row, s.Bind(1, run_id).Bind(2, epoch).Step());
  if (!row) return std::optional<Checkpoint>();
  return std::optional<Checkpoint>(Checkpoint{epoch, s.Blob(0)});
}

Status TrainingHistory::RecordStop(int64_t run_id, int32_t epoch, const std::string& reason, int64_t now_ms) {
  Transaction txn(db_);
  DERM_RETURN_IF_ERROR(txn.status());
  DERM_ASSIGN_OR_RETURN(auto s, db_->Prepare("UPDATE runs SET stopped_epoch = ?, stop_reason = ? "
                                             "WHERE id = ? AND stopped_epoch IS NULL RETURNING job_id"));
  DERM_ASSIGN_OR_RETURN(bool row, s.Bind(1, epoch).Bind(2, reason).Bind(3, run_id).Step());
  if (row) {
    const int64_t job_id = s.Int(0);
    DERM_RETURN_IF_ERROR(s.Step().status());  // finishes the UPDATE
    DERM_RETURN_IF_ERROR(InsertEvent(db_, job_id, "RUNNING", derm::v1::RUNNING,
                                     "stopped after epoch " + std::to_string(epoch) + ": " + reason, now_ms));
  }
  return txn.Commit();
}

StatusOr<std::optional<RunStop>> TrainingHistory::Stop(int64_t run_id) {
  DERM_ASSIGN_OR_RETURN(auto s, db_->Prepare("SELECT stopped_epoch, stop_reason FROM runs WHERE id = ? AND "
                                             "stopped_epoch IS NOT NULL"));
  DERM_ASSIGN_OR_RETURN(bool row, s.Bind(1, run_id).Step());
  if (!row) return std::optional<RunStop>();
  return std::optional<RunStop>(RunStop{static_cast<int32_t>(s.Int(0)), s.Text(1)});
}

}  // namespace derm::store
