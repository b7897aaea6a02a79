// One-vs-rest scores of a binary problem (a class against all others) from per-image scores:
// ROC and precision-recall curves, their areas, and operating points. The areas follow
// scikit-learn's roc_auc_score and average_precision_score exactly (ties included), which
// tests/fixtures/clinical_metrics.json checks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace derm::eval {

// A curve's points in threshold order (highest threshold first).
struct Curve {
  std::vector<double> x, y;
};

// What a threshold on the score gives: the images with a score >= threshold are called positive.
struct OperatingPoint {
  double threshold = 0;
  double sensitivity = 0;  // true positive rate
  double specificity = 0;  // 1 - false positive rate
};

class BinaryScores {
 public:
  // `scores[i]` of image i, `positive[i]` whether it belongs to the class.
  BinaryScores(const std::vector<double>& scores, const std::vector<bool>& positive);

  int64_t positives() const { return positives_; }
  int64_t negatives() const { return negatives_; }
  // Area under the ROC curve (ties count one half); NaN without positives or negatives.
  double RocAuc() const;
  // Average precision: sum over thresholds of (recall step) x precision; NaN without positives.
  double AveragePrecision() const;
  // x = false positive rate, y = true positive rate, from (0, 0) to (1, 1); one point per
  // distinct score.
  Curve Roc() const;
  // x = recall, y = precision, one point per distinct score (highest first).
  Curve PrecisionRecall() const;
  // The threshold with the highest sensitivity whose specificity is at least `specificity`
  // (the highest threshold among equals); NaN fields without positives or negatives.
  OperatingPoint AtSpecificity(double specificity) const;
  // The threshold with the highest specificity whose sensitivity is at least `sensitivity`.
  OperatingPoint AtSensitivity(double sensitivity) const;

 private:
  // One entry per distinct score, highest first: the threshold and the counts at or above it.
  struct Step {
    double threshold;
    int64_t tp, fp;
  };
  std::vector<Step> steps_;
  int64_t positives_ = 0, negatives_ = 0;
  double rank_auc_ = 0;  // from ranks with ties averaged
};

// The ROC AUC of resamples of one set of scored items, each in O(n) after one sort (for the
// bootstrap): a resample is a multiset of item indices; equal scores (repeats of an item
// included) are ties and count one half, so Of(sample) equals BinaryScores over the sample's
// scores and labels.
// Thread-safety: not thread-safe (Of reuses buffers).
class ResampledAuc {
 public:
  ResampledAuc(const std::vector<double>& scores, const std::vector<bool>& positive);
  // NaN when the sample has no positive or no negative item.
  double Of(const std::vector<size_t>& sample);

 private:
  std::vector<size_t> group_;  // item -> its tie group; groups in ascending score order
  std::vector<bool> positive_;
  std::vector<double> positives_, negatives_;  // per group, for the sample at hand
};

// At most `max_points` of `curve`, evenly spaced along it, the first and last kept.
Curve Thin(const Curve& curve, size_t max_points);

}  // namespace derm::eval
