// Text rendering of jobs, epochs and runs for dermctl: per-epoch metric tables and confusion
// matrices with class names.
#pragma once

#include <ostream>

#include "derm/v1/jobs.pb.h"

namespace derm::client {

void PrintJobLine(const derm::v1::Job& job, std::ostream& out);
// One epoch's metrics, with the time left at this epoch's pace ("ETA m:ss") before the last.
void PrintEpochLine(const derm::v1::EpochMetrics& m, int total_epochs, std::ostream& out);
// "[#######-------] epoch 3/10  120/432 images  240 img/s  ETA 0:35", no newline.
std::string ProgressBar(const derm::v1::Progress& p, int total_epochs);
void PrintConfusion(const derm::v1::ConfusionMatrix& m, std::ostream& out);
// Parameters, facts, the per-epoch table, the last epoch's validation confusion matrix and
// evaluation, and the test metrics and evaluation when present.
void PrintRunReport(const derm::v1::RunReport& run, std::ostream& out);

}  // namespace derm::client
