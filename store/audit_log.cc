#include "store/audit_log.h"

#include "common/strings.h"
#include "store/sqlite.h"

namespace derm::store {

namespace {
constexpr size_t kMaxAuditText = 1024;  // what a caller sends may end up here: bounded
}

Status InsertAuditRow(Database* db, const derm::v1::AuditEvent& e) {
  DERM_ASSIGN_OR_RETURN(auto s, db->Prepare("INSERT INTO audit_events(time_ms, principal, action, outcome, "
                                            "detail, peer) VALUES (?,?,?,?,?,?)"));
  s.Bind(1, e.time_ms()).Bind(2, TruncateUtf8(e.principal(), kMaxAuditText));
  s.Bind(3, TruncateUtf8(e.action(), kMaxAuditText)).Bind(4, e.outcome());
  s.Bind(5, TruncateUtf8(e.detail(), kMaxAuditText)).Bind(6, TruncateUtf8(e.peer(), kMaxAuditText));
  return s.Run();
}

Status AuditLog::Append(const derm::v1::AuditEvent& event) { return InsertAuditRow(db_, event); }

StatusOr<std::vector<derm::v1::AuditEvent>> AuditLog::List(int64_t before_id, int limit) {
  DERM_ASSIGN_OR_RETURN(auto s, db_->Prepare("SELECT id, time_ms, principal, action, outcome, detail, peer "
                                             "FROM audit_events WHERE ? = 0 OR id < ? ORDER BY id DESC "
                                             "LIMIT ?"));
  s.Bind(1, before_id).Bind(2, before_id).Bind(3, limit);
  std::vector<derm::v1::AuditEvent> events;
  DERM_RETURN_IF_ERROR(ForEachRow(s, [&](const Statement& row) {
    derm::v1::AuditEvent& e = events.emplace_back();
    e.set_id(row.Int(0));
    e.set_time_ms(row.Int(1));
    e.set_principal(row.Text(2));
    e.set_action(row.Text(3));
    e.set_outcome(row.Text(4));
    e.set_detail(row.Text(5));
    e.set_peer(row.Text(6));
  }));
  return events;
}

}  // namespace derm::store
