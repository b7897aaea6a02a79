// AuditLimiter: how many refused calls are written to audit_events, so that a client hammering
// the scheduler with bad tokens cannot fill its disk: a token bucket of `burst` rows refilled at
// `per_second`, with a count of the rows it held back (reported with the next row written).
// Thread-safety: not thread-safe; AccessControl guards it.
#pragma once

#include <algorithm>
#include <cstdint>
#include <utility>

namespace derm::scheduler {

class AuditLimiter {
 public:
  AuditLimiter(int burst, double per_second) : burst_(burst), per_ms_(per_second / 1000), tokens_(burst) {}

  // True when a row may be written at now_ms; false counts it as dropped.
  bool Admit(int64_t now_ms) {
    // A clock stepped back (the system clock was set) refills nothing and takes nothing.
    if (last_ms_ != 0 && now_ms > last_ms_) {
      tokens_ = std::min<double>(burst_, tokens_ + per_ms_ * static_cast<double>(now_ms - last_ms_));
    }
    last_ms_ = std::max(last_ms_, now_ms);
    if (tokens_ < 1) {
      ++dropped_;
      return false;
    }
    tokens_ -= 1;
    return true;
  }
  // The rows dropped since the last call, and resets the count.
  int64_t TakeDropped() { return std::exchange(dropped_, 0); }

 private:
  const int burst_;
  const double per_ms_;
  double tokens_;
  int64_t last_ms_ = 0;
  int64_t dropped_ = 0;
};

}  // namespace derm::scheduler
