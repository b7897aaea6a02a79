// Table: rows of text cells rendered the way dermctl's `-o` asks: an aligned table (default) or
// CSV. JSON output prints the response messages themselves (proto JSON).
#pragma once

#include <google/protobuf/message.h>

#include <ostream>
#include <string>
#include <vector>

#include "common/utc_time.h"  // UtcTime, used with the tables
#include "derm/v1/jobs.pb.h"

namespace derm::client {

enum class OutputFormat { kTable, kCsv, kJson, kYaml };

// JSON and YAML print the response message itself; table and CSV print rows.
inline bool IsStructured(OutputFormat f) { return f == OutputFormat::kJson || f == OutputFormat::kYaml; }

// Parses "table", "csv", "json" or "yaml"; false for anything else.
bool ParseOutputFormat(const std::string& text, OutputFormat* format);

struct Table {
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;
};

// The rows of a Query RPC's answer.
Table QueryTable(const derm::v1::QueryResponse& response);

// kTable: columns padded to their widest cell; kCsv: RFC 4180 quoting.
void PrintTable(const Table& table, OutputFormat format, std::ostream& out);

// A message as indented JSON (kJson) or YAML (kYaml) with the proto field names, ending in a newline.
std::string ProtoText(const google::protobuf::Message& message, OutputFormat format);

// "%.4f" of a double, "" for NaN.
std::string Fixed(double v, int digits = 4);

}  // namespace derm::client
