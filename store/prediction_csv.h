// An inference job's results as one CSV file: a line per input image, in path order, with its
// prediction or, for an image that could not be read, the reason. Written by the scheduler into
// its --export-dir (scheduler/export_dir.h) when the job succeeds; `dermctl export predictions --job`
// reads the same rows from the database.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"
#include "store/sqlite.h"

namespace derm::store {

// Columns: path, sha256, predicted, probability, class_1, p_1 ... class_k, p_k (the top k), then
// p_<class> for every class when the job stored probabilities, f0 ... f2047 when it stored
// features, and error. Written to a fresh file beside `path` and linked to `path` at the end, so
// `path` is never half-written and never replaces a file. INVALID_ARGUMENT naming the file when
// it cannot be written or exists already.
Status WritePredictionsCsv(Database* db, int64_t job_id, const std::string& path);

}  // namespace derm::store
