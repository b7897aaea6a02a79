// Downsampling a series for plotting: cut into buckets of consecutive points, keep each bucket's
// smallest and largest value (in their order), so that spikes and dips survive the cut.
#pragma once

#include <cstddef>
#include <vector>

namespace derm::scheduler {

// The indices of `values` to keep, ascending: all of them when there are at most `max_points`;
// else, from each of max_points / 2 equal buckets, the index of its minimum and of its maximum
// (one index when they are the same point). `max_points` is at least 2.
std::vector<size_t> MinMaxBuckets(const std::vector<double>& values, size_t max_points);

}  // namespace derm::scheduler
