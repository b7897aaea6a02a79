#include "worker/data/table_dataset.h"

#include <algorithm>
#include <filesystem>
#include <map>

#include "common/crypto/sha256.h"
#include "common/table/group_split.h"
#include "common/table/image_match.h"

namespace derm::data {
namespace {

namespace fs = std::filesystem;

struct ReadTable {
  table::LabelTable labels;
  std::vector<ImageEntry> entries;  // per row, in table order
  std::string sha256;
};

// The rows of `path` with their image files below `folder`; rows whose file the roots refuse go
// to `skipped` and get no entry (entries[i].path is then empty).
StatusOr<ReadTable> Read(const std::string& path, const std::string& folder,
                         const table::TableOptions& options, const DataRoots& roots,
                         std::vector<SkippedFile>* skipped) {
  ReadTable out;
  std::string bytes;
  DERM_ASSIGN_OR_RETURN(table::CsvTable csv, table::ReadCsvFile(path, &bytes));
  out.sha256 = Sha256Hex(bytes);
  DERM_ASSIGN_OR_RETURN(out.labels, table::ReadLabelTable(csv, path, options));
  std::error_code ec;
  if (!fs::is_directory(folder, ec))
    return InvalidArgument("image folder " + folder + " does not exist or is not a folder");
  // Files the roots refuse are candidates too, so that a row naming one is skipped with the
  // reason rather than called missing; files no row names are left alone.
  std::vector<SkippedFile> refused;
  DERM_ASSIGN_OR_RETURN(std::vector<fs::path> files, ListFiles(folder, roots, &refused));
  std::vector<std::string> rel;
  std::vector<std::string> refusal;
  for (const auto& f : files) {
    rel.push_back(table::RelativeByName(f.string(), folder));
    refusal.emplace_back();
  }
  for (auto& r : refused) {
    rel.push_back(table::RelativeByName(r.path, folder));
    refusal.push_back(r.reason);
    files.emplace_back(r.path);
  }
  DERM_ASSIGN_OR_RETURN(std::vector<size_t> match, table::MatchImages(out.labels, rel, path, folder));
  out.entries.resize(match.size());
  for (size_t i = 0; i < match.size(); ++i) {
    const size_t f = match[i];
    if (!refusal[f].empty()) {
      skipped->push_back({files[f].string(), refusal[f]});
      continue;
    }
    out.entries[i] = {files[f].string(), rel[f], out.labels.rows[i].label, ""};
  }
  return out;
}

}  // namespace

StatusOr<TableSplits> SplitTable(const TableData& d, double validation_split, int folds, int fold,
                                 uint64_t seed, const DataRoots& roots, std::vector<SkippedFile>* skipped) {
  TableSplits out;
  DERM_ASSIGN_OR_RETURN(ReadTable train, Read(d.table, d.images, d.options, roots, skipped));
  out.class_names = train.labels.class_names;
  out.group_column = train.labels.group_column;
  out.warnings = train.labels.warnings;
  out.tables_sha256 = train.sha256;
  std::vector<int32_t> labels;
  std::vector<std::string> groups;
  for (const auto& row : train.labels.rows) {
    labels.push_back(row.label);
    groups.push_back(row.group);
  }
  const std::vector<int> part = table::AssignSplits(labels, groups, static_cast<int>(out.class_names.size()),
                                                    validation_split, d.test_split, folds, fold, seed);
  const std::vector<int64_t> counts = table::GroupsPerPart(groups, part, 3);
  out.attribute_names = train.labels.attribute_names;
  for (size_t i = 0; i < part.size(); ++i) {
    if (train.entries[i].path.empty()) continue;
    out.attributes[train.entries[i].path] = train.labels.rows[i].attributes;
    out.split[part[i]].push_back(std::move(train.entries[i]));
  }
  for (int s = 0; s < 3; ++s) out.groups[s] = counts[static_cast<size_t>(s)];
  if (!d.test_table.empty()) {
    table::TableOptions options = d.options;
    options.class_names = out.class_names;
    DERM_ASSIGN_OR_RETURN(ReadTable t, Read(d.test_table, d.test_images, options, roots, skipped));
    std::vector<std::string> test_groups;
    for (size_t i = 0; i < t.entries.size(); ++i) {
      test_groups.push_back(t.labels.rows[i].group);
      if (t.entries[i].path.empty()) continue;
      // The test table's own columns, by the training table's attribute names (missing: "").
      std::vector<std::string>& values = out.attributes[t.entries[i].path];
      for (const auto& name : out.attribute_names) {
        const auto at = std::find(t.labels.attribute_names.begin(), t.labels.attribute_names.end(), name);
        values.push_back(
            at == t.labels.attribute_names.end()
                ? ""
                : t.labels.rows[i].attributes[static_cast<size_t>(at - t.labels.attribute_names.begin())]);
      }
      out.split[2].push_back(std::move(t.entries[i]));
    }
    out.groups[2] = table::GroupsPerPart(test_groups, std::vector<int>(test_groups.size(), 0), 1)[0];
    out.tables_sha256 = Sha256Hex(train.sha256 + " " + t.sha256);
  }
  return out;
}

}  // namespace derm::data
