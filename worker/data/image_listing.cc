#include "worker/data/image_listing.h"

#include <algorithm>

#include "common/strings.h"

namespace derm::data {

namespace fs = std::filesystem;

StatusOr<std::vector<std::string>> ClassFolders(const std::string& dir, const char* what) {
  std::error_code ec;
  if (dir.empty() || !fs::is_directory(dir, ec)) {
    return InvalidArgument(std::string(what) + " folder " + dir + " does not exist or is not a folder");
  }
  std::vector<std::string> names;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code type_ec;
    if (it->is_directory(type_ec)) names.push_back(it->path().filename().string());
  }
  if (ec) return InvalidArgument(std::string(what) + " folder " + dir + " cannot be read: " + ec.message());
  if (names.empty())
    return InvalidArgument(std::string(what) + " folder " + dir + " has no class sub-folders");
  std::sort(names.begin(), names.end());
  return names;
}

StatusOr<std::vector<fs::path>> ListFiles(const fs::path& dir, const DataRoots& roots,
                                          std::vector<SkippedFile>* skipped) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code type_ec;
    if (it->is_directory(type_ec)) continue;
    // A plain regular file lies where its folder does (links to folders are not followed), so
    // only links and other kinds of entries need resolving and checking.
    const bool plain = !it->is_symlink(type_ec) && it->is_regular_file(type_ec);
    if (std::string refusal = plain ? "" : roots.FileRefusal(it->path()); !refusal.empty()) {
      skipped->push_back({it->path().string(), std::move(refusal)});
      continue;
    }
    files.push_back(it->path());
  }
  if (ec) return InvalidArgument("folder " + dir.string() + " cannot be listed: " + ec.message());
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<ImageEntry> ImageFiles(const std::vector<fs::path>& files, const fs::path& root, int32_t label,
                                   std::vector<SkippedFile>* skipped) {
  std::vector<ImageEntry> entries;
  for (const auto& f : files) {
    if (HasImageExtension(f.filename().string())) {
      entries.push_back({f.string(), fs::relative(f, root).string(), label, ""});
    } else {
      skipped->push_back({f.string(), "not an image file type (.jpg .jpeg .png .bmp)"});
    }
  }
  return entries;
}

StatusOr<std::vector<ImageEntry>> ScanClassFolders(const std::string& root,
                                                   const std::vector<std::string>& folders,
                                                   const std::map<std::string, int32_t>& label_of,
                                                   const DataRoots& roots,
                                                   std::vector<SkippedFile>* skipped) {
  std::vector<ImageEntry> entries;
  for (const auto& folder : folders) {
    DERM_ASSIGN_OR_RETURN(std::vector<fs::path> files, ListFiles(fs::path(root) / folder, roots, skipped));
    std::vector<ImageEntry> images = ImageFiles(files, root, label_of.at(folder), skipped);
    entries.insert(entries.end(), std::make_move_iterator(images.begin()),
                   std::make_move_iterator(images.end()));
    if (images.empty())
      return InvalidArgument("class folder " + (fs::path(root) / folder).string() + " has no images");
  }
  return entries;
}

}  // namespace derm::data
