// A split's clinical evaluation (derm.v1.Evaluation) as rows of split_evaluation,
// class_evaluation, operating_points, curve_points, reliability_bins and intervals (schema 7).
// NaN figures are stored as NULL and read back as NaN. Internal to store/.
#pragma once

#include <cstdint>

#include "common/status.h"
#include "derm/v1/results.pb.h"

namespace derm::store {

class Database;

// Replaces the evaluation rows of (run, epoch, split), inside the caller's transaction.
Status InsertEvaluation(Database* db, int64_t run_id, int32_t epoch, const char* split,
                        const derm::v1::Evaluation& e);
// Fills *e from the rows of (run, epoch, split); leaves it empty when there are none (runs from
// before schema 7).
Status LoadEvaluation(Database* db, int64_t run_id, int32_t epoch, const char* split,
                      derm::v1::Evaluation* e);

}  // namespace derm::store
