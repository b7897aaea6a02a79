#include "common/table/csv.h"

#include <filesystem>
#include <fstream>
#include <set>

namespace derm::table {
namespace {

// True when `s` is well-formed UTF-8 with no NUL or other C0 control byte but tab.
bool IsText(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (c < 0x20 && c != '\t') return false;
      ++i;
      continue;
    }
    size_t extra = 0;
    if (c >= 0xC2 && c <= 0xDF) {
      extra = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      extra = 2;
    } else if (c >= 0xF0 && c <= 0xF4) {
      extra = 3;
    } else {
      return false;
    }
    if (s.size() - i <= extra) return false;
    for (size_t k = 1; k <= extra; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += extra + 1;
  }
  return true;
}

std::string At(const std::string& name, int64_t line) {
  return name + ": line " + std::to_string(line) + ": ";
}

// Splits one line into fields; an error names the line and the field's column (1-based, or the
// header's name for it).
Status SplitLine(std::string_view line, const std::string& name, int64_t number,
                 const std::vector<std::string>* header, std::vector<std::string>* fields) {
  fields->clear();
  auto column = [&](size_t i) {
    return header && i < header->size() ? "column " + (*header)[i] : "field " + std::to_string(i + 1);
  };
  size_t i = 0;
  while (true) {
    std::string field;
    if (i < line.size() && line[i] == '"') {
      ++i;
      bool closed = false;
      while (i < line.size()) {
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          closed = true;
          ++i;
          break;
        }
        field += line[i++];
      }
      if (!closed) {
        return InvalidArgument(At(name, number) + column(fields->size()) +
                               ": a quoted field is not closed on its line (derm reads one record per "
                               "line; a quoted line break is not supported)");
      }
      if (i < line.size() && line[i] != ',') {
        return InvalidArgument(At(name, number) + column(fields->size()) +
                               ": text after a quoted field's closing quote");
      }
    } else {
      const size_t end = line.find(',', i);
      const std::string_view raw =
          line.substr(i, end == std::string_view::npos ? std::string_view::npos : end - i);
      if (raw.find('"') != std::string_view::npos) {
        return InvalidArgument(At(name, number) + column(fields->size()) +
                               ": a quote inside an unquoted field (quote the whole field)");
      }
      field.assign(raw);
      i = end == std::string_view::npos ? line.size() : end;
    }
    fields->push_back(std::move(field));
    if (fields->size() > kMaxColumns) {
      return InvalidArgument(At(name, number) + "more than " + std::to_string(kMaxColumns) + " fields");
    }
    if (i >= line.size()) break;
    ++i;  // the comma
    if (i == line.size()) {
      fields->emplace_back();
      break;
    }
  }
  return Status::Ok();
}

}  // namespace

int CsvTable::Column(std::string_view name) const {
  for (size_t i = 0; i < header.size(); ++i) {
    if (header[i] == name) return static_cast<int>(i);
  }
  return -1;
}

StatusOr<CsvTable> ParseCsv(std::string_view text, const std::string& name) {
  if (static_cast<int64_t>(text.size()) > kMaxTableBytes) {
    return InvalidArgument(name + ": the table is " + std::to_string(text.size() >> 20) +
                           " MiB; tables are at most " + std::to_string(kMaxTableBytes >> 20) + " MiB");
  }
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  CsvTable out;
  std::vector<std::string> fields;
  int64_t number = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    ++number;
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.size() > kMaxLineBytes) {
      return InvalidArgument(At(name, number) + "the line is longer than " + std::to_string(kMaxLineBytes) +
                             " bytes (is this a table?)");
    }
    if (!IsText(line)) {
      return InvalidArgument(At(name, number) +
                             "not UTF-8 text (a control or invalid byte; is this a table?)");
    }
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    const bool is_header = out.header.empty();
    DERM_RETURN_IF_ERROR(SplitLine(line, name, number, is_header ? nullptr : &out.header, &fields));
    if (is_header) {
      std::set<std::string> seen;
      for (size_t i = 0; i < fields.size(); ++i) {
        if (fields[i].empty()) {
          return InvalidArgument(At(name, number) + "the header's column " + std::to_string(i + 1) +
                                 " has no name");
        }
        if (!seen.insert(fields[i]).second) {
          return InvalidArgument(At(name, number) + "the header names column " + fields[i] + " twice");
        }
      }
      out.header = std::move(fields);
      out.header_line = number;
      fields = {};
      continue;
    }
    if (fields.size() != out.header.size()) {
      return InvalidArgument(At(name, number) + "has " + std::to_string(fields.size()) +
                             " fields; the header has " + std::to_string(out.header.size()));
    }
    out.rows.push_back(std::move(fields));
    fields = {};
    out.lines.push_back(number);
  }
  if (out.header.empty()) return InvalidArgument(name + ": the table is empty");
  if (out.rows.empty()) return InvalidArgument(name + ": the table has a header and no rows");
  return out;
}

StatusOr<CsvTable> ReadCsvFile(const std::string& path, std::string* bytes) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (!fs::exists(st)) return InvalidArgument("table " + path + " does not exist");
  if (!fs::is_regular_file(st)) return InvalidArgument("table " + path + " is not a regular file");
  const auto size = fs::file_size(path, ec);
  if (ec) return InvalidArgument("table " + path + " cannot be read: " + ec.message());
  if (static_cast<int64_t>(size) > kMaxTableBytes) {
    return InvalidArgument(path + ": the table is " + std::to_string(size >> 20) +
                           " MiB; tables are at most " + std::to_string(kMaxTableBytes >> 20) + " MiB");
  }
  std::ifstream in(path, std::ios::binary);
  std::string text(size, '\0');
  if (!in || !in.read(text.data(), static_cast<std::streamsize>(size))) {
    return InvalidArgument("table " + path + " cannot be read");
  }
  DERM_ASSIGN_OR_RETURN(CsvTable table, ParseCsv(text, path));
  if (bytes) *bytes = std::move(text);
  return table;
}

}  // namespace derm::table
