#include "store/read_query.h"

#include <sqlite3.h>

#include <chrono>
#include <memory>
#include <set>
#include <string_view>

#include "common/strings.h"

namespace derm::store {
namespace {

// The SQL functions a query may call: SQLite's core, date/time, JSON, math, aggregate and window
// functions. Anything else (fts3_tokenizer returns a pointer; an extension's function may do
// anything) is refused, and so are printf/format (printf('%.*c', 1e9, 'x') loops a billion times
// inside one call, where no time limit reaches; round() and || format numbers instead) and
// randomblob/zeroblob.
bool AllowedFunction(std::string_view name) {
  static const std::set<std::string, std::less<>> kAllowed = {
      // core scalar
      "abs", "char", "coalesce", "concat", "concat_ws", "glob", "hex", "ifnull", "iif", "instr", "length",
      "like", "likelihood", "likely", "lower", "ltrim", "max", "min", "nullif", "octet_length", "quote",
      "random", "replace", "round", "rtrim", "sign", "substr", "substring", "trim", "typeof", "unhex",
      "unicode", "unlikely", "upper",
      // date and time
      "date", "datetime", "julianday", "strftime", "time", "timediff", "unixepoch",
      // aggregates
      "avg", "count", "group_concat", "string_agg", "sum", "total",
      // window
      "row_number", "rank", "dense_rank", "percent_rank", "cume_dist", "ntile", "lag", "lead", "first_value",
      "last_value", "nth_value",
      // math
      "acos", "acosh", "asin", "asinh", "atan", "atan2", "atanh", "ceil", "ceiling", "cos", "cosh", "degrees",
      "exp", "floor", "ln", "log", "log10", "log2", "mod", "pi", "pow", "power", "radians", "sin", "sinh",
      "sqrt", "tan", "tanh", "trunc",
      // JSON
      "json", "json_array", "json_array_length", "json_extract", "json_insert", "json_object", "json_patch",
      "json_quote", "json_remove", "json_replace", "json_set", "json_type", "json_valid", "json_group_array",
      "json_group_object", "json_each", "json_tree"};
  return kAllowed.count(AsciiLower(name)) > 0;
}

struct Denied {
  bool read_audit = false;  // in: audit_events may be read
  std::string function;     // the first function refused, for the message
  std::string table;        // the first table refused
};

bool Hidden(std::string_view table, bool read_audit) {
  return table == "tokens" || (table == "audit_events" && !read_audit);
}

int Authorize(void* arg, int action, const char* arg1, const char* function, const char*, const char*) {
  auto* denied = static_cast<Denied*>(arg);
  switch (action) {
    case SQLITE_FUNCTION:
      if (function && AllowedFunction(function)) return SQLITE_OK;
      if (denied->function.empty()) denied->function = function ? function : "?";
      return SQLITE_DENY;
    case SQLITE_READ:  // arg1: the table
      if (!arg1 || !Hidden(arg1, denied->read_audit)) return SQLITE_OK;
      if (denied->table.empty()) denied->table = arg1;
      return SQLITE_DENY;
    case SQLITE_SELECT:
    case SQLITE_RECURSIVE:
      return SQLITE_OK;
    case SQLITE_UPDATE:
      // Connecting a table-valued function (json_each, json_tree) asks for every column of
      // sqlite_master; the connection is read-only and only read-only statements run, so
      // nothing is written.
      if (arg1 && std::string_view(arg1) == "sqlite_master") return SQLITE_OK;
      return SQLITE_DENY;
    default:
      return SQLITE_DENY;
  }
}

// A column's value as reply text: TEXT that is UTF-8 as it is, anything else (a BLOB, TEXT holding
// other bytes) as an SQL hex literal x'..', so a reply's strings are always valid UTF-8.
std::string ValueText(sqlite3_stmt* stmt, int c) {
  const int type = sqlite3_column_type(stmt, c);
  if (type == SQLITE_NULL) return "";
  const void* bytes = type == SQLITE_BLOB ? sqlite3_column_blob(stmt, c) : sqlite3_column_text(stmt, c);
  const std::string_view v(static_cast<const char*>(bytes), bytes ? sqlite3_column_bytes(stmt, c) : 0);
  if (type != SQLITE_BLOB && FirstInvalidUtf8(v) == std::string_view::npos) return std::string(v);
  std::string out = "x'";
  AppendHex(v, &out);
  return out + "'";
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
  if (sqlite3_exec(raw, "PRAGMA query_only = ON", nullptr, nullptr, nullptr) != SQLITE_OK)
    return Unavailable("cannot make the query connection read-only");
  // No value (a string a function builds, a BLOB) above kMaxQueryValueBytes: this also bounds the
  // time one call of one function can take, which the progress handler cannot interrupt.
  sqlite3_limit(raw, SQLITE_LIMIT_LENGTH, static_cast<int>(kMaxQueryValueBytes));
  sqlite3_limit(raw, SQLITE_LIMIT_LIKE_PATTERN_LENGTH, 1000);  // LIKE/GLOB work grows with it
  Denied denied;
  denied.read_audit = limits.read_audit;
  sqlite3_set_authorizer(raw, Authorize, &denied);
  Deadline deadline{std::chrono::steady_clock::now() + std::chrono::milliseconds(limits.timeout_ms)};
  sqlite3_progress_handler(raw, 1000, Progress, &deadline);

  sqlite3_stmt* stmt = nullptr;
  const char* tail = nullptr;
  int rc = sqlite3_prepare_v2(raw, sql.c_str(), static_cast<int>(sql.size()), &stmt, &tail);
  std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)> guard(stmt, &sqlite3_finalize);
  const std::string error = rc == SQLITE_OK ? "" : sqlite3_errmsg(raw);
  if (!denied.function.empty()) {
    return Status(StatusCode::kPermissionDenied,
                  "the SQL function " + denied.function.substr(0, 64) +
                      " is not allowed in queries (docs/schema.md lists the ones that are)");
  }
  if (!denied.table.empty()) {
    return Status(StatusCode::kPermissionDenied,
                  "the table " + denied.table +
                      (denied.table == "tokens" ? " is never readable through queries"
                                                : " is readable by admins only"));
  }
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
  size_t bytes = 0;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    if (static_cast<int64_t>(result.rows.size()) == limits.max_rows) {
      result.truncated = true;
      break;
    }
    std::vector<std::string> row(n);
    std::vector<bool> nulls(n);
    size_t row_bytes = 0;
    for (int c = 0; c < n; ++c) {
      nulls[c] = sqlite3_column_type(stmt, c) == SQLITE_NULL;
      row[c] = ValueText(stmt, c);
      row_bytes += row[c].size() + 8;
    }
    if (bytes + row_bytes > kMaxQueryReplyBytes) {  // the reply stays well under a message's limit
      result.truncated = true;
      break;
    }
    bytes += row_bytes;
    result.rows.push_back(std::move(row));
    result.nulls.push_back(std::move(nulls));
  }
  if (rc == SQLITE_INTERRUPT) {
    return Status(StatusCode::kDeadlineExceeded,
                  "the query ran past its " + std::to_string(limits.timeout_ms) + " ms limit");
  }
  if (rc == SQLITE_TOOBIG) {
    return InvalidArgument("SQL error: a value would exceed the " +
                           std::to_string(kMaxQueryValueBytes >> 20) + " MiB a query value may have");
  }
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return InvalidArgument(std::string("SQL error: ") + sqlite3_errmsg(raw));
  return result;
}

}  // namespace derm::store
