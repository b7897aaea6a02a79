// AccessStore: the access tables (tokens, audit_events) on a connection of their own to the
// results database, so that authenticating and auditing calls never wait for the scheduler's
// writer lock. It writes only those two tables; the database must already be migrated (open the
// scheduler's Store first).
// Thread-safety: not thread-safe; its owner (scheduler/access/access_control.h) serialises use.
#pragma once

#include <memory>
#include <string>

#include "common/status_or.h"
#include "store/audit_log.h"
#include "store/token_table.h"

namespace derm::store {

class Database;

class AccessStore {
 public:
  // FAILED_PRECONDITION when the database at `path` is not at this binary's schema version.
  static StatusOr<std::unique_ptr<AccessStore>> Open(const std::string& path);
  ~AccessStore();

  TokenTable& tokens() { return tokens_; }
  AuditLog& audit() { return audit_; }

 private:
  explicit AccessStore(std::unique_ptr<Database> db);
  std::unique_ptr<Database> db_;
  TokenTable tokens_;
  AuditLog audit_;
};

}  // namespace derm::store
