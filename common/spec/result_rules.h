// Rules every reported result meets before the scheduler stores it, whoever reports it (a worker
// also stops on a non-finite loss itself: core::Trainer::Run).
#pragma once

#include <string>

#include "derm/v1/results.pb.h"

namespace derm {

// The first metric of `m` that is NaN or infinite, named by its field path ("loss",
// "validation.loss", "validation.per_class[2].recall"), with its value ("NaN", "inf"); empty when
// every figure is finite.
std::string NonFiniteMetric(const derm::v1::EpochMetrics& m);

// Why a split's evaluation cannot be stored: more classes than its confusion matrix has, a curve
// longer than 1,000 points (x and y of different lengths), more than 100 reliability bins or
// operating points per class; empty when it can. (NaN figures are allowed: undefined ones.)
std::string BadEvaluation(const derm::v1::SplitMetrics& m);

// Why the result's thumbnails cannot be stored (more than kMaxThumbnailsPerRun, one that is not a
// JPEG of at most kMaxThumbnailBytes: common/spec/thumbnail_limits.h); empty when they can.
std::string BadThumbnails(const derm::v1::RunResult& result);

// Why a run's facts cannot be stored: more than 20 data warnings or one over 1,000 characters, a
// group column name over 200 characters,
// more than 1,000 leaked pairs, more than 50 attribute names or one empty or over 200 characters, a pair
// whose splits are not two of train, validation and test in that order, or negative counts; empty when they
// can.
std::string BadFacts(const derm::v1::RunFacts& facts);

// Why the result's predictions cannot be stored: a class index outside [0, classes), or
// probabilities that are not `classes` values in [0, 1] (none is allowed), more than 50
// attribute values or one over 1,000 characters; empty when they can.
// `classes` 0 (the run's facts named none): only that every vector has the first one's length.
std::string BadPredictions(const derm::v1::RunResult& result, int classes);

}  // namespace derm
