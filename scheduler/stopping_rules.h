// Early stopping, as pure functions of the stored metrics: per-run patience (train.early_stopping)
// and ASHA across a sweep's trials (sweep.early_stopping). The scheduler applies them to each
// stored epoch (TrainingJobs::RecordEpoch), so a resumed or retried run stops exactly as an
// uninterrupted one would.
// Thread-safety: thread-safe (pure functions).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "derm/v1/spec.pb.h"

namespace derm::scheduler {

// Lower is better for val_loss; higher for the accuracies.
bool HigherIsBetter(const std::string& metric);

struct PatienceVerdict {
  int32_t best_epoch = 0;  // the first epoch with the best value (0: no epochs)
  bool stop = false;       // `patience` epochs since it without improving on it
};
// `history`: (epoch, value) in epoch order. An epoch improves only when strictly better.
PatienceVerdict Patience(const std::vector<std::pair<int32_t, double>>& history, bool higher_is_better,
                         int32_t patience);

// ASHA with the spec's defaults filled in (grace 1, reduction factor 3, val_accuracy).
struct Asha {
  std::string metric = "val_accuracy";
  int32_t grace_epochs = 1;
  int32_t reduction_factor = 3;
};
Asha AshaOf(const derm::v1::SweepEarlyStopping& spec);
// Rung epochs: grace x factor^k for k = 0, 1, ... while below `epochs` (a trial's last epoch is
// no rung: it ends there anyway).
std::vector<int32_t> AshaRungs(const Asha& asha, int32_t epochs);
// The cutoff at a rung: the (1 - 1/factor) quantile of the other trials' values there, linearly
// interpolated (numpy's default), on values oriented so that higher is better; nullopt when no
// other trial has reached the rung.
std::optional<double> AshaCutoff(std::vector<double> oriented_others, int32_t reduction_factor);

}  // namespace derm::scheduler
