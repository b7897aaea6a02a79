#include "common/table/label_table.h"

#include <algorithm>
#include <map>
#include <set>

#include "common/parse_number.h"

namespace derm::table {
namespace {

struct Format {
  const char* name;
  const char* image_column;
  const char* label_column;                // "" for one-hot
  std::vector<const char*> group_columns;  // the first the table has is the default
  std::vector<const char*> attributes;     // those the table has are the default
};

const std::vector<Format>& Formats() {
  static const std::vector<Format> kFormats = {
      {"ham10000", "image_id", "dx", {"lesion_id"}, {"sex", "age", "localization"}},
      {"isic_archive",
       "isic_id",
       "diagnosis",
       {"patient_id", "lesion_id"},
       {"sex", "age_approx", "anatom_site_general", "fitzpatrick_skin_type"}},
      {"isic_challenge", "image", "", {}, {}},
      {"custom", "", "", {}, {}},
  };
  return kFormats;
}

// The format whose columns the header has: HAM10000 and ISIC Archive by their id columns, a
// Challenge file by `image` followed only by class columns.
std::string Detect(const CsvTable& csv) {
  if (csv.Column("image_id") >= 0 && csv.Column("dx") >= 0) return "ham10000";
  if (csv.Column("isic_id") >= 0) return "isic_archive";
  if (!csv.header.empty() && csv.header[0] == "image" && csv.header.size() >= 3) return "isic_challenge";
  return "";
}

std::string Cell(const CsvTable& csv, const std::string& name, size_t row, const std::string& column) {
  return name + ": line " + std::to_string(csv.lines[row]) + ", column " + column + ": ";
}

std::string Columns(const CsvTable& csv) {
  std::string out;
  for (const auto& h : csv.header) out += (out.empty() ? "" : ", ") + h;
  return out;
}

// The warning for a table split per image whose `column` repeats values.
void WarnShared(const CsvTable& csv, const char* column, std::vector<std::string>* warnings) {
  const int c = csv.Column(column);
  if (c < 0) return;
  std::set<std::string> values;
  size_t filled = 0;
  for (const auto& r : csv.rows) {
    if (r[c].empty()) continue;
    ++filled;
    values.insert(r[c]);
  }
  if (values.size() < filled) {
    warnings->push_back(std::to_string(filled) + " images share " + std::to_string(values.size()) + " " +
                        column + " values, but the split is per image, so one " + column +
                        " can be on both sides of it: set data.group_column: " + column);
  }
}

}  // namespace

StatusOr<LabelTable> ReadLabelTable(const CsvTable& csv, const std::string& name, const TableOptions& o) {
  LabelTable t;
  t.format = !o.format.empty() ? o.format : Detect(csv);
  if (t.format.empty() && !o.image_column.empty() && !o.label_column.empty()) t.format = "custom";
  if (t.format.empty()) {
    return InvalidArgument(name + ": not a HAM10000, ISIC Archive or ISIC Challenge table (columns: " +
                           Columns(csv) + "); name data.image_column and data.label_column, or data.format");
  }
  const auto f =
      std::find_if(Formats().begin(), Formats().end(), [&](const Format& x) { return t.format == x.name; });
  if (f == Formats().end()) {
    return InvalidArgument("data.format must be ham10000, isic_archive, isic_challenge or custom, got \"" +
                           t.format + "\"");
  }
  const bool one_hot = t.format == "isic_challenge" && o.label_column.empty();
  t.image_column = o.image_column.empty() ? f->image_column : o.image_column;
  t.label_column = one_hot ? "" : o.label_column.empty() ? f->label_column : o.label_column;
  auto require = [&](const std::string& column, const char* field) -> StatusOr<int> {
    if (column.empty())
      return InvalidArgument(name + ": " + field + " is required for a " + t.format + " table");
    const int c = csv.Column(column);
    if (c < 0) {
      return InvalidArgument(name + ": line " + std::to_string(csv.header_line) +
                             ": the header has no column " + column + " (" + field +
                             "; columns: " + Columns(csv) + ")");
    }
    return c;
  };
  DERM_ASSIGN_OR_RETURN(const int image_col, require(t.image_column, "data.image_column"));
  int label_col = -1;
  if (!one_hot) {
    DERM_ASSIGN_OR_RETURN(label_col, require(t.label_column, "data.label_column"));
  }
  int group_col = -1;
  if (o.group_column) {
    t.group_column = *o.group_column;
    if (!t.group_column.empty()) {
      DERM_ASSIGN_OR_RETURN(group_col, require(t.group_column, "data.group_column"));
    }
  } else {
    for (const char* g : f->group_columns) {
      if (csv.Column(g) >= 0) {
        t.group_column = g;
        group_col = csv.Column(g);
        break;
      }
    }
  }
  std::vector<int> attribute_cols;
  if (o.attributes) {
    for (const auto& a : *o.attributes) {
      DERM_ASSIGN_OR_RETURN(int c, require(a, "data.attributes"));
      t.attribute_names.push_back(a);
      attribute_cols.push_back(c);
    }
  } else {
    for (const char* a : f->attributes) {
      if (csv.Column(a) < 0) continue;
      t.attribute_names.push_back(a);
      attribute_cols.push_back(csv.Column(a));
    }
  }

  // Class columns of a one-hot table: every column but the image's (and the group's and the
  // attributes', should the file carry some).
  std::vector<int> class_cols;
  if (one_hot) {
    for (size_t c = 0; c < csv.header.size(); ++c) {
      const int ci = static_cast<int>(c);
      if (ci == image_col || ci == group_col ||
          std::find(attribute_cols.begin(), attribute_cols.end(), ci) != attribute_cols.end())
        continue;
      if (csv.header[c].size() > kMaxClassNameBytes) {
        return InvalidArgument(name + ": line " + std::to_string(csv.header_line) + ": class column " +
                               std::to_string(c + 1) + "'s name is longer than " +
                               std::to_string(kMaxClassNameBytes) + " characters");
      }
      class_cols.push_back(ci);
      t.class_names.push_back(csv.header[c]);
    }
    if (t.class_names.size() < 2)
      return InvalidArgument(name + ": a one-hot table needs at least two class columns");
  } else {
    std::set<std::string> labels;
    for (size_t r = 0; r < csv.rows.size(); ++r) {
      const std::string& v = csv.rows[r][label_col];
      if (v.empty()) return InvalidArgument(Cell(csv, name, r, t.label_column) + "the label is empty");
      if (v.size() > kMaxClassNameBytes) {
        return InvalidArgument(Cell(csv, name, r, t.label_column) + "the label is longer than " +
                               std::to_string(kMaxClassNameBytes) + " characters");
      }
      if (labels.insert(v).second && labels.size() > kMaxClasses) {
        return InvalidArgument(Cell(csv, name, r, t.label_column) + "more than " +
                               std::to_string(kMaxClasses) +
                               " distinct labels (classes); is this the label column?");
      }
    }
    t.class_names.assign(labels.begin(), labels.end());
  }
  if (t.class_names.size() > kMaxClasses) {
    return InvalidArgument(name + ": " + std::to_string(t.class_names.size()) + " class columns, more than " +
                           std::to_string(kMaxClasses));
  }
  if (!o.class_names.empty()) {
    if (one_hot && t.class_names != o.class_names) {
      return InvalidArgument(name + ": its class columns differ from the training table's");
    }
    t.class_names = o.class_names;
  }
  std::map<std::string, int32_t> label_of;
  for (size_t i = 0; i < t.class_names.size(); ++i) label_of[t.class_names[i]] = static_cast<int32_t>(i);

  std::map<std::string, size_t> row_of;  // image -> its first row, for duplicates
  t.rows.reserve(csv.rows.size());
  for (size_t r = 0; r < csv.rows.size(); ++r) {
    const auto& row = csv.rows[r];
    TableRow out;
    out.line = csv.lines[r];
    out.image = row[image_col];
    if (out.image.empty()) return InvalidArgument(Cell(csv, name, r, t.image_column) + "the image is empty");
    if (auto [it, fresh] = row_of.emplace(out.image, r); !fresh) {
      const bool relabelled = label_col >= 0 && csv.rows[it->second][label_col] != row[label_col];
      return InvalidArgument(
          Cell(csv, name, r, t.image_column) + "image " + out.image.substr(0, 200) +
          (relabelled ? " has two labels, " + csv.rows[it->second][label_col].substr(0, 100) + " (line " +
                            std::to_string(csv.lines[it->second]) + ") and " + row[label_col].substr(0, 100)
                      : " is listed twice (first on line " + std::to_string(csv.lines[it->second]) + ")"));
    }
    if (one_hot) {
      int ones = 0;
      for (size_t k = 0; k < class_cols.size(); ++k) {
        const std::string& v = row[class_cols[k]];
        const std::optional<double> x = ParseDouble(v);
        if (!x || (*x != 0 && *x != 1)) {
          return InvalidArgument(Cell(csv, name, r, csv.header[class_cols[k]]) +
                                 "a one-hot label must be 0 or 1, got \"" + v.substr(0, 40) + "\"");
        }
        if (*x == 1) {
          ++ones;
          out.label = static_cast<int32_t>(k);
        }
      }
      if (ones != 1) {
        return InvalidArgument(
            Cell(csv, name, r, t.class_names.front() + ".." + t.class_names.back()) +
            (ones == 0 ? "the row has no label (no class column is 1)"
                       : "the row has " + std::to_string(ones) + " labels (one class column may be 1)"));
      }
    } else {
      const auto it = label_of.find(row[label_col]);
      if (it == label_of.end()) {
        return InvalidArgument(Cell(csv, name, r, t.label_column) + "label " + row[label_col].substr(0, 100) +
                               " is not one of the training table's classes");
      }
      out.label = it->second;
    }
    if (group_col >= 0) out.group = row[group_col];
    for (int c : attribute_cols) out.attributes.push_back(row[c]);
    t.rows.push_back(std::move(out));
  }
  if (group_col < 0) {
    for (const char* g : {"lesion_id", "patient_id"}) WarnShared(csv, g, &t.warnings);
  }
  return t;
}

}  // namespace derm::table
