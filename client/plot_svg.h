// Plots as SVG documents, for `dermctl plot`: learning curves of several runs overlaid,
// confusion-matrix heatmaps with class names, counts and row-normalised colour, and the clinical
// evaluation's ROC curves and reliability diagrams.
#pragma once

#include <string>
#include <vector>

#include "derm/v1/jobs.pb.h"

namespace derm::client {

// Two panels (accuracy and loss by epoch): training dashed, validation solid, one colour per
// run, with a legend of run ids and names.
std::string LearningCurvesSvg(const std::vector<derm::v1::RunReport>& runs);

// One heatmap per run: its last epoch's validation confusion matrix (or the test one when
// `test` and the run has it); cell colour = count / row total, cell text = count.
std::string ConfusionSvg(const std::vector<derm::v1::RunReport>& runs, bool test);

enum class EvaluationPlot { kRoc, kCalibration };
// One panel per run from its recorded evaluation (docs/evaluation.md) of the last epoch's
// validation (or the test split when `test` and the run has it): every class's ROC curve with
// its AUC, or the reliability diagram (accuracy against confidence per bin) with ECE, NLL, Brier.
std::string EvaluationSvg(const std::vector<derm::v1::RunReport>& runs, bool test, EvaluationPlot kind);

}  // namespace derm::client
