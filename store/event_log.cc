#include "store/event_log.h"

#include "store/sqlite.h"

namespace derm::store {

Status InsertEvent(Database* db, int64_t job_id, const std::string& from, derm::v1::JobState to,
                   const std::string& cause, int64_t now_ms, int32_t epoch) {
  DERM_ASSIGN_OR_RETURN(auto s, db->Prepare("INSERT INTO events(job_id, time_ms, kind, from_state, to_state, "
                                            "epoch, cause) VALUES (?,?,?,?,?,?,?)"));
  s.Bind(1, job_id).Bind(2, now_ms).Bind(3, epoch ? "epoch" : "state").BindOrNull(4, from, std::string());
  s.Bind(5, derm::v1::JobState_Name(to)).BindOrNull(6, epoch, int32_t{0}).Bind(7, cause);
  return s.Run();
}

namespace {

StatusOr<std::vector<StoredEvent>> ReadEvents(Statement& s) {
  std::vector<StoredEvent> events;
  DERM_RETURN_IF_ERROR(ForEachRow(s, [&](const Statement& row) {
    StoredEvent& e = events.emplace_back();
    e.id = row.Int(0);
    e.time_ms = row.Int(1);
    e.is_epoch = row.Text(2) == "epoch";
    derm::v1::JobState_Parse(row.Text(3), &e.to);
    e.epoch = static_cast<int32_t>(row.Int(4));
    e.cause = row.Text(5);
    e.job_id = row.Int(6);
  }));
  return events;
}

constexpr char kColumns[] = "SELECT id, time_ms, kind, to_state, epoch, cause, job_id FROM events ";

}  // namespace

StatusOr<std::vector<StoredEvent>> EventLog::Since(int64_t job_id, int64_t after_id) {
  DERM_ASSIGN_OR_RETURN(auto s,
                        db_->Prepare(std::string(kColumns) + "WHERE job_id = ? AND id > ? ORDER BY id"));
  s.Bind(1, job_id).Bind(2, after_id);
  return ReadEvents(s);
}

StatusOr<std::vector<StoredEvent>> EventLog::SinceAll(int64_t after_id, int limit) {
  DERM_ASSIGN_OR_RETURN(auto s, db_->Prepare(std::string(kColumns) + "WHERE id > ? ORDER BY id LIMIT ?"));
  s.Bind(1, after_id).Bind(2, limit);
  return ReadEvents(s);
}

StatusOr<int64_t> EventLog::LastId() {
  DERM_ASSIGN_OR_RETURN(auto s, db_->Prepare("SELECT coalesce(max(id), 0) FROM events"));
  DERM_ASSIGN_OR_RETURN(bool row, s.Step());
  return row ? s.Int(0) : 0;
}

}  // namespace derm::store
