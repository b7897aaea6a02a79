// The scheduler's settings (derm-scheduler flags).
#pragma once

#include <cstdint>

#include "scheduler/export_dir.h"

namespace derm::scheduler {

struct SchedulerOptions {
  int64_t heartbeat_interval_ms = 2000;
  int64_t lease_timeout_ms = 15000;  // a lease not renewed for this long expires
  // A retried job waits retry_backoff_ms * 2^(attempts - 1), at most max_retry_backoff_ms.
  int64_t retry_backoff_ms = 1000;
  int64_t max_retry_backoff_ms = 60000;
  // Long polls (AcquireTask) waiting at once; one more is answered UNAVAILABLE at once, and the
  // worker retries after a backoff.
  int max_long_polls = 256;
  // --export-dir: the only folder infer.output_csv files are written to; none by default.
  ExportDir export_dir;
};

}  // namespace derm::scheduler
