// Metrics: the scheduler's counters and histograms, rendered in the Prometheus text format
// (served on /metrics by HttpServer). Gauges that live in the database (jobs and workers by
// state, rows written) come from RenderStoreGauges at scrape time.
// Thread-safety: thread-safe.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>

#include "common/mutex.h"

namespace derm::store {
struct StoreCounts;
}  // namespace derm::store

namespace derm::scheduler {

class Histogram {
 public:
  static constexpr std::array<double, 12> kBounds = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                     0.1,   0.25,   0.5,   1,    5,     30};
  void Observe(double seconds);
  // Appends `name{labels,le=...}` bucket, _sum and _count lines.
  void Render(const std::string& name, const std::string& labels, std::string* out) const;

 private:
  std::array<uint64_t, kBounds.size() + 1> counts_{};
  double sum_ = 0;
  uint64_t count_ = 0;
};

class Metrics {
 public:
  void ObserveRpc(const std::string& method, double seconds);
  void ObserveQueueWait(double seconds);
  void CountLeaseExpiry();
  // A refused call ("unauthenticated" or "permission_denied"), and whether the audit trail got
  // it (its rate limit may hold refusals back).
  void CountRefusal(const std::string& reason, bool audited);
  // HELP/TYPE headers and every series held here.
  std::string Render() const;

 private:
  mutable Mutex mu_;
  std::map<std::string, Histogram> rpc_ DERM_GUARDED_BY(mu_);
  Histogram queue_wait_ DERM_GUARDED_BY(mu_);
  uint64_t lease_expiries_ DERM_GUARDED_BY(mu_) = 0;
  std::map<std::string, uint64_t> refusals_ DERM_GUARDED_BY(mu_);
  uint64_t refusals_not_audited_ DERM_GUARDED_BY(mu_) = 0;
};

// Gauges of what the database holds (jobs and workers by state, rows written) and of the
// attempts holding a lease, with HELP/TYPE headers.
std::string RenderStoreGauges(const store::StoreCounts& counts, size_t running_leases);

// Observes the lifetime of a scope as one RPC of `method`.
class RpcTimer {
 public:
  RpcTimer(Metrics* metrics, const char* method)
      : metrics_(metrics), method_(method), start_(std::chrono::steady_clock::now()) {}
  ~RpcTimer() {
    metrics_->ObserveRpc(method_,
                         std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count());
  }

 private:
  Metrics* metrics_;
  const char* method_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace derm::scheduler
