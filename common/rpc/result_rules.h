// Rules every reported result meets before it is stored, whoever reports it: the worker checks
// its own epochs with them, the scheduler every ReportEpoch.
#pragma once

#include <string>

#include "derm/v1/results.pb.h"

namespace derm {

// The first metric of `m` that is NaN or infinite, named by its field path ("loss",
// "validation.loss", "validation.per_class[2].recall"), with its value ("NaN", "inf"); empty when
// every figure is finite.
std::string NonFiniteMetric(const derm::v1::EpochMetrics& m);

}  // namespace derm
