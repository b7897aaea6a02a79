// Finding the images of a dataset: class folders (sorted names = labels, as Keras does), every
// file below a folder that the data roots let a worker read, and the image files among them.
// Everything else found is reported as skipped, with the reason.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "common/status_or.h"
#include "worker/data/data_roots.h"

namespace derm::data {

struct SkippedFile {
  std::string path, reason;
};

// An image file to decode.
struct ImageEntry {
  std::string path;    // as found on disk
  std::string rel;     // relative to its root, for the fingerprint
  int32_t label = -1;  // -1: unlabelled
  std::string sha256;  // of its content, once known (empty until then)
};

// The sub-folder names of `dir`, sorted. INVALID_ARGUMENT naming `what` when `dir` is no folder,
// cannot be read or has no sub-folders.
StatusOr<std::vector<std::string>> ClassFolders(const std::string& dir, const char* what);

// Every file below `dir` (sorted) that `roots` lets a worker read; the others go to `skipped`.
// Links to folders are not followed. A folder that cannot be listed to its end is an error, not
// a shorter list.
StatusOr<std::vector<std::filesystem::path>> ListFiles(const std::filesystem::path& dir,
                                                       const DataRoots& roots,
                                                       std::vector<SkippedFile>* skipped);

// The image files (by extension) among `files`, labelled `label`, named relative to `root`; the
// other files go to `skipped`.
std::vector<ImageEntry> ImageFiles(const std::vector<std::filesystem::path>& files,
                                   const std::filesystem::path& root, int32_t label,
                                   std::vector<SkippedFile>* skipped);

// The image files (by extension) of each class folder of `root`, labelled by `label_of`; other
// files go to `skipped`. INVALID_ARGUMENT when a class folder has no images.
StatusOr<std::vector<ImageEntry>> ScanClassFolders(const std::string& root,
                                                   const std::vector<std::string>& folders,
                                                   const std::map<std::string, int32_t>& label_of,
                                                   const DataRoots& roots, std::vector<SkippedFile>* skipped);

}  // namespace derm::data
