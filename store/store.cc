#include "store/store.h"

#include "store/schema.h"
#include "store/sqlite.h"

namespace derm::store {

Store::Store(std::unique_ptr<Database> db, std::string path)
    : db_(std::move(db)),
      path_(std::move(path)),
      jobs_(db_.get()),
      attempts_(db_.get()),
      events_(db_.get()),
      workers_(db_.get()),
      run_writer_(db_.get()),
      runs_(db_.get()),
      shards_(db_.get()),
      predictions_(db_.get()),
      history_(db_.get()),
      models_(db_.get()) {}

Store::~Store() = default;

StatusOr<std::unique_ptr<Store>> Store::Open(const std::string& path) {
  DERM_ASSIGN_OR_RETURN(auto db, Database::Open(path));
  // SQLite opens a file it may not write read-only without a word; every write would then fail.
  if (sqlite3_db_readonly(db->raw(), "main") == 1) {
    return Status(
        StatusCode::kPermissionDenied,
        path + " is read-only (file permissions or a read-only mount); the scheduler must write it");
  }
  {
    DERM_ASSIGN_OR_RETURN(auto check, db->Prepare("PRAGMA quick_check(1)"));
    DERM_ASSIGN_OR_RETURN(bool row, check.Step());
    const std::string verdict = row ? check.Text(0) : "no answer";
    if (verdict != "ok") {
      return DataLoss(path + " failed SQLite's quick_check (" + verdict +
                      "); restore it from a backup or inspect it with sqlite3");
    }
  }
  DERM_RETURN_IF_ERROR(Migrate(db.get()).WithPrefix(path));
  return std::unique_ptr<Store>(new Store(std::move(db), path));
}

StatusOr<std::unique_ptr<Store>> Store::OpenReadOnly(const std::string& path) {
  DERM_ASSIGN_OR_RETURN(auto db, Database::Open(path, /*read_only=*/true));
  return std::unique_ptr<Store>(new Store(std::move(db), path));
}

StatusOr<StoreCounts> Store::Counts() {
  StoreCounts counts;
  counts.jobs_by_state = {{"QUEUED", 0}, {"RUNNING", 0}, {"SUCCEEDED", 0}, {"FAILED", 0}, {"CANCELLED", 0}};
  counts.workers_by_state = {{"ACTIVE", 0}, {"DRAINING", 0}, {"GONE", 0}, {"LOST", 0}};
  for (const auto& group :
       {std::pair{"jobs", &counts.jobs_by_state}, std::pair{"workers", &counts.workers_by_state}}) {
    std::map<std::string, int64_t>* by_state = group.second;
    DERM_ASSIGN_OR_RETURN(
        auto s, db_->Prepare(std::string("SELECT state, count(*) FROM ") + group.first + " GROUP BY state"));
    DERM_RETURN_IF_ERROR(ForEachRow(s, [&](const Statement& row) { (*by_state)[row.Text(0)] = row.Int(1); }));
  }
  counts.rows_written = db_->TotalChanges();
  return counts;
}

Status Store::CheckWritable() {
  DERM_ASSIGN_OR_RETURN(auto s, db_->Prepare("PRAGMA user_version"));
  DERM_ASSIGN_OR_RETURN(bool row, s.Step());
  const std::string version = std::to_string(row ? s.Int(0) : 0);
  const Status written = db_->Exec("PRAGMA user_version = " + version);  // same value, a real write
  if (written.ok()) return written;
  return Unavailable("the results database cannot be written: " + written.message());
}

}  // namespace derm::store
