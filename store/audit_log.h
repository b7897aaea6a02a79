// The audit_events table: calls that were refused (UNAUTHENTICATED, PERMISSION_DENIED) and changes
// to who may do what (tokens created, revoked, the bootstrap admin token), newest last.
// Thread-safety: not thread-safe; one thread uses a connection at a time.
#pragma once

#include <cstdint>
#include <vector>

#include "common/status_or.h"
#include "derm/v1/access.pb.h"

namespace derm::store {

class Database;

class AuditLog {
 public:
  explicit AuditLog(Database* db) : db_(db) {}
  // Appends `event` (its id is assigned; time_ms, principal, action, outcome, detail, peer are
  // stored as given, the strings cut to 1 KiB).
  Status Append(const derm::v1::AuditEvent& event);
  // At most `limit` events older than `before_id` (0: the newest), newest first.
  StatusOr<std::vector<derm::v1::AuditEvent>> List(int64_t before_id, int limit);

 private:
  Database* db_;
};

// Appends an audit event inside the caller's transaction. Internal to store/.
Status InsertAuditRow(Database* db, const derm::v1::AuditEvent& event);

}  // namespace derm::store
