// `dermctl describe cv SWEEP`: the cross-validation groups of a sweep (docs/data.md). For each
// group (a spec, or a sweep point, run once per fold): its folds, the mean and standard deviation
// across folds of the validation figures (the cv_summary view), and the full clinical evaluation
// of the pooled out-of-fold predictions (every fold's validation split at its model epoch,
// treated as one set, with 1,000 bootstrap resamples seeded by data.seed), computed here from the
// ledger.
#pragma once

#include <ostream>

#include "client/commands.h"

namespace derm::client {

int DescribeCrossValidation(Connection& conn, int64_t sweep_id, std::ostream& out, std::ostream& err);

}  // namespace derm::client
