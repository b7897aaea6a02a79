// Read-only SQL for analysts (the Query RPC, `dermctl query`). Each query runs on its own
// read-only connection, so it never blocks the scheduler's writes (WAL) and cannot change
// anything: SQLite itself enforces read-only (SQLITE_OPEN_READONLY, query_only), an authorizer
// allows only reads (no ATTACH, no PRAGMA) and known SQL functions, a progress handler enforces
// the time limit, and SQLite's length limit bounds every value (and so the work of one function
// call, which the progress handler cannot interrupt).
// A reply holds at most max_rows rows and kMaxQueryReplyBytes of values; BLOBs (and TEXT that
// is not UTF-8) come back as SQL hex literals, x'00ff'.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/status_or.h"

namespace derm::store {

inline constexpr size_t kMaxQueryValueBytes = size_t{16} << 20;
inline constexpr size_t kMaxQueryReplyBytes = size_t{32} << 20;

struct QueryLimits {
  int64_t max_rows = 1000;
  int64_t timeout_ms = 5000;
  // The tokens table (hashes of secrets) is never readable; audit_events only with this set
  // (admins).
  bool read_audit = false;
};

struct QueryResult {
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;  // NULL as ""
  std::vector<std::vector<bool>> nulls;
  bool truncated = false;  // more rows than max_rows, or than kMaxQueryReplyBytes holds
};

// Runs one SELECT statement against the database file `db_path`.
// PERMISSION_DENIED for anything but reading (or reading a table the limits keep out),
// DEADLINE_EXCEEDED past the time limit,
// INVALID_ARGUMENT for SQL errors or several statements.
StatusOr<QueryResult> RunReadOnlyQuery(const std::string& db_path, const std::string& sql,
                                       const QueryLimits& limits);

}  // namespace derm::store
