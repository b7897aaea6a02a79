// OwnerLock: the one derm-scheduler that writes a results database. Two schedulers on one file
// would each lease the other's jobs and accept the other's stale results (fencing lives in each
// one's memory), so the second refuses to start. The lock is flock(2) on "<db>.lock", which the
// kernel drops when the holder exits in any way (SIGKILL included): a restarted scheduler never
// finds a stale lock. Readers (dermctl query, sqlite3) are not affected.
// Thread-safety: immutable after Acquire.
#pragma once

#include <memory>
#include <string>

#include "common/status_or.h"

namespace derm::store {

class OwnerLock {
 public:
  // Takes the lock for `db_path`, or FAILED_PRECONDITION naming the process that holds it.
  static StatusOr<std::unique_ptr<OwnerLock>> Acquire(const std::string& db_path);
  ~OwnerLock();
  OwnerLock(const OwnerLock&) = delete;
  OwnerLock& operator=(const OwnerLock&) = delete;

 private:
  explicit OwnerLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace derm::store
