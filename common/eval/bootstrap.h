// Bootstrap confidence intervals: the statistic recomputed on `resamples` samples drawn with
// replacement from the n items (seeded, so a run's intervals are reproducible), and the
// 2.5th and 97.5th percentiles of those values (linear interpolation, as numpy's default).
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

namespace derm::eval {

struct Interval {
  double estimate = 0;  // the statistic on all n items
  double lower = 0, upper = 0;
  int resamples = 0;
  uint64_t seed = 0;
  double level = 0.95;
};

// `statistic(indices)` of a sample given by item indices (repeats allowed). Resamples whose
// statistic is NaN (say a class absent from the sample) are left out of the percentiles; lower and
// upper are NaN when all are.
Interval Bootstrap(size_t n, const std::function<double(const std::vector<size_t>&)>& statistic,
                   int resamples, uint64_t seed, double level = 0.95);

// The q-quantile (0..1) of sorted values, interpolated linearly between neighbours.
double Quantile(const std::vector<double>& sorted, double q);

}  // namespace derm::eval
