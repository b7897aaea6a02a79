#include "worker/data/data_roots.h"

#include <algorithm>

#include "common/strings.h"

namespace derm::data {

namespace fs = std::filesystem;

StatusOr<DataRoots> DataRoots::Create(const std::vector<std::string>& roots) {
  DataRoots r;
  for (const auto& root : roots) {
    std::error_code ec;
    const fs::path canonical = fs::canonical(root, ec);
    if (ec || !fs::is_directory(canonical, ec)) {
      return InvalidArgument("--data-root " + root + " is not an existing folder");
    }
    r.roots_.push_back(canonical);
  }
  return r;
}

bool DataRoots::Contains(const fs::path& canonical) const {
  if (roots_.empty()) return true;
  return std::any_of(roots_.begin(), roots_.end(),
                     [&](const fs::path& root) { return PathWithin(canonical, root); });
}

Status DataRoots::Check(const std::string& path, const std::string& what, bool folder) const {
  std::error_code ec;
  const fs::path canonical = fs::canonical(path, ec);
  if (ec) return Status::Ok();  // nothing there to read: the reader reports it missing, as it would anyway
  if (!Contains(canonical)) {
    return InvalidArgument(what + " " + path +
                           " is outside the worker's data roots (derm-worker --data-root)");
  }
  const fs::file_status st = fs::status(canonical, ec);
  if (folder && !fs::is_directory(st)) return InvalidArgument(what + " " + path + " is not a folder");
  if (!folder && !fs::is_regular_file(st))
    return InvalidArgument(what + " " + path + " is not a regular file");
  return Status::Ok();
}

Status DataRoots::Folder(const std::string& path, const std::string& what) const {
  return Check(path, what, true);
}

Status DataRoots::File(const std::string& path, const std::string& what) const {
  return Check(path, what, false);
}

std::string DataRoots::FileRefusal(const fs::path& path) const {
  std::error_code ec;
  const fs::path canonical = fs::canonical(path, ec);
  if (ec) return "cannot be reached (" + ec.message() + ")";
  if (!fs::is_regular_file(canonical, ec)) return "not a regular file";
  if (!Contains(canonical)) return "a link to outside the worker's data roots";
  return "";
}

}  // namespace derm::data
