// `dermctl export predictions --run N --split test --format isic [--truth]`: a run's ledger as the
// ISIC Challenge's CSV files: `image` (the file name without its extension), then one column per
// class in label order, with every class's probability (as the worker computed it, float32 to 9
// digits) or, with --truth, the one-hot ground truth (1.0 for the true class, else 0.0). Scored by
// the Challenge's rules, the pair gives the figures derm stored for the split.
#pragma once

#include <ostream>

#include "client/commands.h"

namespace derm::client {

int ExportIsic(Connection& conn, const ExportOptions& options, std::ostream& out, std::ostream& err);

}  // namespace derm::client
