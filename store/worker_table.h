// The workers table: registrations, last heartbeat and state.
// Thread-safety: not thread-safe; one thread uses a connection at a time.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status_or.h"
#include "derm/v1/jobs.pb.h"
#include "derm/v1/workers.pb.h"

namespace derm::store {

class Database;

class WorkerTable {
 public:
  explicit WorkerTable(Database* db) : db_(db) {}
  // Records a new ACTIVE worker registered by the user `registered_by`; returns its id.
  StatusOr<int64_t> Insert(const derm::v1::RegisterWorkerRequest& worker, const std::string& registered_by,
                           int64_t now_ms);
  Status Touch(int64_t worker_id, int64_t now_ms);
  // NOT_FOUND for an unknown worker.
  Status SetState(int64_t worker_id, derm::v1::WorkerState state);
  // Marks every ACTIVE or DRAINING worker LOST (a restarted scheduler knows none of them).
  Status MarkAllLost();
  // Every worker, newest first, with the job it is running.
  StatusOr<std::vector<derm::v1::WorkerInfo>> List();

 private:
  Database* db_;
};

}  // namespace derm::store
