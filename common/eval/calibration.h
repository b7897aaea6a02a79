// How well a classifier's probabilities match its hit rate, from the probabilities of every class
// of each image (row-major, n x classes) and the true classes: expected calibration error over
// equal-width confidence bins with the reliability diagram's bins, negative log-likelihood and
// the (multi-class) Brier score.
#pragma once

#include <cstdint>
#include <vector>

namespace derm::eval {

struct ReliabilityBin {
  double lower = 0, upper = 0;  // confidence range (lower, upper]
  int64_t count = 0;            // images whose top probability falls in it
  double confidence = 0;        // their mean top probability (0 when empty)
  double accuracy = 0;          // the share of them classified right (0 when empty)
};

struct Calibration {
  double ece = 0;    // sum over bins of count / n * |accuracy - confidence|
  double nll = 0;    // mean -ln p(true class), p clamped to at least 2.2e-16 (scikit-learn's)
  double brier = 0;  // mean over images of sum over classes (p_k - [k = true])^2
  std::vector<ReliabilityBin> bins;
};

// `bins` equal-width bins over (0, 1]; image i's bin is ceil(confidence * bins) - 1 (0 for a
// confidence of 0). Empty input gives zeros.
Calibration Calibrate(const std::vector<float>& probabilities, const std::vector<int32_t>& truth, int classes,
                      int bins = 15);

}  // namespace derm::eval
