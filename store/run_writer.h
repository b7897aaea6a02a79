// A training run's results as its attempts report them: facts, epochs (metrics, confusion
// cells, checkpoint) and the final result. Each method is one transaction.
// Thread-safety: not thread-safe; one thread uses a connection at a time.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "derm/v1/jobs.pb.h"
#include "derm/v1/results.pb.h"

namespace derm::store {

class Database;

class RunWriter {
 public:
  explicit RunWriter(Database* db) : db_(db) {}
  Status RecordFacts(int64_t run_id, const derm::v1::RunFacts& facts, int64_t now_ms);
  // Stores one epoch's metrics, per-class metrics, confusion cells and checkpoint. An epoch
  // already stored for the run is replaced (a resumed attempt may redo it).
  Status RecordEpoch(int64_t run_id, int64_t attempt_id, const derm::v1::EpochMetrics& m,
                     const std::string& checkpoint, int64_t now_ms);
  // Stores the test metrics, predictions and the spec's gates' verdicts; `epoch` is the run's last
  // epoch.
  Status RecordResult(int64_t run_id, int32_t epoch, const derm::v1::RunResult& result, int64_t now_ms,
                      const std::vector<derm::v1::GateResult>& gates = {});

 private:
  Database* db_;
};

}  // namespace derm::store
