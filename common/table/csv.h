// Reading a comma-separated table (RFC 4180) as dermoscopy datasets ship them: a header row, then
// one record per line; fields may be quoted ("a, b" and "say ""hi"""); LF or CRLF line ends; a
// UTF-8 byte-order mark is dropped. Refused with the line (and column) named: a file over
// kMaxTableBytes, bytes that are not UTF-8 text, a line over kMaxLineBytes, a quoted field that
// spans lines, a record with another number of fields than the header, a header with an empty or
// repeated column name, a header and no record. Blank lines are skipped. No exceptions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status_or.h"

namespace derm::table {

inline constexpr int64_t kMaxTableBytes = int64_t{256} << 20;  // HAM10000's table is 0.6 MB
inline constexpr size_t kMaxLineBytes = 64 << 10;
inline constexpr size_t kMaxColumns = 1000;

struct CsvTable {
  std::vector<std::string> header;
  int64_t header_line = 0;                     // 1-based
  std::vector<std::vector<std::string>> rows;  // each with header.size() fields
  std::vector<int64_t> lines;                  // the file's line number (1-based) of each row

  // The index of column `name`, or -1.
  int Column(std::string_view name) const;
};

// Parses `text`; `name` (the file's path) starts every message.
StatusOr<CsvTable> ParseCsv(std::string_view text, const std::string& name);

// Reads and parses the file at `path` (a regular file of at most kMaxTableBytes, checked before
// reading). `bytes`, when given, receives the file's bytes (for fingerprints).
StatusOr<CsvTable> ReadCsvFile(const std::string& path, std::string* bytes = nullptr);

}  // namespace derm::table
