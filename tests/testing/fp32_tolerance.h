// How far two fp32 runs of the same computation may differ when they add in other orders:
// another batch size, thread count or CPU (oneDNN picks its convolution kernels and blockings by
// all three: AVX2, AVX-512, AMX). The tests that compare such runs use these, never a figure
// fitted to one machine.
//
// In fp32 (unit roundoff u = 2^-24, about 6e-8) a sum of K products is off by about sqrt(K) u
// relative; ResNet50's longest sums have K = 3*3*512 = 4608, so about 4e-6 per layer, and its 53
// layers in series about 2e-4 on a feature. Losses and softmax outputs are smooth functions of
// the features, so they agree to the same order. Measured: 3e-5 relative on a training loss
// between an AMX Xeon's kernels and a Zen 4's, and between AVX2 and AVX-512 on one CPU.
#pragma once

#include <algorithm>
#include <cmath>

namespace derm::testing {

// Relative, for features and for losses computed from them: 5x the estimate above. A real bug
// (an image dropped, repeated or paired with another's label or another model) moves these by
// per-cents.
inline constexpr double kFp32RelTolerance = 1e-3;

// Absolute, for softmax probabilities in [0, 1]: a probability moves by at most half the change of
// its logit margins, which the relative tolerance bounds for logits of order 1-10.
inline constexpr double kProbabilityTolerance = 1e-3;

inline bool SameUpToRounding(double a, double b) {
  return std::abs(a - b) <= kFp32RelTolerance * std::max(std::abs(a), std::abs(b));
}

}  // namespace derm::testing
