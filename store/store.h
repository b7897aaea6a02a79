// Store: derm's results database (jobs, attempts, runs, params, metrics, confusion cells,
// predictions, checkpoints, events), one table group per class. Each table method is one
// transaction: it either happens whole and durably or not at all. The scheduler is the only
// writer; it and people (sqlite3, pandas, docs/schema.md's views) read the same file.
// SQLite itself stays inside store/: nothing here exposes a connection.
// Thread-safety: not thread-safe; one thread uses a Store (and its tables) at a time.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "common/status_or.h"
#include "store/attempt_table.h"
#include "store/event_log.h"
#include "store/job_table.h"
#include "store/model_registry.h"
#include "store/prediction_pages.h"
#include "store/run_reader.h"
#include "store/run_writer.h"
#include "store/shard_table.h"
#include "store/training_history.h"
#include "store/worker_table.h"

namespace derm::store {

class Database;

// Counts for the scheduler's /metrics.
struct StoreCounts {
  std::map<std::string, int64_t> jobs_by_state, workers_by_state;
  int64_t rows_written = 0;  // rows inserted, updated or deleted through this connection
};

class Store {
 public:
  // Opens or creates the database at `path` for writing: refuses a read-only file and one that
  // fails SQLite's quick_check, and migrates it to the current schema.
  static StatusOr<std::unique_ptr<Store>> Open(const std::string& path);
  // Opens an existing database read-only (every write fails with PERMISSION_DENIED). Readers
  // use one so that they never wait for the writer.
  static StatusOr<std::unique_ptr<Store>> OpenReadOnly(const std::string& path);
  ~Store();

  JobTable& jobs() { return jobs_; }
  AttemptTable& attempts() { return attempts_; }
  EventLog& events() { return events_; }
  WorkerTable& workers() { return workers_; }
  RunWriter& run_writer() { return run_writer_; }
  RunReader& runs() { return runs_; }
  ShardTable& shards() { return shards_; }
  PredictionPages& predictions() { return predictions_; }
  TrainingHistory& history() { return history_; }
  ModelRegistry& models() { return models_; }

  StatusOr<StoreCounts> Counts();
  // OK when the database can be written (it rewrites its header: a full disk or a read-only
  // mount fail here), UNAVAILABLE naming the problem otherwise.
  Status CheckWritable();
  const std::string& path() const { return path_; }

 private:
  Store(std::unique_ptr<Database> db, std::string path);

  std::unique_ptr<Database> db_;
  const std::string path_;
  JobTable jobs_;
  AttemptTable attempts_;
  EventLog events_;
  WorkerTable workers_;
  RunWriter run_writer_;
  RunReader runs_;
  ShardTable shards_;
  PredictionPages predictions_;
  TrainingHistory history_;
  ModelRegistry models_;
};

}  // namespace derm::store
