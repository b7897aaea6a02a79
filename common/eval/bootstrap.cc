#include "common/eval/bootstrap.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "common/rng.h"

namespace derm::eval {

double Quantile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return std::numeric_limits<double>::quiet_NaN();
  const double at = q * static_cast<double>(sorted.size() - 1);
  const auto below = static_cast<size_t>(std::floor(at));
  const size_t above = std::min(below + 1, sorted.size() - 1);
  return sorted[below] + (sorted[above] - sorted[below]) * (at - static_cast<double>(below));
}

Interval Bootstrap(size_t n, const std::function<double(const std::vector<size_t>&)>& statistic,
                   int resamples, uint64_t seed, double level) {
  Interval out;
  out.resamples = resamples;
  out.seed = seed;
  out.level = level;
  std::vector<size_t> all(n);
  std::iota(all.begin(), all.end(), size_t{0});
  out.estimate = n ? statistic(all) : std::numeric_limits<double>::quiet_NaN();
  Rng rng(seed);
  std::vector<double> values;
  std::vector<size_t> sample(n);
  for (int r = 0; r < resamples && n > 0; ++r) {
    for (size_t& s : sample) s = static_cast<size_t>(rng.Next() % n);
    const double v = statistic(sample);
    if (!std::isnan(v)) values.push_back(v);
  }
  std::sort(values.begin(), values.end());
  const double tail = (1 - level) / 2;
  out.lower = Quantile(values, tail);
  out.upper = Quantile(values, 1 - tail);
  return out;
}

}  // namespace derm::eval
