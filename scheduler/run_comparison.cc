#include "scheduler/run_comparison.h"

#include <cmath>
#include <set>

#include "common/eval/bootstrap.h"
#include "common/eval/interval_proto.h"

namespace derm::scheduler {

derm::v1::Interval PairedAccuracyDifference(const std::vector<std::pair<bool, bool>>& right, uint64_t seed) {
  const eval::Interval i = eval::Bootstrap(
      right.size(),
      [&right](const std::vector<size_t>& sample) {
        double sum = 0;
        for (size_t k : sample)
          sum += static_cast<double>(right[k].second) - static_cast<double>(right[k].first);
        return sample.empty() ? 0.0 : sum / static_cast<double>(sample.size());
      },
      1000, seed);
  return eval::ToProto(i);
}

derm::v1::McNemarTest McNemar(int64_t b, int64_t c) {
  derm::v1::McNemarTest t;
  t.set_only_a_correct(b);
  t.set_only_b_correct(c);
  const int64_t n = b + c;
  if (n == 0) {
    t.set_exact(true);
    t.set_p_value(1.0);
    return t;
  }
  if (n < 25) {
    // P(X <= min(b, c)) for X ~ Binomial(n, 1/2), doubled: sum of C(n, k) / 2^n in log space.
    double tail = 0;
    for (int64_t k = 0; k <= std::min(b, c); ++k) {
      tail += std::exp(std::lgamma(n + 1.0) - std::lgamma(k + 1.0) - std::lgamma(n - k + 1.0) -
                       n * std::log(2.0));
    }
    t.set_exact(true);
    t.set_p_value(std::min(1.0, 2 * tail));
    return t;
  }
  const double d = std::abs(static_cast<double>(b - c)) - 1;
  const double chi2 = std::max(0.0, d) * std::max(0.0, d) / static_cast<double>(n);
  t.set_statistic(chi2);
  t.set_p_value(std::erfc(std::sqrt(chi2 / 2)));  // survival function of chi-square(1)
  return t;
}

void CompareRunReports(const std::vector<Predictions>& predictions, derm::v1::CompareRunsResponse* out) {
  const auto& runs = out->runs();
  std::set<std::string> names;
  for (const auto& r : runs) {
    for (const auto& [k, v] : r.params()) names.insert(k);
  }
  names.erase("name");              // identity, not a hyperparameter
  names.erase("tags.sweep.point");  // bookkeeping of sweeps
  for (const auto& name : names) {
    std::set<std::string> values;
    for (const auto& r : runs) {
      auto it = r.params().find(name);
      values.insert(it == r.params().end() ? "<unset>" : it->second);
    }
    if (values.size() > 1) out->add_differing_params(name);
  }
  std::set<std::string> fingerprints;
  for (const auto& r : runs) fingerprints.insert(r.facts().dataset_fingerprint());
  if (fingerprints.size() > 1) {
    out->add_warnings(
        "the runs used different data or splits (dataset fingerprints differ): "
        "their metrics are not directly comparable");
  }
  for (int a = 0; a < runs.size(); ++a) {
    for (int b = a + 1; b < runs.size(); ++b) {
      int64_t only_a = 0, only_b = 0, paired = 0;
      std::vector<std::pair<bool, bool>> right;  // (a right, b right) per paired image
      for (const auto& [path, pa] : predictions[a]) {
        auto it = predictions[b].find(path);
        if (it == predictions[b].end()) continue;
        ++paired;
        const bool ca = pa.first == pa.second, cb = it->second.first == it->second.second;
        only_a += ca && !cb;
        only_b += cb && !ca;
        right.emplace_back(ca, cb);
      }
      if (paired == 0) {
        out->add_warnings("runs " + std::to_string(runs[a].run_id()) + " and " +
                          std::to_string(runs[b].run_id()) + " share no validation images: no paired test");
        continue;
      }
      if (static_cast<size_t>(paired) != predictions[a].size() ||
          static_cast<size_t>(paired) != predictions[b].size()) {
        out->add_warnings("runs " + std::to_string(runs[a].run_id()) + " and " +
                          std::to_string(runs[b].run_id()) + " share only " + std::to_string(paired) +
                          " validation images; the test uses those");
      }
      derm::v1::McNemarTest t = McNemar(only_a, only_b);
      t.set_run_a(runs[a].run_id());
      t.set_run_b(runs[b].run_id());
      t.set_paired_images(paired);
      *t.mutable_accuracy_difference() =
          PairedAccuracyDifference(right, static_cast<uint64_t>(runs[a].run_id()) * 1000003u +
                                              static_cast<uint64_t>(runs[b].run_id()));
      *out->add_tests() = t;
    }
  }
}

}  // namespace derm::scheduler
