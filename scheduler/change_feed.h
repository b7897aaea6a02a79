// ChangeFeed: tells watchers that something they may see has changed. Writers call Notify after
// a change is durable; a watcher notes version(), reads, and waits for a newer version only when
// what it read was not new, so no change between its read and its wait is missed.
// Thread-safety: thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace derm::scheduler {

class ChangeFeed {
 public:
  uint64_t version() const {
    std::lock_guard<std::mutex> lock(mu_);
    return version_;
  }
  void Notify() {
    std::lock_guard<std::mutex> lock(mu_);
    ++version_;
    cv_.notify_all();
  }
  // Waits until the version differs from `seen`, the feed shuts down or `deadline` passes;
  // false on the deadline.
  bool WaitPast(uint64_t seen, std::chrono::steady_clock::time_point deadline) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_until(lock, deadline, [&] { return version_ != seen || shutdown_; });
  }
  // Wakes every waiter for good (shutdown).
  void Shutdown() {
    std::lock_guard<std::mutex> lock(mu_);
    shutdown_ = true;
    cv_.notify_all();
  }
  bool shut_down() const {
    std::lock_guard<std::mutex> lock(mu_);
    return shutdown_;
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  uint64_t version_ = 0;   // GUARDED_BY(mu_)
  bool shutdown_ = false;  // GUARDED_BY(mu_)
};

}  // namespace derm::scheduler
