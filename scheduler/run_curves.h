// A run's learning curves for plotting (GetRunCurves): one series per figure, downsampled.
#pragma once

#include <vector>

#include "derm/v1/jobs.pb.h"
#include "store/run_reader.h"

namespace derm::scheduler {

// The series train_loss, train_accuracy, val_loss, val_accuracy and images_per_second of `points`
// (in epoch order), each cut to at most `max_points` by MinMaxBuckets (scheduler/downsample.h).
derm::v1::RunCurves BuildRunCurves(int64_t run_id, const std::vector<store::EpochPoint>& points,
                                   size_t max_points);

}  // namespace derm::scheduler
