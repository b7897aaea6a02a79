#include "scheduler/downsample.h"

#include <algorithm>

namespace derm::scheduler {

std::vector<size_t> MinMaxBuckets(const std::vector<double>& values, size_t max_points) {
  const size_t n = values.size();
  std::vector<size_t> keep;
  if (n <= max_points) {
    for (size_t i = 0; i < n; ++i) keep.push_back(i);
    return keep;
  }
  const size_t buckets = std::max<size_t>(1, max_points / 2);
  for (size_t b = 0; b < buckets; ++b) {
    const size_t begin = b * n / buckets, end = (b + 1) * n / buckets;
    size_t lo = begin, hi = begin;
    for (size_t i = begin; i < end; ++i) {
      if (values[i] < values[lo]) lo = i;
      if (values[i] > values[hi]) hi = i;
    }
    keep.push_back(std::min(lo, hi));
    if (lo != hi) keep.push_back(std::max(lo, hi));
  }
  return keep;
}

}  // namespace derm::scheduler
