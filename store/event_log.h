// The events table: each job's state changes and stored epochs, in order. Watchers read it.
// Thread-safety: not thread-safe; one thread uses a connection at a time.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status_or.h"
#include "derm/v1/jobs.pb.h"

namespace derm::store {

class Database;

// A row of the events table: a job's state change, or an epoch whose metrics were stored.
struct StoredEvent {
  int64_t id = 0;
  int64_t job_id = 0;
  int64_t time_ms = 0;
  bool is_epoch = false;
  derm::v1::JobState to = derm::v1::JOB_STATE_UNSPECIFIED;
  int32_t epoch = 0;  // is_epoch
  std::string cause;
};

class EventLog {
 public:
  explicit EventLog(Database* db) : db_(db) {}
  // The job's events with id > after_id, oldest first.
  StatusOr<std::vector<StoredEvent>> Since(int64_t job_id, int64_t after_id);
  // Every job's events with id > after_id, oldest first, at most `limit`.
  StatusOr<std::vector<StoredEvent>> SinceAll(int64_t after_id, int limit);
  // The newest event's id (0 when there is none).
  StatusOr<int64_t> LastId();

 private:
  Database* db_;
};

// Appends an event inside the caller's transaction: a state change `from` -> `to` (`from` empty
// for a new job), or with `epoch` > 0 a stored epoch. Internal to store/.
Status InsertEvent(Database* db, int64_t job_id, const std::string& from, derm::v1::JobState to,
                   const std::string& cause, int64_t now_ms, int32_t epoch = 0);

}  // namespace derm::store
