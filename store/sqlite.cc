#include "store/sqlite.h"

namespace derm::store {
namespace {

Status Error(sqlite3* db, int rc, std::string_view what) {
  const char* msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  StatusCode code = StatusCode::kInternal;
  // A busy database, a full disk or a failing write may pass: callers retry (a worker whose
  // report could not be stored tries again instead of giving the attempt up).
  const int primary = rc & 0xff;
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED || primary == SQLITE_FULL ||
      primary == SQLITE_IOERR) {
    code = StatusCode::kUnavailable;
  }
  if (rc == SQLITE_CONSTRAINT) code = StatusCode::kFailedPrecondition;
  if (rc == SQLITE_READONLY || rc == SQLITE_AUTH) code = StatusCode::kPermissionDenied;
  if (rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB) code = StatusCode::kDataLoss;
  if (rc == SQLITE_ERROR || rc == SQLITE_TOOBIG || rc == SQLITE_RANGE) code = StatusCode::kInvalidArgument;
  return Status(code, std::string("sqlite: ") + msg + " (in " + std::string(what.substr(0, 80)) + ")");
}

}  // namespace

StatusOr<std::unique_ptr<Database>> Database::Open(const std::string& path, bool read_only) {
  sqlite3* raw = nullptr;
  const int flags = read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Status s = Error(raw, rc, "open " + path);
    sqlite3_close(raw);
    return s;
  }
  std::unique_ptr<Database> db(new Database(raw));
  sqlite3_busy_timeout(raw, 5000);
  // No stored string or BLOB above this (the largest, a model file, is at most 64 MiB).
  sqlite3_limit(raw, SQLITE_LIMIT_LENGTH, kMaxValueBytes);
  DERM_RETURN_IF_ERROR(db->Exec("PRAGMA foreign_keys=ON"));
  if (!read_only) {
    // WAL: readers (dermctl, sqlite3, pandas) read while the scheduler writes. synchronous=FULL:
    // every acknowledged commit survives power loss.
    DERM_RETURN_IF_ERROR(db->Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL"));
  }
  return db;
}

Database::~Database() { sqlite3_close_v2(db_); }

Status Database::Exec(std::string_view sql) {
  char* err = nullptr;
  std::string s(sql);
  int rc = sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    sqlite3_free(err);
    return Error(db_, rc, sql);
  }
  return Status::Ok();
}

StatusOr<Statement> Database::Prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) return Error(db_, rc, sql);
  return Statement(stmt, db_);
}

StatusOr<bool> Statement::Step() {
  if (bind_rc_ != SQLITE_OK) return Error(nullptr, bind_rc_, std::string("binding ") + sqlite3_sql(stmt_));
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return Error(db_, rc, sqlite3_sql(stmt_));
}

Status Statement::Run() {
  while (true) {
    DERM_ASSIGN_OR_RETURN(bool row, Step());
    if (!row) return Status::Ok();
  }
}

std::string Statement::Text(int col) const {
  const unsigned char* p = sqlite3_column_text(stmt_, col);
  return p ? std::string(reinterpret_cast<const char*>(p), sqlite3_column_bytes(stmt_, col)) : "";
}

std::string Statement::Blob(int col) const {
  const void* p = sqlite3_column_blob(stmt_, col);
  return p ? std::string(static_cast<const char*>(p), sqlite3_column_bytes(stmt_, col)) : "";
}

Transaction::Transaction(Database* db) : db_(db), begin_(db->Exec("BEGIN IMMEDIATE")) {}

Transaction::~Transaction() {
  // A failed ROLLBACK leaves nothing to undo: SQLite rolls back an open transaction itself when
  // a statement fails or the connection closes.
  if (begin_.ok() && !done_) (void)db_->Exec("ROLLBACK");
}

Status Transaction::Commit() {
  DERM_RETURN_IF_ERROR(begin_);
  DERM_RETURN_IF_ERROR(db_->Exec("COMMIT"));
  done_ = true;
  return Status::Ok();
}

}  // namespace derm::store
