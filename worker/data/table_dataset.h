// The images of a labels table (docs/data.md), found in its image folder inside the worker's data
// roots and split into train, validation and test by group (lesion or patient), stratified by
// class and seeded (common/table/group_split.h). A listed image that is missing is an error naming
// the CSV line; one that the data roots refuse is skipped with the reason (and counts against the
// run's error budget, as undecodable ones do).
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/status_or.h"
#include "common/table/label_table.h"
#include "worker/data/data_roots.h"
#include "worker/data/image_listing.h"

namespace derm::data {

struct TableData {
  std::string table, images;            // the table and its image folder
  std::string test_table, test_images;  // optional: a separate test table and its folder
  table::TableOptions options;
  double test_split = 0;  // > 0: a grouped test split drawn from the table
  int64_t max_errors = 10;
};

struct TableSplits {
  std::vector<std::string> class_names;
  std::vector<ImageEntry> split[3];  // train, validation, test
  int64_t groups[3] = {0, 0, 0};     // distinct groups per split (an image without one counts as one)
  std::string group_column;          // "" when split per image
  std::vector<std::string> warnings;
  std::string tables_sha256;  // SHA-256 of the table's bytes (and the test table's), for the fingerprint
  std::vector<std::string> attribute_names;
  // Each image's attribute values (attribute_names order), by its path.
  std::unordered_map<std::string, std::vector<std::string>> attributes;
};

// Reads the table(s), finds their images and splits them (table::AssignSplits with
// validation_split, folds, fold and seed). Files the roots refuse go to `skipped`.
StatusOr<TableSplits> SplitTable(const TableData& data, double validation_split, int folds, int fold,
                                 uint64_t seed, const DataRoots& roots, std::vector<SkippedFile>* skipped);

}  // namespace derm::data
