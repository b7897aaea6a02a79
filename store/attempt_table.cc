#include "store/attempt_table.h"

#include "store/event_log.h"
#include "store/sqlite.h"

namespace derm::store {

Status EndAttemptRow(Database* db, int64_t attempt_id, AttemptState attempt_state, const std::string& cause,
                     int64_t now_ms) {
  DERM_ASSIGN_OR_RETURN(
      auto s,
      db->Prepare(
          "UPDATE attempts SET state = ?, cause = ?, ended_ms = ? WHERE id = ? AND state = 'RUNNING'"));
  return s.Bind(1, AttemptStateName(attempt_state)).Bind(2, cause).Bind(3, now_ms).Bind(4, attempt_id).Run();
}

Status MoveJobRow(Database* db, int64_t job_id, derm::v1::JobState job_state, const std::string& cause,
                  int64_t now_ms, int64_t not_before_ms) {
  std::string from;
  {
    DERM_ASSIGN_OR_RETURN(auto s, db->Prepare("SELECT state FROM jobs WHERE id = ?"));
    DERM_ASSIGN_OR_RETURN(bool row, s.Bind(1, job_id).Step());
    if (!row) return NotFound("job " + std::to_string(job_id) + " does not exist");
    from = s.Text(0);
  }
  {
    DERM_ASSIGN_OR_RETURN(
        auto s,
        db->Prepare(
            "UPDATE jobs SET state = ?, message = ?, updated_ms = ?, not_before_ms = ? WHERE id = ?"));
    const std::string message = job_state == derm::v1::SUCCEEDED ? "" : cause;
    s.Bind(1, derm::v1::JobState_Name(job_state)).Bind(2, message).Bind(3, now_ms).Bind(4, not_before_ms);
    DERM_RETURN_IF_ERROR(s.Bind(5, job_id).Run());
  }
  if (job_state != derm::v1::QUEUED && job_state != derm::v1::RUNNING) {
    DERM_ASSIGN_OR_RETURN(auto s,
                          db->Prepare("UPDATE runs SET ended_ms = ? WHERE job_id = ? AND ended_ms IS NULL"));
    DERM_RETURN_IF_ERROR(s.Bind(1, now_ms).Bind(2, job_id).Run());
  }
  return InsertEvent(db, job_id, from, job_state, cause, now_ms);
}

StatusOr<int64_t> AttemptTable::Start(int64_t job_id, int64_t worker_id, int64_t now_ms) {
  Transaction txn(db_);
  DERM_RETURN_IF_ERROR(txn.status());
  {
    DERM_ASSIGN_OR_RETURN(
        auto s, db_->Prepare("UPDATE jobs SET state = 'RUNNING', attempts = attempts + 1, updated_ms = ? "
                             "WHERE id = ? AND state = 'QUEUED'"));
    DERM_RETURN_IF_ERROR(s.Bind(1, now_ms).Bind(2, job_id).Run());
    if (db_->Changes() != 1) return FailedPrecondition("job " + std::to_string(job_id) + " is not QUEUED");
  }
  DERM_ASSIGN_OR_RETURN(
      auto s,
      db_->Prepare("INSERT INTO attempts(job_id, worker_id, state, started_ms) VALUES (?,?,'RUNNING',?)"));
  DERM_RETURN_IF_ERROR(s.Bind(1, job_id).Bind(2, worker_id).Bind(3, now_ms).Run());
  const int64_t attempt_id = db_->LastInsertId();
  DERM_RETURN_IF_ERROR(InsertEvent(db_, job_id, "QUEUED", derm::v1::RUNNING,
                                   "leased by worker " + std::to_string(worker_id), now_ms));
  DERM_RETURN_IF_ERROR(txn.Commit());
  return attempt_id;
}

Status AttemptTable::End(int64_t job_id, int64_t attempt_id, AttemptState attempt_state,
                         derm::v1::JobState job_state, const std::string& cause, int64_t now_ms,
                         int64_t not_before_ms) {
  Transaction txn(db_);
  DERM_RETURN_IF_ERROR(txn.status());
  if (attempt_id != 0) DERM_RETURN_IF_ERROR(EndAttemptRow(db_, attempt_id, attempt_state, cause, now_ms));
  DERM_RETURN_IF_ERROR(MoveJobRow(db_, job_id, job_state, cause, now_ms, not_before_ms));
  return txn.Commit();
}

Status AttemptTable::EndJob(int64_t job_id, AttemptState attempt_state, derm::v1::JobState job_state,
                            const std::string& cause, int64_t now_ms) {
  Transaction txn(db_);
  DERM_RETURN_IF_ERROR(txn.status());
  {
    DERM_ASSIGN_OR_RETURN(auto s,
                          db_->Prepare("SELECT id FROM attempts WHERE job_id = ? AND state = 'RUNNING'"));
    std::vector<int64_t> running;
    DERM_RETURN_IF_ERROR(
        ForEachRow(s.Bind(1, job_id), [&](const Statement& row) { running.push_back(row.Int(0)); }));
    for (int64_t id : running) DERM_RETURN_IF_ERROR(EndAttemptRow(db_, id, attempt_state, cause, now_ms));
  }
  // Shards a job never finished stay QUEUED, so the table says which are done.
  {
    DERM_ASSIGN_OR_RETURN(auto s, db_->Prepare("UPDATE shards SET state = 'QUEUED', attempt_id = NULL "
                                               "WHERE job_id = ? AND state = 'RUNNING'"));
    DERM_RETURN_IF_ERROR(s.Bind(1, job_id).Run());
  }
  DERM_RETURN_IF_ERROR(MoveJobRow(db_, job_id, job_state, cause, now_ms, 0));
  return txn.Commit();
}

StatusOr<std::vector<AttemptTable::Running>> AttemptTable::RunningOf(int64_t job_id) {
  DERM_ASSIGN_OR_RETURN(auto s, db_->Prepare("SELECT id, coalesce(shard, -1) FROM attempts "
                                             "WHERE job_id = ? AND state = 'RUNNING' ORDER BY id"));
  std::vector<Running> out;
  DERM_RETURN_IF_ERROR(ForEachRow(s.Bind(1, job_id), [&](const Statement& row) {
    out.push_back({row.Int(0), static_cast<int32_t>(row.Int(1))});
  }));
  return out;
}

StatusOr<int32_t> AttemptTable::PreemptedOf(int64_t job_id) {
  DERM_ASSIGN_OR_RETURN(
      auto s, db_->Prepare("SELECT count(*) FROM attempts WHERE job_id = ? AND state = 'PREEMPTED'"));
  DERM_ASSIGN_OR_RETURN(bool row, s.Bind(1, job_id).Step());
  return row ? static_cast<int32_t>(s.Int(0)) : 0;
}

Status AttemptTable::SetBackboneBatch(int64_t attempt_id, int32_t batch) {
  DERM_ASSIGN_OR_RETURN(auto s, db_->Prepare("UPDATE attempts SET backbone_batch = ? WHERE id = ?"));
  return s.BindOrNull(1, batch, int32_t{0}).Bind(2, attempt_id).Run();
}

Status AttemptTable::MarkOutOfMemory(int64_t attempt_id, int32_t used) {
  DERM_ASSIGN_OR_RETURN(
      auto s, db_->Prepare("UPDATE attempts SET out_of_memory = 1, backbone_batch = ? WHERE id = ?"));
  return s.Bind(1, used).Bind(2, attempt_id).Run();
}

StatusOr<int32_t> AttemptTable::OutOfMemoryBatch(int64_t job_id) {
  DERM_ASSIGN_OR_RETURN(auto s, db_->Prepare("SELECT min(backbone_batch) FROM attempts WHERE job_id = ? AND "
                                             "out_of_memory = 1"));
  DERM_ASSIGN_OR_RETURN(bool row, s.Bind(1, job_id).Step());
  return row && !s.IsNull(0) ? static_cast<int32_t>(s.Int(0)) : 0;
}

}  // namespace derm::store
