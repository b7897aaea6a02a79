#include "scheduler/export_dir.h"

#include <filesystem>

#include "common/strings.h"

namespace derm::scheduler {

namespace fs = std::filesystem;

StatusOr<ExportDir> ExportDir::Open(const std::string& dir, const std::string& db_path) {
  std::error_code ec;
  const fs::path canonical = fs::canonical(dir, ec);
  if (ec || !fs::is_directory(canonical, ec)) {
    return InvalidArgument("--export-dir " + dir + " does not exist or is not a folder");
  }
  ExportDir out;
  out.dir_ = canonical.string();
  const fs::path db = fs::weakly_canonical(db_path, ec);
  out.db_path_ = ec ? db_path : db.string();
  return out;
}

StatusOr<std::string> ExportDir::Target(const std::string& name) const {
  const std::string field = "infer.output_csv " + name;
  if (!enabled()) {
    return InvalidArgument(field +
                           ": this scheduler writes no files (start derm-scheduler with --export-dir); "
                           "dermctl export predictions --job ID gives the same CSV anywhere");
  }
  if (name.empty() || name.size() > 1024 || name.find('\0') != std::string::npos ||
      FirstInvalidUtf8(name) != std::string::npos) {
    return InvalidArgument("infer.output_csv must be a file name of 1 to 1024 UTF-8 bytes");
  }
  const fs::path rel(name);
  if (rel.is_absolute()) {
    return InvalidArgument(field + " is an absolute path; name a file inside the scheduler's export folder");
  }
  for (const auto& part : rel) {
    if (part == ".." || part == ".") return InvalidArgument(field + " may not contain '.' or '..'");
  }
  if (!rel.has_filename()) return InvalidArgument(field + " names a folder, not a file");
  std::error_code ec;
  const fs::path folder = fs::canonical(fs::path(dir_) / rel.parent_path(), ec);
  if (ec) return InvalidArgument(field + ": its folder does not exist in the export folder");
  if (!PathWithin(folder, dir_)) return InvalidArgument(field + " leads out of the export folder");
  const fs::path target = folder / rel.filename();
  if (fs::exists(fs::symlink_status(target, ec))) {
    return InvalidArgument(field + " already exists; the scheduler never writes over a file");
  }
  for (const char* suffix : {"", "-wal", "-shm", "-journal", ".lock"}) {
    if (target.string() == db_path_ + suffix) return InvalidArgument(field + " is the scheduler's database");
  }
  return target.string();
}

}  // namespace derm::scheduler
