#include "client/isic_export.h"

#include <filesystem>
#include <fstream>

#include "common/parse_number.h"
#include "common/strings.h"

namespace derm::client {
namespace {

// A CSV field, quoted when it holds a comma, quote or line break.
std::string Field(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

StatusOr<derm::v1::QueryResponse> Run(Connection& conn, const std::string& sql) {
  derm::v1::QueryRequest req;
  req.set_sql(sql);
  req.set_max_rows(100000);
  derm::v1::QueryResponse resp;
  DERM_RETURN_IF_ERROR(conn.Call(&JobStub::Query, req, &resp));
  if (resp.truncated()) return InvalidArgument("the split has more than 100,000 predictions");
  return resp;
}

// The ledger's CSV, or why it cannot be written.
StatusOr<std::string> Csv(Connection& conn, const ExportOptions& o) {
  const std::string run = std::to_string(o.run_id);
  DERM_ASSIGN_OR_RETURN(auto count, Run(conn, "SELECT json_array_length(class_names) FROM runs WHERE id = " +
                                                  run + " AND json_valid(class_names)"));
  if (count.rows().empty()) return NotFound("run " + run + " does not exist or has no classes yet");
  const std::optional<int64_t> classes = ParseInt64(count.rows(0).values(0));
  if (!classes || *classes < 1) return NotFound("run " + run + " has no classes yet");
  std::string names_sql = "SELECT ";
  for (int64_t c = 0; c < *classes; ++c)
    names_sql += (c ? ", " : "") + std::string("json_extract(class_names, '$[") + std::to_string(c) + "]')";
  DERM_ASSIGN_OR_RETURN(auto names, Run(conn, names_sql + " FROM runs WHERE id = " + run));
  std::string csv = "image";
  for (const auto& n : names.rows(0).values()) csv += "," + Field(n);
  csv += "\n";
  DERM_ASSIGN_OR_RETURN(
      auto rows, Run(conn, "SELECT path, true_class, probabilities FROM predictions WHERE run_id = " + run +
                               " AND split = '" + o.split + "' ORDER BY path"));
  if (rows.rows().empty()) return NotFound("run " + run + " has no " + o.split + " predictions");
  for (const auto& r : rows.rows()) {
    const std::string image = std::filesystem::path(r.values(0)).stem().string();
    csv += Field(image);
    const std::optional<int64_t> truth = ParseInt64(r.values(1));
    if (o.truth) {
      for (int64_t c = 0; c < *classes; ++c) csv += truth && *truth == c ? ",1.0" : ",0.0";
    } else {
      // "[p0,p1,...]" as the scheduler stored it; runs from before the ledger have none.
      const std::string& stored = r.values(2);
      if (r.nulls(2) || stored.size() < 2) {
        return FailedPrecondition("run " + run + " stored only the top class's probability for " +
                                  r.values(0) +
                                  " (it predates the full ledger); export predictions without --format isic");
      }
      const std::vector<std::string> p = Split(stored.substr(1, stored.size() - 2), ',');
      if (static_cast<int64_t>(p.size()) != *classes)
        return DataLoss("the probabilities of " + r.values(0) + " are not one per class");
      for (const auto& x : p) {
        if (!ParseDouble(x)) return DataLoss("the probabilities of " + r.values(0) + " are not numbers");
        csv += "," + x;
      }
    }
    csv += "\n";
  }
  return csv;
}

}  // namespace

int ExportIsic(Connection& conn, const ExportOptions& o, std::ostream& out, std::ostream& err) {
  auto csv = Csv(conn, o);
  if (!csv.ok()) return Fail(csv.status(), err);
  if (o.file.empty()) {
    out << *csv;
    return kExitOk;
  }
  std::ofstream file(o.file);
  file << *csv;
  file.close();
  if (!file) return Fail(InvalidArgument("cannot write " + o.file), err);
  out << "wrote " << o.file << "\n";
  return kExitOk;
}

}  // namespace derm::client
