#include "common/eval/calibration.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace derm::eval {

Calibration Calibrate(const std::vector<float>& probabilities, const std::vector<int32_t>& truth, int classes,
                      int bins) {
  Calibration c;
  c.bins.resize(static_cast<size_t>(std::max(1, bins)));
  for (size_t b = 0; b < c.bins.size(); ++b) {
    c.bins[b].lower = static_cast<double>(b) / static_cast<double>(c.bins.size());
    c.bins[b].upper = static_cast<double>(b + 1) / static_cast<double>(c.bins.size());
  }
  const size_t n =
      classes > 0 ? std::min(truth.size(), probabilities.size() / static_cast<size_t>(classes)) : 0;
  if (n == 0) return c;
  std::vector<double> confidence_sum(c.bins.size()), correct(c.bins.size());
  for (size_t i = 0; i < n; ++i) {
    const float* p = probabilities.data() + i * static_cast<size_t>(classes);
    const int top = static_cast<int>(std::max_element(p, p + classes) - p);
    const double confidence = p[top];
    const int y = truth[i];
    // Clamped as scikit-learn's log_loss does (eps = double's machine epsilon).
    c.nll -= std::log(std::max(y >= 0 && y < classes ? static_cast<double>(p[y]) : 0.0,
                               std::numeric_limits<double>::epsilon()));
    for (int k = 0; k < classes; ++k) {
      const double d = static_cast<double>(p[k]) - (k == y ? 1.0 : 0.0);
      c.brier += d * d;
    }
    const auto b =
        static_cast<size_t>(std::clamp<double>(std::ceil(confidence * static_cast<double>(c.bins.size())) - 1,
                                               0, static_cast<double>(c.bins.size() - 1)));
    ++c.bins[b].count;
    confidence_sum[b] += confidence;
    correct[b] += top == y ? 1 : 0;
  }
  for (size_t b = 0; b < c.bins.size(); ++b) {
    ReliabilityBin& bin = c.bins[b];
    if (bin.count == 0) continue;
    bin.confidence = confidence_sum[b] / static_cast<double>(bin.count);
    bin.accuracy = correct[b] / static_cast<double>(bin.count);
    c.ece +=
        static_cast<double>(bin.count) / static_cast<double>(n) * std::abs(bin.accuracy - bin.confidence);
  }
  c.nll /= static_cast<double>(n);
  c.brier /= static_cast<double>(n);
  return c;
}

}  // namespace derm::eval
