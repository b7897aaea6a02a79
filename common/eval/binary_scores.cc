#include "common/eval/binary_scores.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace derm::eval {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

}  // namespace

BinaryScores::BinaryScores(const std::vector<double>& scores, const std::vector<bool>& positive) {
  const size_t n = std::min(scores.size(), positive.size());
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] > scores[b]; });
  // Walk from the highest score down, one step per distinct score; the ranks (1 = lowest) of a
  // group of ties are their average.
  double positive_rank_sum = 0;
  int64_t tp = 0, fp = 0;
  for (size_t i = 0; i < n;) {
    size_t j = i;
    int64_t group_pos = 0;
    while (j < n && scores[order[j]] == scores[order[i]]) {
      group_pos += positive[order[j]] ? 1 : 0;
      ++j;
    }
    // Positions i..j-1 from the top are ranks n-j+1 .. n-i from the bottom.
    const double mean_rank = (static_cast<double>(n - j + 1) + static_cast<double>(n - i)) / 2;
    positive_rank_sum += mean_rank * static_cast<double>(group_pos);
    tp += group_pos;
    fp += static_cast<int64_t>(j - i) - group_pos;
    steps_.push_back({scores[order[i]], tp, fp});
    i = j;
  }
  positives_ = tp;
  negatives_ = fp;
  if (positives_ > 0 && negatives_ > 0) {
    const double p = static_cast<double>(positives_);
    rank_auc_ = (positive_rank_sum - p * (p + 1) / 2) / (p * static_cast<double>(negatives_));
  }
}

ResampledAuc::ResampledAuc(const std::vector<double>& scores, const std::vector<bool>& positive)
    : group_(std::min(scores.size(), positive.size())), positive_(positive) {
  std::vector<size_t> order(group_.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] < scores[b]; });
  size_t groups = 0;
  for (size_t i = 0; i < order.size(); ++i) {
    if (i > 0 && scores[order[i]] != scores[order[i - 1]]) ++groups;
    group_[order[i]] = groups;
  }
  positives_.resize(order.empty() ? 0 : groups + 1);
  negatives_.resize(positives_.size());
}

double ResampledAuc::Of(const std::vector<size_t>& sample) {
  std::fill(positives_.begin(), positives_.end(), 0.0);
  std::fill(negatives_.begin(), negatives_.end(), 0.0);
  for (size_t i : sample) (positive_[i] ? positives_ : negatives_)[group_[i]] += 1;
  // Mann-Whitney: each positive beats the negatives below its group and ties half of its own.
  double wins = 0, below = 0, p = 0;
  for (size_t g = 0; g < positives_.size(); ++g) {
    wins += positives_[g] * (below + negatives_[g] / 2);
    below += negatives_[g];
    p += positives_[g];
  }
  return p > 0 && below > 0 ? wins / (p * below) : kNaN;
}

double BinaryScores::RocAuc() const { return positives_ > 0 && negatives_ > 0 ? rank_auc_ : kNaN; }

double BinaryScores::AveragePrecision() const {
  if (positives_ == 0) return kNaN;
  double ap = 0, last_recall = 0;
  for (const Step& s : steps_) {
    const double recall = static_cast<double>(s.tp) / static_cast<double>(positives_);
    const double precision = static_cast<double>(s.tp) / static_cast<double>(s.tp + s.fp);
    ap += (recall - last_recall) * precision;
    last_recall = recall;
  }
  return ap;
}

Curve BinaryScores::Roc() const {
  Curve c;
  c.x.push_back(0);
  c.y.push_back(0);
  for (const Step& s : steps_) {
    c.x.push_back(negatives_ ? static_cast<double>(s.fp) / static_cast<double>(negatives_) : kNaN);
    c.y.push_back(positives_ ? static_cast<double>(s.tp) / static_cast<double>(positives_) : kNaN);
  }
  return c;
}

Curve BinaryScores::PrecisionRecall() const {
  Curve c;
  for (const Step& s : steps_) {
    c.x.push_back(positives_ ? static_cast<double>(s.tp) / static_cast<double>(positives_) : kNaN);
    c.y.push_back(static_cast<double>(s.tp) / static_cast<double>(s.tp + s.fp));
  }
  return c;
}

OperatingPoint BinaryScores::AtSpecificity(double specificity) const {
  OperatingPoint best{kNaN, kNaN, kNaN};
  if (positives_ == 0 || negatives_ == 0) return best;
  // Above the highest score nothing is called positive: sensitivity 0, specificity 1.
  best = {std::numeric_limits<double>::infinity(), 0, 1};
  for (const Step& s : steps_) {
    const double spec = 1 - static_cast<double>(s.fp) / static_cast<double>(negatives_);
    const double sens = static_cast<double>(s.tp) / static_cast<double>(positives_);
    if (spec >= specificity && sens > best.sensitivity) best = {s.threshold, sens, spec};
  }
  return best;
}

OperatingPoint BinaryScores::AtSensitivity(double sensitivity) const {
  OperatingPoint best{kNaN, kNaN, kNaN};
  if (positives_ == 0 || negatives_ == 0) return best;
  for (const Step& s : steps_) {  // sensitivity grows and specificity falls down the steps
    const double sens = static_cast<double>(s.tp) / static_cast<double>(positives_);
    if (sens >= sensitivity) {
      return {s.threshold, sens, 1 - static_cast<double>(s.fp) / static_cast<double>(negatives_)};
    }
  }
  return best;
}

Curve Thin(const Curve& curve, size_t max_points) {
  const size_t n = curve.x.size();
  if (n <= max_points || max_points < 2) return curve;
  Curve out;
  for (size_t k = 0; k < max_points; ++k) {
    const size_t i = k * (n - 1) / (max_points - 1);
    out.x.push_back(curve.x[i]);
    out.y.push_back(curve.y[i]);
  }
  return out;
}

}  // namespace derm::eval
