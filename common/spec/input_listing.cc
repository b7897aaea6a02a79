#include "common/spec/input_listing.h"

#include <glob.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

#include "common/strings.h"

namespace derm {
namespace fs = std::filesystem;
namespace {

std::string Normal(const fs::path& p, const fs::path& base) {
  return (p.is_absolute() ? p : fs::absolute(base / p)).lexically_normal().string();
}

Status TooMany(const std::string& field) {
  return InvalidArgument(field + " names more than " + std::to_string(kMaxInferImages) +
                         " images; split the job");
}

StatusOr<std::vector<std::string>> ListFolder(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    return InvalidArgument("input.folder " + dir + " does not exist or is not a folder");
  std::vector<std::string> out;
  // A folder that cannot be listed to its end (an unreadable sub-folder among them) is an error:
  // a shorter list would let the job succeed on part of its input.
  fs::recursive_directory_iterator it(dir, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    std::error_code type_ec;
    if (!it->is_regular_file(type_ec) || !HasImageExtension(it->path().filename().string())) continue;
    out.push_back(Normal(it->path(), dir));
    if (out.size() > kMaxInferImages) return TooMany("input.folder");
  }
  if (ec) return InvalidArgument("input.folder " + dir + " cannot be listed to its end: " + ec.message());
  std::sort(out.begin(), out.end());
  if (out.empty())
    return InvalidArgument("input.folder " + dir + " has no image files (.jpg .jpeg .png .bmp)");
  return out;
}

StatusOr<std::vector<std::string>> ListGlob(const std::string& pattern) {
  glob_t g{};
  const int rc = ::glob(pattern.c_str(), GLOB_NOSORT, nullptr, &g);
  std::vector<std::string> out;
  if (rc == 0) {
    for (size_t i = 0; i < g.gl_pathc && out.size() <= kMaxInferImages; ++i) {
      std::error_code ec;
      if (HasImageExtension(g.gl_pathv[i]) && fs::is_regular_file(g.gl_pathv[i], ec))
        out.push_back(Normal(g.gl_pathv[i], fs::current_path()));
    }
  }
  globfree(&g);
  if (rc != 0 && rc != GLOB_NOMATCH) return InvalidArgument("input.glob " + pattern + " cannot be read");
  if (out.size() > kMaxInferImages) return TooMany("input.glob");
  std::sort(out.begin(), out.end());
  if (out.empty()) return InvalidArgument("input.glob " + pattern + " matches no image files");
  return out;
}

StatusOr<std::vector<std::string>> ListFile(const std::string& file) {
  std::ifstream in(file);
  if (!in) return InvalidArgument("input.list_file " + file + " cannot be opened");
  const fs::path base = fs::absolute(file).parent_path();
  std::vector<std::string> out;
  std::set<std::string> seen;
  std::string line;
  while (std::getline(in, line)) {
    line = Trim(line);
    if (line.empty() || line[0] == '#') continue;
    std::string path = Normal(line, base);
    if (seen.insert(path).second) out.push_back(std::move(path));
    if (out.size() > kMaxInferImages) return TooMany("input.list_file");
  }
  if (out.empty()) return InvalidArgument("input.list_file " + file + " lists no paths");
  return out;
}

}  // namespace

StatusOr<std::vector<std::string>> ListInput(const derm::v1::InputSpec& input) {
  if (!input.folder().empty()) return ListFolder(input.folder());
  if (!input.glob().empty()) return ListGlob(input.glob());
  if (!input.list_file().empty()) return ListFile(input.list_file());
  return InvalidArgument("input: one of input.folder, input.glob and input.list_file is required");
}

}  // namespace derm
