#include "scheduler/metrics.h"

#include "common/strings.h"
#include "store/store.h"

namespace derm::scheduler {

void Histogram::Observe(double seconds) {
  size_t i = 0;
  while (i < kBounds.size() && seconds > kBounds[i]) ++i;
  ++counts_[i];
  sum_ += seconds;
  ++count_;
}

void Histogram::Render(const std::string& name, const std::string& labels, std::string* out) const {
  const std::string sep = labels.empty() ? "" : labels + ",";
  uint64_t cumulative = 0;
  for (size_t i = 0; i < kBounds.size(); ++i) {
    cumulative += counts_[i];
    *out += name + "_bucket{" + sep + "le=\"" + FormatG(kBounds[i], 9) + "\"} " + std::to_string(cumulative) +
            "\n";
  }
  *out += name + "_bucket{" + sep + "le=\"+Inf\"} " + std::to_string(count_) + "\n";
  const std::string braces = labels.empty() ? "" : "{" + labels + "}";
  *out += name + "_sum" + braces + " " + FormatG(sum_, 9) + "\n";
  *out += name + "_count" + braces + " " + std::to_string(count_) + "\n";
}

void Metrics::ObserveRpc(const std::string& method, double seconds) {
  MutexLock lock(&mu_);
  rpc_[method].Observe(seconds);
}

void Metrics::ObserveQueueWait(double seconds) {
  MutexLock lock(&mu_);
  queue_wait_.Observe(seconds);
}

void Metrics::CountLeaseExpiry() {
  MutexLock lock(&mu_);
  ++lease_expiries_;
}

void Metrics::CountRefusal(const std::string& reason, bool audited) {
  MutexLock lock(&mu_);
  ++refusals_[reason];
  if (!audited) ++refusals_not_audited_;
}

std::string Metrics::Render() const {
  MutexLock lock(&mu_);
  std::string out;
  out += "# HELP derm_queue_wait_seconds Time from a job becoming runnable to its lease.\n";
  out += "# TYPE derm_queue_wait_seconds histogram\n";
  queue_wait_.Render("derm_queue_wait_seconds", "", &out);
  out += "# HELP derm_lease_expiries_total Attempts ended WORKER_LOST because their lease expired.\n";
  out += "# TYPE derm_lease_expiries_total counter\n";
  out += "derm_lease_expiries_total " + std::to_string(lease_expiries_) + "\n";
  out += "# HELP derm_refused_calls_total Calls refused: no valid credentials, or no permission.\n";
  out += "# TYPE derm_refused_calls_total counter\n";
  for (const char* reason : {"permission_denied", "unauthenticated"}) {
    auto it = refusals_.find(reason);
    out += std::string("derm_refused_calls_total{reason=\"") + reason + "\"} " +
           std::to_string(it == refusals_.end() ? 0 : it->second) + "\n";
  }
  out += "# HELP derm_refusals_not_audited_total Refused calls the audit trail's rate limit held back.\n";
  out += "# TYPE derm_refusals_not_audited_total counter\n";
  out += "derm_refusals_not_audited_total " + std::to_string(refusals_not_audited_) + "\n";
  out += "# HELP derm_rpc_duration_seconds gRPC handler latency by method.\n";
  out += "# TYPE derm_rpc_duration_seconds histogram\n";
  for (const auto& [method, h] : rpc_)
    h.Render("derm_rpc_duration_seconds", "method=\"" + method + "\"", &out);
  return out;
}

std::string RenderStoreGauges(const store::StoreCounts& counts, size_t running_leases) {
  std::string out = "# HELP derm_jobs Jobs by state.\n# TYPE derm_jobs gauge\n";
  for (const auto& [state, n] : counts.jobs_by_state)
    out += "derm_jobs{state=\"" + state + "\"} " + std::to_string(n) + "\n";
  out += "# HELP derm_workers Registered workers by state.\n# TYPE derm_workers gauge\n";
  for (const auto& [state, n] : counts.workers_by_state)
    out += "derm_workers{state=\"" + state + "\"} " + std::to_string(n) + "\n";
  out += "# HELP derm_running_leases Attempts holding a lease.\n# TYPE derm_running_leases gauge\n";
  out += "derm_running_leases " + std::to_string(running_leases) + "\n";
  out += "# HELP derm_rows_written_total Database rows inserted, updated or deleted by this process.\n";
  out += "# TYPE derm_rows_written_total counter\n";
  out += "derm_rows_written_total " + std::to_string(counts.rows_written) + "\n";
  return out;
}

}  // namespace derm::scheduler
