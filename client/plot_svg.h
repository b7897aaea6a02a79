// Plots as SVG documents, for `dermctl plot`: learning curves of several runs overlaid, and
// confusion-matrix heatmaps with class names, counts and row-normalised colour.
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

}  // namespace derm::client
