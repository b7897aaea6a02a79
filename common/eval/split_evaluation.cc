#include "common/eval/split_evaluation.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace derm::eval {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

int Predicted(const std::vector<float>& probabilities, size_t i, int classes) {
  const float* p = probabilities.data() + i * static_cast<size_t>(classes);
  return static_cast<int>(std::max_element(p, p + classes) - p);
}

}  // namespace

SplitEvaluation EvaluateSplit(const std::vector<float>& probabilities, const std::vector<int32_t>& truth,
                              int classes, const EvaluationOptions& options) {
  SplitEvaluation out;
  out.specificities = options.specificities;
  out.sensitivities = options.sensitivities;
  const size_t n =
      classes > 0 ? std::min(truth.size(), probabilities.size() / static_cast<size_t>(classes)) : 0;
  std::vector<size_t> all(n);
  for (size_t i = 0; i < n; ++i) all[i] = i;
  double auc_sum = 0, weighted_sum = 0, weight = 0;
  int defined = 0;
  for (int k = 0; k < classes; ++k) {
    std::vector<double> scores(n);
    std::vector<bool> positive(n);
    for (size_t i = 0; i < n; ++i) {
      scores[i] = probabilities[i * static_cast<size_t>(classes) + static_cast<size_t>(k)];
      positive[i] = truth[i] == k;
    }
    const BinaryScores s(scores, positive);
    ClassEvaluation& c = out.classes.emplace_back();
    c.positives = s.positives();
    c.roc_auc = s.RocAuc();
    c.average_precision = s.AveragePrecision();
    for (double spec : options.specificities) c.at_specificity.push_back(s.AtSpecificity(spec));
    for (double sens : options.sensitivities) c.at_sensitivity.push_back(s.AtSensitivity(sens));
    c.roc = Thin(s.Roc(), options.curve_points);
    c.precision_recall = Thin(s.PrecisionRecall(), options.curve_points);
    if (!std::isnan(c.roc_auc)) {
      auc_sum += c.roc_auc;
      weighted_sum += c.roc_auc * static_cast<double>(c.positives);
      weight += static_cast<double>(c.positives);
      ++defined;
    }
    if (options.bootstrap_resamples > 0) {
      ResampledAuc auc(scores, positive);
      c.roc_auc_interval = Bootstrap(
          n, [&](const std::vector<size_t>& sample) { return auc.Of(sample); }, options.bootstrap_resamples,
          options.seed + static_cast<uint64_t>(k) + 1);
    }
  }
  out.macro_roc_auc = defined ? auc_sum / defined : kNaN;
  out.weighted_roc_auc = weight > 0 ? weighted_sum / weight : kNaN;
  out.calibration = Calibrate(probabilities, truth, classes, options.calibration_bins);
  if (options.bootstrap_resamples > 0) {
    out.bootstrapped = true;
    out.accuracy = Bootstrap(
        n,
        [&](const std::vector<size_t>& sample) {
          double right = 0;
          for (size_t i : sample) right += Predicted(probabilities, i, classes) == truth[i] ? 1 : 0;
          return sample.empty() ? kNaN : right / static_cast<double>(sample.size());
        },
        options.bootstrap_resamples, options.seed);
    out.balanced_accuracy = Bootstrap(
        n,
        [&](const std::vector<size_t>& sample) {
          std::vector<double> right(static_cast<size_t>(classes)), support(static_cast<size_t>(classes));
          for (size_t i : sample) {
            if (truth[i] < 0 || truth[i] >= classes) continue;
            support[static_cast<size_t>(truth[i])] += 1;
            right[static_cast<size_t>(truth[i])] += Predicted(probabilities, i, classes) == truth[i] ? 1 : 0;
          }
          double sum = 0;
          int present = 0;
          for (size_t k = 0; k < support.size(); ++k) {
            if (support[k] == 0) continue;
            sum += right[k] / support[k];
            ++present;
          }
          return present ? sum / present : kNaN;
        },
        options.bootstrap_resamples, options.seed);
  }
  return out;
}

}  // namespace derm::eval
