// A labels table: which image has which class, which group (lesion or patient) it belongs to and
// which attributes (sex, age, site, skin type, ...) it has, read from one of the public
// dermoscopy tables (docs/data.md):
//   ham10000        HAM10000_metadata.csv: image_id, dx, lesion_id, age, sex, localization, ...
//   isic_archive    the ISIC Archive's metadata.csv: isic_id, diagnosis, lesion_id, patient_id,
//                   age_approx, sex, anatom_site_general, fitzpatrick_skin_type, ...
//   isic_challenge  ISIC Challenge ground truth, one-hot: image, MEL, NV, BCC, ... (one 1 a row)
//   custom          any table, with image_column and label_column named
// Detected from the header when not named. Class names are the label values, sorted (one-hot:
// the columns' order). Every problem names the CSV line and column. No file access: see
// ReadCsvFile and MatchImages.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status_or.h"
#include "common/table/csv.h"

namespace derm::table {

// Bounds on what a table makes a run: classes become the head's outputs, the confusion matrix's
// rows and columns, and names stored with every epoch.
inline constexpr size_t kMaxClasses = 1000;
inline constexpr size_t kMaxClassNameBytes = 200;

struct TableOptions {
  std::string format;        // "", ham10000, isic_archive, isic_challenge or custom
  std::string image_column;  // "": the format's
  std::string label_column;  // "": the format's (isic_challenge: none, labels are one-hot)
  // nullopt: the format's (ham10000: lesion_id; isic_archive: patient_id, else lesion_id);
  // "": none (one group per image).
  std::optional<std::string> group_column;
  std::optional<std::vector<std::string>> attributes;  // nullopt: the format's that the table has
  // Non-empty (a test table): the training table's classes; a label outside them is an error.
  std::vector<std::string> class_names;
};

struct TableRow {
  std::string image;  // the image column's value (a file name, with or without its extension)
  int32_t label = 0;
  std::string group;                    // "" when the table has no group column or the cell is empty
  std::vector<std::string> attributes;  // LabelTable::attribute_names order
  int64_t line = 0;                     // in the CSV
};

struct LabelTable {
  std::string format;
  std::string image_column, label_column, group_column;  // as used ("" for none)
  std::vector<std::string> class_names;
  std::vector<std::string> attribute_names;
  std::vector<TableRow> rows;
  // Facts a run should show: images that share a lesion or patient id split per image.
  std::vector<std::string> warnings;
};

// The labels of `csv` (read from file `name`). INVALID_ARGUMENT naming the line and column: an
// unknown format, a missing column, an empty image or label, an image listed twice, a one-hot
// row with no or several 1s or a value other than 0 and 1, a label not in options.class_names,
// a label over kMaxClassNameBytes, more than kMaxClasses classes.
StatusOr<LabelTable> ReadLabelTable(const CsvTable& csv, const std::string& name,
                                    const TableOptions& options);

}  // namespace derm::table
