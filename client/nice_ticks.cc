#include "client/nice_ticks.h"

#include <algorithm>
#include <cmath>

#include "common/strings.h"

namespace derm::client {
namespace {

// The nice number (1, 2, 5 or 10 times a power of ten) nearest `x` (round) or at least `x`.
double Nice(double x, bool round) {
  const double exp = std::floor(std::log10(x));
  const double f = x / std::pow(10.0, exp);
  double nice;
  if (round) {
    nice = f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10;
  } else {
    nice = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
  }
  return nice * std::pow(10.0, exp);
}

}  // namespace

std::string Ticks::Label(double v) const {
  if (std::fabs(v) < step * 1e-9) v = 0;  // no "-0.0"
  return FormatFixed(v, decimals);
}

Ticks NiceTicks(double lo, double hi, int wanted) {
  wanted = std::max(2, wanted);
  if (!(hi > lo)) {
    lo -= 0.5;
    hi += 0.5;
  }
  Ticks t;
  const double range = Nice(hi - lo, false);
  t.step = Nice(range / (wanted - 1), true);
  t.lo = std::floor(lo / t.step) * t.step;
  t.hi = std::ceil(hi / t.step) * t.step;
  t.decimals = std::max(0, static_cast<int>(-std::floor(std::log10(t.step))));
  const int n = static_cast<int>(std::lround((t.hi - t.lo) / t.step));
  for (int i = 0; i <= n; ++i) t.values.push_back(t.lo + i * t.step);
  return t;
}

}  // namespace derm::client
