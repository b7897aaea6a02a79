#include "store/read_query.h"

#include <sqlite3.h>

#include <chrono>
#include <memory>

namespace derm::store {
namespace {

int Authorize(void*, int action, const char*, const char*, const char*, const char*) {
  switch (action) {
    case SQLITE_SELECT:
    case SQLITE_READ:
    case SQLITE_FUNCTION:
    case SQLITE_RECURSIVE:
      return SQLITE_OK;
    default:
      return SQLITE_DENY;
  }
}

struct Deadline {
  std::chrono::steady_clock::time_point at;
};

int Progress(void* arg) { return std::chrono::steady_clock::now() > static_cast<Deadline*>(arg)->at ? 1 : 0; }

}  // namespace

StatusOr<QueryResult> RunReadOnlyQuery(const std::string& db_path, const std::string& sql,
                                       const QueryLimits& limits) {
  if (sql.size() > 100000) return InvalidArgument("query is longer than 100000 characters");
  if (limits.max_rows < 1 || limits.max_rows > 100000)
    return InvalidArgument("max_rows must be between 1 and 100000");
  if (limits.timeout_ms < 1 || limits.timeout_ms > 60000)
    return InvalidArgument("timeout_ms must be between 1 and 60000");
  sqlite3* raw = nullptr;
  if (sqlite3_open_v2(db_path.c_str(), &raw, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr) !=
      SQLITE_OK) {
    sqlite3_close(raw);
    return Unavailable("cannot open the results database read-only");
  }
  std::unique_ptr<sqlite3, decltype(&sqlite3_close)> db(raw, &sqlite3_close);
  sqlite3_busy_timeout(raw, 2000);
  sqlite3_exec(raw, "PRAGMA query_only = ON", nullptr, nullptr, nullptr);
  sqlite3_set_authorizer(raw, Authorize, nullptr);
  Deadline deadline{std::chrono::steady_clock::now() + std::chrono::milliseconds(limits.timeout_ms)};
  sqlite3_progress_handler(raw, 1000, Progress, &deadline);

  sqlite3_stmt* stmt = nullptr;
  const char* tail = nullptr;
  int rc = sqlite3_prepare_v2(raw, sql.c_str(), static_cast<int>(sql.size()), &stmt, &tail);
  std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)> guard(stmt, &sqlite3_finalize);
  const std::string error = rc == SQLITE_OK ? "" : sqlite3_errmsg(raw);
  if (rc == SQLITE_AUTH || error == "not authorized") {
    return Status(StatusCode::kPermissionDenied, "the query call is read-only: only SELECT is allowed");
  }
  if (rc != SQLITE_OK) return InvalidArgument(std::string("SQL error: ") + sqlite3_errmsg(raw));
  if (!stmt) return InvalidArgument("the query is empty");
  for (const char* p = tail; p && *p; ++p) {
    if (*p != ' ' && *p != '\n' && *p != '\t' && *p != '\r' && *p != ';') {
      return InvalidArgument("send one statement per query");
    }
  }
  if (!sqlite3_stmt_readonly(stmt)) {
    return Status(StatusCode::kPermissionDenied, "the query call is read-only: only SELECT is allowed");
  }
  QueryResult result;
  const int n = sqlite3_column_count(stmt);
  for (int c = 0; c < n; ++c) result.columns.push_back(sqlite3_column_name(stmt, c));
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    if (static_cast<int64_t>(result.rows.size()) == limits.max_rows) {
      result.truncated = true;
      break;
    }
    std::vector<std::string> row(n);
    std::vector<bool> nulls(n);
    for (int c = 0; c < n; ++c) {
      nulls[c] = sqlite3_column_type(stmt, c) == SQLITE_NULL;
      const unsigned char* text = sqlite3_column_text(stmt, c);
      if (text) row[c].assign(reinterpret_cast<const char*>(text), sqlite3_column_bytes(stmt, c));
    }
    result.rows.push_back(std::move(row));
    result.nulls.push_back(std::move(nulls));
  }
  if (rc == SQLITE_INTERRUPT) {
    return Status(StatusCode::kDeadlineExceeded,
                  "the query ran past its " + std::to_string(limits.timeout_ms) + " ms limit");
  }
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return InvalidArgument(std::string("SQL error: ") + sqlite3_errmsg(raw));
  return result;
}

}  // namespace derm::store
