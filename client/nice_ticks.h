// Axis ticks at "nice" numbers (1, 2 or 5 times a power of ten), as in Heckbert's "Nice numbers
// for graph labels" (Graphics Gems, 1990): an axis over [0.194, 0.893] gets 0.2, 0.4, 0.6, 0.8
// rather than 0.194, 0.369, ...
#pragma once

#include <string>
#include <vector>

namespace derm::client {

struct Ticks {
  double lo = 0, hi = 1;  // the axis range: the data's, widened to whole steps
  double step = 1;
  std::vector<double> values;  // lo, lo + step, ..., hi
  int decimals = 0;            // digits after the point that tell the ticks apart
  std::string Label(double v) const;
};

// About `wanted` (>= 2) ticks covering [lo, hi]; lo == hi gets a unit-wide range around it.
Ticks NiceTicks(double lo, double hi, int wanted = 5);

}  // namespace derm::client
