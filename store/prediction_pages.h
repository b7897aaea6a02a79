// Reading a run's validation and test predictions page by page, by confusion-matrix cell or where
// two runs disagree, and their thumbnails (the dashboard's image views).
// Thread-safety: not thread-safe; one thread uses a connection at a time.
#pragma once

#include <string>

#include "common/status_or.h"
#include "derm/v1/jobs.pb.h"

namespace derm::store {

class Database;

class PredictionPages {
 public:
  explicit PredictionPages(Database* db) : db_(db) {}
  // The predictions `request` selects, by path; INVALID_ARGUMENT for a bad split, page size or
  // page token. A run without predictions (or none stored yet) gives an empty page.
  StatusOr<derm::v1::ListPredictionsResponse> List(const derm::v1::ListPredictionsRequest& request);
  // The stored thumbnail of one prediction; NOT_FOUND when there is none.
  StatusOr<std::string> Thumbnail(int64_t run_id, const std::string& split, const std::string& path);

 private:
  Database* db_;
};

// "validation" for empty; the split itself when it is "validation" or "test"; else empty.
std::string PredictionSplit(const std::string& split);

}  // namespace derm::store
