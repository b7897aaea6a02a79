// ExportDir: the one folder the operator lets the scheduler write CSV files into
// (derm-scheduler --export-dir). A spec's infer.output_csv names a file inside it; the scheduler
// writes nowhere else, never over an existing file and never its own database.
// Thread-safety: immutable after Open; safe from any thread.
#pragma once

#include <string>

#include "common/status_or.h"

namespace derm::scheduler {

class ExportDir {
 public:
  // No folder: every output_csv is refused.
  ExportDir() = default;
  // `dir` must be an existing folder; `db_path` is the scheduler's database, never a target.
  static StatusOr<ExportDir> Open(const std::string& dir, const std::string& db_path);

  // The absolute path for output_csv `name`: a relative path of plain components (no "..", no
  // leading "/"), whose folder exists inside the export folder once links are resolved, and
  // which names no existing file. INVALID_ARGUMENT naming the problem otherwise.
  StatusOr<std::string> Target(const std::string& name) const;
  bool enabled() const { return !dir_.empty(); }

 private:
  std::string dir_;      // canonical
  std::string db_path_;  // canonical, or as given when it does not exist yet
};

}  // namespace derm::scheduler
