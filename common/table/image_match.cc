#include "common/table/image_match.h"

#include <filesystem>
#include <unordered_map>

#include "common/strings.h"

namespace derm::table {
namespace {

constexpr size_t kAmbiguous = static_cast<size_t>(-1);

// The part of `path` before its extension when that is an image extension, else "".
std::string WithoutImageExtension(const std::string& path) {
  const size_t dot = path.rfind('.');
  if (dot == std::string::npos || path.find('/', dot) != std::string::npos) return "";
  return HasImageExtension(path) ? path.substr(0, dot) : "";
}

void Add(std::unordered_map<std::string, size_t>* index, const std::string& key, size_t i) {
  if (key.empty()) return;
  auto [it, fresh] = index->emplace(key, i);
  if (!fresh && it->second != i) it->second = kAmbiguous;
}

}  // namespace

std::string RelativeByName(const std::string& file, const std::string& folder) {
  const std::filesystem::path base = std::filesystem::path(folder).lexically_normal();
  return std::filesystem::path(file).lexically_normal().lexically_relative(base).generic_string();
}

StatusOr<std::vector<size_t>> MatchImages(const LabelTable& table, const std::vector<std::string>& files,
                                          const std::string& table_name, const std::string& folder) {
  // Three tiers, tried in order: the relative path, the relative path without its extension, the
  // file name with or without its extension.
  std::unordered_map<std::string, size_t> by_path, by_stem_path, by_name;
  for (size_t i = 0; i < files.size(); ++i) {
    const std::string& f = files[i];
    Add(&by_path, f, i);
    const std::string stem_path = WithoutImageExtension(f);
    Add(&by_stem_path, stem_path, i);
    const size_t slash = f.rfind('/');
    const std::string name = slash == std::string::npos ? f : f.substr(slash + 1);
    Add(&by_name, name, i);
    const std::string stem = WithoutImageExtension(name);
    Add(&by_name, stem, i);
  }
  std::vector<size_t> out;
  out.reserve(table.rows.size());
  for (const TableRow& row : table.rows) {
    size_t found = kAmbiguous;
    bool ambiguous = false, seen = false;
    for (const auto* index : {&by_path, &by_stem_path, &by_name}) {
      const auto it = index->find(row.image);
      if (it == index->end()) continue;
      seen = true;
      ambiguous = it->second == kAmbiguous;
      found = it->second;
      break;
    }
    const std::string at = table_name + ": line " + std::to_string(row.line) + ", column " +
                           table.image_column + ": image " + row.image.substr(0, 200);
    if (!seen)
      return InvalidArgument(at + " is not in " + folder + " (with or without .jpg, .jpeg, .png or .bmp)");
    if (ambiguous) {
      return InvalidArgument(at + " matches several files in " + folder +
                             "; name it by its path relative to the folder");
    }
    out.push_back(found);
  }
  return out;
}

}  // namespace derm::table
