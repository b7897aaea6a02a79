// Text rendering of a split's clinical evaluation for dermctl describe run: areas, operating
// points and calibration, with bootstrap intervals on the test split.
#pragma once

#include <ostream>
#include <string>

#include "derm/v1/results.pb.h"

namespace derm::client {

// `title`, e.g. "validation, epoch 10" or "test". Nothing for an empty evaluation (runs from
// before it was recorded).
void PrintEvaluation(const derm::v1::Evaluation& e, const std::string& title, std::ostream& out);

}  // namespace derm::client
