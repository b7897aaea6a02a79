// LeaseTable: the running attempts, each leased to one worker until a deadline its heartbeats
// push back, with the progress of its latest heartbeat for watchers. In memory only: at start-up
// the Scheduler ends every attempt a previous process left RUNNING.
// Thread-safety: not thread-safe; the Scheduler guards it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "common/status_or.h"
#include "derm/v1/workers.pb.h"

namespace derm::scheduler {

struct Lease {
  int64_t job_id = 0, run_id = 0, worker_id = 0;
  int64_t deadline_ms = 0;
  derm::v1::Progress progress;  // from the latest heartbeat
  uint64_t progress_seq = 0;    // when it arrived (LeaseTable's counter), 0: none yet
  int32_t shard = -1;           // infer: the leased shard
};

class LeaseTable {
 public:
  explicit LeaseTable(int64_t timeout_ms) : timeout_ms_(timeout_ms) {}

  // Leases `attempt_id` until now_ms + the timeout.
  void Add(int64_t attempt_id, Lease lease, int64_t now_ms);
  // The attempt's lease, renewed until now_ms + the timeout, when the worker `worker_id` holds it.
  // PERMISSION_DENIED when another worker does (nothing is renewed); FAILED_PRECONDITION when the
  // attempt holds none (it ended, was cancelled or its lease expired).
  StatusOr<Lease*> Renew(int64_t attempt_id, int64_t worker_id, int64_t now_ms);
  // The attempt's lease; nullptr when it holds none.
  const Lease* Find(int64_t attempt_id) const {
    auto it = leases_.find(attempt_id);
    return it == leases_.end() ? nullptr : &it->second;
  }
  // Keeps a heartbeat's progress for watchers.
  void SetProgress(Lease* lease, const derm::v1::Progress& progress);
  // Removes and returns the attempt's lease, if it has one.
  std::optional<Lease> Take(int64_t attempt_id);
  // Removes every lease of the job (its workers learn at their next heartbeat).
  void RemoveJob(int64_t job_id);
  // Attempts whose deadline is before now_ms.
  std::vector<int64_t> ExpiredAt(int64_t now_ms) const;
  // The job's (job_id 0: every job's) leases with progress newer than `seen` (a watcher's counter).
  std::vector<const Lease*> ProgressSince(int64_t job_id, uint64_t seen) const;

  int64_t timeout_ms() const { return timeout_ms_; }
  size_t size() const { return leases_.size(); }

 private:
  const int64_t timeout_ms_;
  std::map<int64_t, Lease> leases_;  // by attempt id
  uint64_t progress_seq_ = 0;
};

}  // namespace derm::scheduler
