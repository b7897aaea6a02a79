// A small adapter over the SQLite C API: every call returns Status, nothing throws, handles are
// RAII. This is the only file that talks to sqlite3 directly.
// Thread-safety: a Database and its Statements are used by one thread at a time.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>

#include "common/status.h"
#include "common/status_or.h"

namespace derm::store {

class Statement;

// SQLite's length limit on every connection: no string or BLOB value is larger.
inline constexpr int kMaxValueBytes = 128 << 20;

class Database {
 public:
  // Opens (creating if needed) the database at `path` (":memory:" for tests) with WAL journaling,
  // foreign keys and a busy timeout. `read_only` opens with SQLITE_OPEN_READONLY.
  static StatusOr<std::unique_ptr<Database>> Open(const std::string& path, bool read_only = false);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Runs one or more statements that return no rows.
  Status Exec(std::string_view sql);
  StatusOr<Statement> Prepare(std::string_view sql);
  int64_t LastInsertId() const { return sqlite3_last_insert_rowid(db_); }
  int Changes() const { return sqlite3_changes(db_); }
  // Rows inserted, updated or deleted through this connection since it opened.
  int64_t TotalChanges() const { return sqlite3_total_changes(db_); }
  sqlite3* raw() { return db_; }

 private:
  explicit Database(sqlite3* db) : db_(db) {}
  sqlite3* db_;
};

class Statement {
 public:
  Statement(Statement&& other) noexcept : stmt_(other.stmt_), db_(other.db_), bind_rc_(other.bind_rc_) {
    other.stmt_ = nullptr;
  }
  Statement& operator=(Statement&&) = delete;
  ~Statement() { sqlite3_finalize(stmt_); }

  // Binds parameter `i` (1-based). Returns *this for chaining; a failed bind (an index out of
  // range, a value over SQLite's length limit) surfaces at the next Step() or Run().
  Statement& Bind(int i, int64_t v) { return Check(sqlite3_bind_int64(stmt_, i, v)); }
  Statement& Bind(int i, int v) { return Bind(i, static_cast<int64_t>(v)); }
  Statement& Bind(int i, double v) { return Check(sqlite3_bind_double(stmt_, i, v)); }
  Statement& Bind(int i, std::string_view v) {
    return Check(sqlite3_bind_text64(stmt_, i, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
  }
  Statement& Bind(int i, const char* v) { return Bind(i, std::string_view(v)); }
  Statement& Bind(int i, const std::string& v) { return Bind(i, std::string_view(v)); }
  Statement& BindBlob(int i, std::string_view v) {
    return Check(sqlite3_bind_blob64(stmt_, i, v.data(), v.size(), SQLITE_TRANSIENT));
  }
  Statement& BindNull(int i) { return Check(sqlite3_bind_null(stmt_, i)); }
  // Binds `v`, or NULL when it equals `null_value` (an absent key, a 0 id).
  template <typename T>
  Statement& BindOrNull(int i, const T& v, const T& null_value) {
    return v == null_value ? BindNull(i) : Bind(i, v);
  }

  // Advances: true when a row is available, false when done.
  StatusOr<bool> Step();
  // Steps to completion, for statements that return no rows.
  Status Run();
  // Resets for re-execution with new bindings.
  void Reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    bind_rc_ = SQLITE_OK;
  }

  int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }
  double Double(int col) const { return sqlite3_column_double(stmt_, col); }
  bool IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  std::string Text(int col) const;
  std::string Blob(int col) const;
  int ColumnCount() const { return sqlite3_column_count(stmt_); }
  std::string ColumnName(int col) const { return sqlite3_column_name(stmt_, col); }

 private:
  friend class Database;
  Statement(sqlite3_stmt* stmt, sqlite3* db) : stmt_(stmt), db_(db) {}
  Statement& Check(int rc) {
    if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
    return *this;
  }
  sqlite3_stmt* stmt_;
  sqlite3* db_;
  int bind_rc_ = SQLITE_OK;  // the first failed bind since the last Reset
};

// Steps `s` to its end, calling `row(s)` for each row. `row` returns void or Status; a non-OK
// Status stops the iteration and is returned.
template <typename RowFn>
Status ForEachRow(Statement& s, RowFn&& row) {
  while (true) {
    DERM_ASSIGN_OR_RETURN(bool more, s.Step());
    if (!more) return Status::Ok();
    if constexpr (std::is_void_v<decltype(row(static_cast<const Statement&>(s)))>) {
      row(static_cast<const Statement&>(s));
    } else {
      DERM_RETURN_IF_ERROR(row(static_cast<const Statement&>(s)));
    }
  }
}

// RAII transaction: BEGIN IMMEDIATE on construction, ROLLBACK unless Commit() succeeded.
class Transaction {
 public:
  explicit Transaction(Database* db);
  ~Transaction();
  const Status& status() const { return begin_; }
  Status Commit();

 private:
  Database* db_;
  Status begin_;
  bool done_ = false;
};

}  // namespace derm::store
