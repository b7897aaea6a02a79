// Conversions from the tensor core's plain result structs to the derm.v1 wire messages.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "common/eval/split_evaluation.h"
#include "derm/v1/results.pb.h"
#include "derm/v1/spec.pb.h"
#include "worker/core/trainer.h"

namespace derm::worker {

// With the clinical evaluation of `eval`'s probabilities (common/eval/split_evaluation.h).
derm::v1::SplitMetrics ToProto(const core::SplitEval& eval, const std::vector<std::string>& class_names,
                               const eval::EvaluationOptions& options = {});
derm::v1::Evaluation ToProto(const eval::SplitEvaluation& e, const std::vector<std::string>& class_names);
derm::v1::EpochMetrics ToProto(const core::EpochResult& epoch, const std::vector<std::string>& class_names,
                               const eval::EvaluationOptions& options = {});
// The evaluation a spec asks for on validation: its evaluation.specificities and sensitivities,
// or the defaults.
eval::EvaluationOptions ValidationEvaluationOptions(const derm::v1::JobSpec& spec);
// On the test split also the gates' operating points and 1,000 bootstrap resamples seeded by
// data.seed.
eval::EvaluationOptions TestEvaluationOptions(const derm::v1::JobSpec& spec);
// Appends one Prediction per image of a split, the first *thumbnails of them with a thumbnail
// (data/thumbnail.h), and counts *thumbnails down by the number made.
void AddPredictions(const char* split, const core::ImageSet& set, const core::SplitEval& eval,
                    derm::v1::RunResult* result, int* thumbnails);
// Each prediction's attribute values from `by_path` (a labels table's, worker/data/dataset.h).
void AddAttributes(const std::unordered_map<std::string, std::vector<std::string>>& by_path,
                   derm::v1::RunResult* result);

}  // namespace derm::worker
