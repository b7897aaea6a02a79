// The clinical evaluation of one split from every image's class probabilities: per class
// (one vs rest) ROC and precision-recall curves and areas, sensitivity at chosen specificities
// and specificity at chosen sensitivities; macro and support-weighted ROC AUC; calibration; and,
// when asked, bootstrap intervals for accuracy, balanced accuracy and each class's ROC AUC.
#pragma once

#include <cstdint>
#include <vector>

#include "common/eval/binary_scores.h"
#include "common/eval/bootstrap.h"
#include "common/eval/calibration.h"

namespace derm::eval {

struct EvaluationOptions {
  std::vector<double> specificities{0.80, 0.90, 0.95};
  std::vector<double> sensitivities{0.80, 0.90, 0.95};
  int calibration_bins = 15;
  size_t curve_points = 51;     // each stored curve is thinned to this many points
  int bootstrap_resamples = 0;  // 0: no intervals
  uint64_t seed = 0;
};

struct ClassEvaluation {
  int64_t positives = 0;
  double roc_auc = 0, average_precision = 0;  // NaN when undefined (no positives or negatives)
  std::vector<OperatingPoint> at_specificity, at_sensitivity;  // one per option value, same order
  Curve roc, precision_recall;
  Interval roc_auc_interval;  // when bootstrapped
};

struct SplitEvaluation {
  std::vector<double> specificities, sensitivities;  // the operating points' targets, in order
  std::vector<ClassEvaluation> classes;
  double macro_roc_auc = 0;     // mean over classes with a defined AUC
  double weighted_roc_auc = 0;  // weighted by positives, over the same classes
  Calibration calibration;
  bool bootstrapped = false;
  Interval accuracy, balanced_accuracy;  // when bootstrapped
};

// `probabilities`: row-major, one row of `classes` per image; `truth`: each image's class.
SplitEvaluation EvaluateSplit(const std::vector<float>& probabilities, const std::vector<int32_t>& truth,
                              int classes, const EvaluationOptions& options);

}  // namespace derm::eval
