// Mutex and MutexLock: std::mutex and a scoped lock with clang's thread-safety annotations, so
// that DERM_GUARDED_BY / DERM_REQUIRES are checked at compile time (common/thread_annotations.h).
// Condition variables wait on MutexLock::native().
// Thread-safety: thread-safe (a Mutex); a MutexLock belongs to one thread.
#pragma once

#include <mutex>

#include "common/thread_annotations.h"

namespace derm {

class DERM_CAPABILITY("mutex") Mutex {
 public:
  void Lock() DERM_ACQUIRE() { mu_.lock(); }
  void Unlock() DERM_RELEASE() { mu_.unlock(); }

 private:
  friend class MutexLock;
  std::mutex mu_;
};

class DERM_SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex* mu) DERM_ACQUIRE(mu) : lock_(mu->mu_) {}
  ~MutexLock() DERM_RELEASE() {}
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

  // Lets go of the mutex for a while (slow I/O that must not hold it) and takes it back.
  void Unlock() DERM_RELEASE() { lock_.unlock(); }
  void Lock() DERM_ACQUIRE() { lock_.lock(); }
  // For std::condition_variable::wait*: the wait releases and retakes the mutex.
  std::unique_lock<std::mutex>& native() { return lock_; }

 private:
  std::unique_lock<std::mutex> lock_;
};

}  // namespace derm
