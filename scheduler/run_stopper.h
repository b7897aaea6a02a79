// RunStopper: applies the stopping rules (scheduler/stopping_rules.h) to a training run's stored
// epochs: after each epoch, whether the run stops there (train.early_stopping's patience, or ASHA
// across its sweep) and its best epoch so far; and which epoch a finished run's model must be of.
// A decision to stop is stored with the run, so a later attempt trains no further.
// Thread-safety: as TrainingJobs, which owns it (the Scheduler's writer lock).
#pragma once

#include <cstdint>
#include <map>
#include <optional>

#include "common/status_or.h"
#include "derm/v1/jobs.pb.h"
#include "derm/v1/workers.pb.h"
#include "scheduler/stopping_rules.h"
#include "store/store.h"

namespace derm::scheduler {

class RunStopper {
 public:
  explicit RunStopper(store::Store* store) : store_(store) {}

  // After `epoch` of the job's run was stored (`stopped`: the run's stop as stored before it):
  // stop or go on, and the best epoch so far.
  StatusOr<derm::v1::ReportEpochResponse> AfterEpoch(const derm::v1::Job& job, int32_t epoch,
                                                     const std::optional<store::RunStop>& stopped,
                                                     int64_t now_ms);
  // The epoch the finished run's model must be of: its best one with train.early_stopping, else
  // its last stored one (0: none stored).
  StatusOr<int32_t> ModelEpoch(const derm::v1::Job& job);
  // What a new attempt of the run is told: where it was stopped, its best epoch and checkpoint.
  Status FillTask(const derm::v1::Job& job, derm::v1::Task* task);

 private:
  StatusOr<std::string> AshaStop(const derm::v1::Job& job, int32_t epoch);
  // The sweep's ASHA settings (none: it has no sweep.early_stopping), read once per sweep: a
  // sweep's spec never changes.
  StatusOr<std::optional<Asha>> AshaOfSweep(int64_t sweep_id);

  store::Store* store_;
  std::map<int64_t, std::optional<Asha>> sweeps_;
};

}  // namespace derm::scheduler
