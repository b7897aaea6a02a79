// UtcTime: milliseconds since the Unix epoch as people read them in listings and logs.
// Thread-safety: thread-safe.
#pragma once

#include <cstdint>
#include <ctime>
#include <string>

namespace derm {

// "2026-12-03 16:31:47" (UTC) for milliseconds since the epoch; "" for 0 or less.
inline std::string UtcTime(int64_t ms) {
  if (ms <= 0) return "";
  const std::time_t t = ms / 1000;
  std::tm tm;
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

}  // namespace derm
