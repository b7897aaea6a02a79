// What the scheduler's stopping rules read and write about a run's epochs: one validation metric
// epoch by epoch, the values a sweep's trials recorded at an epoch, a stored checkpoint, and the
// decision to stop a run.
// Thread-safety: not thread-safe; one thread uses a connection at a time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/status_or.h"
#include "store/run_reader.h"

namespace derm::store {

class Database;

// A stopped run: after which epoch, and why.
struct RunStop {
  int32_t epoch = 0;
  std::string reason;
};

class TrainingHistory {
 public:
  explicit TrainingHistory(Database* db) : db_(db) {}

  // `column`: a stopping metric (derm::IsStopMetric), else INVALID_ARGUMENT.
  // (epoch, value of `column`) for every stored epoch of the run, in epoch order.
  StatusOr<std::vector<std::pair<int32_t, double>>> Metric(int64_t run_id, const std::string& column);
  // `column` at `epoch` of every run of the sweep but `except_run` that has reached that epoch.
  StatusOr<std::vector<double>> SweepValues(int64_t sweep_id, int32_t epoch, const std::string& column,
                                            int64_t except_run);
  // The run's last stored epoch (0: none yet); NOT_FOUND for an unknown run.
  StatusOr<int32_t> LastEpoch(int64_t run_id);
  // The number of classes the run's facts named (0: none reported yet); NOT_FOUND for an unknown run.
  StatusOr<int32_t> ClassCount(int64_t run_id);
  // The run's exact and near-duplicate image pairs across splits (its facts'); NOT_FOUND for an
  // unknown run.
  StatusOr<int64_t> LeakedPairs(int64_t run_id);
  // The checkpoint reported with `epoch`, if stored.
  StatusOr<std::optional<Checkpoint>> CheckpointAt(int64_t run_id, int32_t epoch);

  // Records that the run stops after `epoch` (and an event for its watchers); the first decision
  // stays.
  Status RecordStop(int64_t run_id, int32_t epoch, const std::string& reason, int64_t now_ms);
  StatusOr<std::optional<RunStop>> Stop(int64_t run_id);

 private:
  Database* db_;
};

}  // namespace derm::store
