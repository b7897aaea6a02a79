// DataRoots: the folders a worker may read from (derm-worker --data-root DIR, repeatable): image
// folders, inference inputs, weights and model files that specs name. A path is canonicalised
// (symlinks resolved) and must lie inside a root, and only folders and regular files are read,
// never devices, FIFOs or sockets, so a spec cannot make a worker read /etc, /proc or /dev/zero.
// With no roots every path is allowed (a single user's machine), but the type checks still hold.
// Messages name the path and the rule, never anything read from the file.
// Thread-safety: immutable after Create; use from any thread.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "common/status_or.h"

namespace derm::data {

class DataRoots {
 public:
  DataRoots() = default;  // no roots: unrestricted

  // Each root must be an existing folder; INVALID_ARGUMENT naming the one that is not.
  static StatusOr<DataRoots> Create(const std::vector<std::string>& roots);

  bool restricted() const { return !roots_.empty(); }
  const std::vector<std::filesystem::path>& roots() const { return roots_; }

  // OK when `path` is a folder (Folder) or a regular file (File) inside a root, or does not exist
  // (its reader reports that, as without roots); else INVALID_ARGUMENT saying "<what> <path> ...".
  Status Folder(const std::string& path, const std::string& what) const;
  Status File(const std::string& path, const std::string& what) const;

  // For entries found inside an allowed folder: "" when `path` may be read as a file, else the
  // reason it may not ("not a regular file", "a link to outside the worker's data roots").
  std::string FileRefusal(const std::filesystem::path& path) const;

 private:
  Status Check(const std::string& path, const std::string& what, bool folder) const;
  bool Contains(const std::filesystem::path& canonical) const;
  std::vector<std::filesystem::path> roots_;
};

}  // namespace derm::data
