// ChangeFeed: tells watchers that something they may see has changed. Writers call Notify after
// a change is durable; a watcher notes version(), reads, and waits for a newer version only when
// what it read was not new, so no change between its read and its wait is missed.
// Thread-safety: thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>

#include "common/mutex.h"

namespace derm::scheduler {

class ChangeFeed {
 public:
  uint64_t version() const {
    MutexLock lock(&mu_);
    return version_;
  }
  void Notify() {
    MutexLock lock(&mu_);
    ++version_;
    cv_.notify_all();
  }
  // Waits until the version differs from `seen`, the feed shuts down or `deadline` passes;
  // false on the deadline.
  bool WaitPast(uint64_t seen, std::chrono::steady_clock::time_point deadline) {
    MutexLock lock(&mu_);
    while (version_ == seen && !shutdown_) {
      if (cv_.wait_until(lock.native(), deadline) == std::cv_status::timeout)
        return version_ != seen || shutdown_;
    }
    return true;
  }
  // Wakes every waiter for good (shutdown).
  void Shutdown() {
    MutexLock lock(&mu_);
    shutdown_ = true;
    cv_.notify_all();
  }
  bool shut_down() const {
    MutexLock lock(&mu_);
    return shutdown_;
  }

 private:
  mutable Mutex mu_;
  std::condition_variable cv_;
  uint64_t version_ DERM_GUARDED_BY(mu_) = 0;
  bool shutdown_ DERM_GUARDED_BY(mu_) = false;
};

}  // namespace derm::scheduler
