// Reading training runs back: reports, epochs, checkpoints, predictions, filtered listings and
// exported models.
// Thread-safety: not thread-safe; one thread uses a connection at a time.
#pragma once

#include <climits>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status_or.h"
#include "derm/v1/jobs.pb.h"
#include "derm/v1/results.pb.h"

namespace derm::store {

class Database;

struct Checkpoint {
  int32_t epoch = 0;
  std::string bytes;
};

// One epoch's headline figures (a learning curve's point).
struct EpochPoint {
  int32_t epoch = 0;
  double loss = 0, accuracy = 0, val_loss = 0, val_accuracy = 0, images_per_second = 0;
};

class RunReader {
 public:
  explicit RunReader(Database* db) : db_(db) {}
  // Every epoch with its per-class metrics and confusion matrix, but the clinical evaluation
  // (curves, operating points, bins: about a thousand rows an epoch) only of the last epoch and of
  // the model's epoch, so that a long run's report stays small; Epochs() has any epoch's.
  StatusOr<derm::v1::RunReport> Get(int64_t run_id);
  // Epochs of `run_id` in (after_epoch, last_epoch], in order, with per-class metrics, confusion
  // matrices and (with `evaluations`) the clinical evaluation.
  StatusOr<std::vector<derm::v1::EpochMetrics>> Epochs(int64_t run_id, int32_t after_epoch,
                                                       int32_t last_epoch = INT32_MAX,
                                                       bool evaluations = true);
  // The run's epochs' headline figures, in order (no per-class rows: cheap for long runs).
  StatusOr<std::vector<EpochPoint>> EpochPoints(int64_t run_id);
  StatusOr<std::optional<Checkpoint>> LatestCheckpoint(int64_t run_id);
  // The run's stored predictions of `split`, by image path.
  StatusOr<std::vector<derm::v1::Prediction>> Predictions(int64_t run_id, const std::string& split);
  // Runs matching `filter` (store/run_query.h) in `order_by` order, `limit` from `offset`.
  StatusOr<std::vector<derm::v1::RunSummary>> List(const std::string& filter, const std::string& order_by,
                                                   int limit, int64_t offset);
  // Adds the params named `names` (spec paths, "tags.<key>") that each of `runs` has to its
  // RunSummary.params, in one query for all of them.
  Status AddParams(const std::vector<std::string>& names, std::vector<derm::v1::RunSummary>* runs);
  // The exported model a finished run stored (RunResult.model); NOT_FOUND when there is none.
  StatusOr<std::string> Model(int64_t run_id);

 private:
  StatusOr<derm::v1::SplitMetrics> LoadSplit(int64_t run_id, int32_t epoch, const char* split,
                                             bool evaluation = true);
  Database* db_;
};

}  // namespace derm::store
