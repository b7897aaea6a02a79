#include "client/table.h"

#include <google/protobuf/util/json_util.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "common/strings.h"

namespace derm::client {

bool ParseOutputFormat(const std::string& text, OutputFormat* format) {
  if (text == "table")
    *format = OutputFormat::kTable;
  else if (text == "csv")
    *format = OutputFormat::kCsv;
  else if (text == "json")
    *format = OutputFormat::kJson;
  else if (text == "yaml")
    *format = OutputFormat::kYaml;
  else
    return false;
  return true;
}

Table QueryTable(const derm::v1::QueryResponse& response) {
  Table t{{response.columns().begin(), response.columns().end()}, {}};
  for (const auto& row : response.rows()) t.rows.push_back({row.values().begin(), row.values().end()});
  return t;
}

void PrintTable(const Table& t, OutputFormat format, std::ostream& out) {
  if (format == OutputFormat::kCsv) {
    for (size_t c = 0; c < t.columns.size(); ++c) out << (c ? "," : "") << CsvCell(t.columns[c]);
    out << "\n";
    for (const auto& row : t.rows) {
      for (size_t c = 0; c < row.size(); ++c) out << (c ? "," : "") << CsvCell(row[c]);
      out << "\n";
    }
    return;
  }
  std::vector<size_t> width(t.columns.size());
  for (size_t c = 0; c < t.columns.size(); ++c) width[c] = t.columns[c].size();
  for (const auto& row : t.rows) {
    for (size_t c = 0; c < row.size() && c < width.size(); ++c) width[c] = std::max(width[c], row[c].size());
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string s;
    for (size_t c = 0; c < cells.size(); ++c) {
      s += cells[c];
      if (c + 1 < cells.size()) s.append(width[c] - cells[c].size() + 2, ' ');
    }
    out << s << "\n";
  };
  line(t.columns);
  for (const auto& row : t.rows) line(row);
}

std::string ProtoText(const google::protobuf::Message& m, OutputFormat format) {
  std::string json;
  google::protobuf::util::JsonPrintOptions o;
  o.add_whitespace = true;
  o.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(m, &json, o);
  if (format != OutputFormat::kYaml) return json;
  // JSON is YAML: re-emit it in block style. yaml-cpp's exceptions stop here.
  try {
    YAML::Emitter e;
    e << YAML::Load(json);
    return std::string(e.c_str()) + "\n";
  } catch (const YAML::Exception&) {
    return json;
  }
}

std::string Fixed(double v, int digits) { return std::isnan(v) ? "" : FormatFixed(v, digits); }

}  // namespace derm::client
