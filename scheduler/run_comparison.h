// Comparing runs: which hyperparameters differ, and whether two runs' accuracies differ for real
// (McNemar's test and a paired bootstrap on their paired per-image predictions). Pure functions
// over wire messages.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "derm/v1/jobs.pb.h"

namespace derm::scheduler {

// McNemar's test from the discordant counts: b = only A correct, c = only B correct. Exact
// two-sided binomial p when b + c < 25, else chi-square (|b - c| - 1)^2 / (b + c) with 1 dof.
derm::v1::McNemarTest McNemar(int64_t b, int64_t c);

// Run B's accuracy minus run A's over paired images, `right` = (A right, B right) per image, with
// a paired bootstrap 95 % interval (1,000 resamples of the images, seeded by `seed`).
derm::v1::Interval PairedAccuracyDifference(const std::vector<std::pair<bool, bool>>& right, uint64_t seed);

// Per-image predictions of one run's validation split, by image path: (true, predicted).
using Predictions = std::map<std::string, std::pair<int32_t, int32_t>>;

// Fills differing_params (every param but the run's name and sweep point), tests (every pair with paired
// images) and warnings (different dataset fingerprints or unpaired images) of `out`, whose runs are already
// set.
void CompareRunReports(const std::vector<Predictions>& predictions, derm::v1::CompareRunsResponse* out);

}  // namespace derm::scheduler
