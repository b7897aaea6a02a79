#include "client/table_check.h"

#include <filesystem>

#include "common/spec/table_options.h"
#include "common/table/image_match.h"

namespace derm::client {
namespace {

namespace fs = std::filesystem;

// The regular files below `folder`, relative to it ('/'-separated); links to folders are not
// followed, unreadable folders are passed over.
std::vector<std::string> FilesBelow(const std::string& folder) {
  std::vector<std::string> out;
  std::error_code ec;
  fs::recursive_directory_iterator it(folder, fs::directory_options::skip_permission_denied, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    std::error_code type_ec;
    if (it->is_regular_file(type_ec)) out.push_back(table::RelativeByName(it->path().string(), folder));
  }
  return out;
}

// The classes of `table` read with `options`, or the problem.
StatusOr<std::vector<std::string>> Check(const std::string& table, const std::string& images,
                                         const table::TableOptions& options) {
  DERM_ASSIGN_OR_RETURN(table::CsvTable csv, table::ReadCsvFile(table));
  DERM_ASSIGN_OR_RETURN(table::LabelTable labels, table::ReadLabelTable(csv, table, options));
  const std::string folder = ImageFolderOf(table, images);
  DERM_RETURN_IF_ERROR(table::MatchImages(labels, FilesBelow(folder), table, folder).status());
  return labels.class_names;
}

}  // namespace

std::vector<std::string> CheckTables(const derm::v1::DataSpec& data) {
  if (data.table().empty()) return {};
  auto classes = Check(data.table(), data.images(), TableOptionsOf(data));
  if (!classes.ok()) return {classes.status().message()};
  if (data.test_table().empty()) return {};
  auto test = Check(data.test_table(), data.test_images(), TableOptionsOf(data, *classes));
  if (!test.ok()) return {test.status().message()};
  return {};
}

}  // namespace derm::client
