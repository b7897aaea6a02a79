// DiskFull: while it lives, this process can write no byte to a regular file (RLIMIT_FSIZE 0, with
// SIGXFSZ ignored so writes fail with EFBIG instead of killing the process): SQLite's writes fail
// as on a full disk, while reads and pipes keep working. Restores both on destruction.
#pragma once

#include <signal.h>
#include <sys/resource.h>

namespace derm::testing {

class DiskFull {
 public:
  DiskFull() {
    getrlimit(RLIMIT_FSIZE, &saved_);
    old_handler_ = signal(SIGXFSZ, SIG_IGN);
    rlimit none = saved_;
    none.rlim_cur = 0;
    setrlimit(RLIMIT_FSIZE, &none);
  }
  ~DiskFull() {
    setrlimit(RLIMIT_FSIZE, &saved_);
    signal(SIGXFSZ, old_handler_);
  }
  DiskFull(const DiskFull&) = delete;
  DiskFull& operator=(const DiskFull&) = delete;

 private:
  rlimit saved_{};
  sighandler_t old_handler_ = SIG_DFL;
};

}  // namespace derm::testing
