#include "scheduler/stopping_rules.h"

#include <algorithm>
#include <cmath>

namespace derm::scheduler {

bool HigherIsBetter(const std::string& metric) { return metric != "val_loss"; }

PatienceVerdict Patience(const std::vector<std::pair<int32_t, double>>& history, bool higher_is_better,
                         int32_t patience) {
  PatienceVerdict v;
  double best = 0;
  for (const auto& [epoch, value] : history) {
    const double oriented = higher_is_better ? value : -value;
    if (v.best_epoch == 0 || oriented > best) {
      best = oriented;
      v.best_epoch = epoch;
    }
  }
  v.stop = !history.empty() && history.back().first - v.best_epoch >= patience;
  return v;
}

Asha AshaOf(const derm::v1::SweepEarlyStopping& spec) {
  Asha a;
  if (!spec.metric().empty()) a.metric = spec.metric();
  if (spec.has_grace_epochs()) a.grace_epochs = spec.grace_epochs();
  if (spec.has_reduction_factor()) a.reduction_factor = spec.reduction_factor();
  return a;
}

std::vector<int32_t> AshaRungs(const Asha& asha, int32_t epochs) {
  std::vector<int32_t> rungs;
  if (asha.grace_epochs < 1 || asha.reduction_factor < 2) return rungs;
  for (int64_t r = asha.grace_epochs; r < epochs; r *= asha.reduction_factor) {
    rungs.push_back(static_cast<int32_t>(r));
  }
  return rungs;
}

std::optional<double> AshaCutoff(std::vector<double> others, int32_t reduction_factor) {
  if (others.empty() || reduction_factor < 2) return std::nullopt;
  std::sort(others.begin(), others.end());
  const double q = 1.0 - 1.0 / reduction_factor;
  const double pos = q * static_cast<double>(others.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(pos));
  const size_t hi = std::min(others.size() - 1, lo + 1);
  return others[lo] + (pos - static_cast<double>(lo)) * (others[hi] - others[lo]);
}

}  // namespace derm::scheduler
