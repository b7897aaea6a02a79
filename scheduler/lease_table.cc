#include "scheduler/lease_table.h"

#include <string>

namespace derm::scheduler {

void LeaseTable::Add(int64_t attempt_id, Lease lease, int64_t now_ms) {
  lease.deadline_ms = now_ms + timeout_ms_;
  leases_[attempt_id] = std::move(lease);
}

StatusOr<Lease*> LeaseTable::Renew(int64_t attempt_id, int64_t worker_id, int64_t now_ms) {
  auto it = leases_.find(attempt_id);
  if (it == leases_.end()) {
    return FailedPrecondition("attempt " + std::to_string(attempt_id) +
                              " is not running (it ended, was cancelled or its lease expired)");
  }
  if (it->second.worker_id != worker_id) {
    return PermissionDenied("attempt " + std::to_string(attempt_id) + " is leased to worker " +
                            std::to_string(it->second.worker_id) + ", not to worker " +
                            std::to_string(worker_id));
  }
  it->second.deadline_ms = now_ms + timeout_ms_;
  return &it->second;
}

void LeaseTable::SetProgress(Lease* lease, const derm::v1::Progress& progress) {
  lease->progress = progress;
  lease->progress_seq = ++progress_seq_;
}

std::optional<Lease> LeaseTable::Take(int64_t attempt_id) {
  auto it = leases_.find(attempt_id);
  if (it == leases_.end()) return std::nullopt;
  Lease lease = std::move(it->second);
  leases_.erase(it);
  return lease;
}

void LeaseTable::RemoveJob(int64_t job_id) {
  for (auto it = leases_.begin(); it != leases_.end();) {
    it = it->second.job_id == job_id ? leases_.erase(it) : std::next(it);
  }
}

std::vector<int64_t> LeaseTable::ExpiredAt(int64_t now_ms) const {
  std::vector<int64_t> expired;
  for (const auto& [id, lease] : leases_) {
    if (lease.deadline_ms < now_ms) expired.push_back(id);
  }
  return expired;
}

std::vector<const Lease*> LeaseTable::ProgressSince(int64_t job_id, uint64_t seen) const {
  std::vector<const Lease*> out;
  for (const auto& [id, lease] : leases_) {
    if ((job_id == 0 || lease.job_id == job_id) && lease.progress_seq > seen) out.push_back(&lease);
  }
  return out;
}

}  // namespace derm::scheduler
