#include "client/isic_export.h"

#include <filesystem>
#include <fstream>

#include "client/ledger_queries.h"
#include "common/parse_number.h"
#include "common/strings.h"

namespace derm::client {
namespace {

// The ledger's CSV, or why it cannot be written.
StatusOr<std::string> Csv(Connection& conn, const ExportOptions& o) {
  const std::string run = std::to_string(o.run_id);
  DERM_ASSIGN_OR_RETURN(const std::vector<std::string> names, RunClassNames(conn, o.run_id));
  std::string csv = "image";
  for (const auto& n : names) csv += "," + CsvCell(n);
  csv += "\n";
  DERM_ASSIGN_OR_RETURN(
      auto rows, QueryRows(conn, "SELECT path, true_class, probabilities FROM predictions WHERE run_id = " +
                                     run + " AND split = '" + o.split + "' ORDER BY path"));
  if (rows.rows().empty()) return NotFound("run " + run + " has no " + o.split + " predictions");
  for (const auto& r : rows.rows()) {
    const std::string image = std::filesystem::path(r.values(0)).stem().string();
    csv += CsvCell(image);
    const std::optional<int64_t> truth = ParseInt64(r.values(1));
    if (o.truth) {
      for (size_t c = 0; c < names.size(); ++c)
        csv += truth && *truth == static_cast<int64_t>(c) ? ",1.0" : ",0.0";
    } else {
      // "[p0,p1,...]" as the scheduler stored it; runs from before the ledger have none.
      const std::string& stored = r.values(2);
      if (r.nulls(2) || stored.size() < 2) {
        return FailedPrecondition("run " + run + " stored only the top class's probability for " +
                                  r.values(0) +
                                  " (it predates the full ledger); export predictions without --format isic");
      }
      DERM_ASSIGN_OR_RETURN(auto p, ProbabilityFields(stored, names.size(), r.values(0)));
      for (const auto& x : p) csv += "," + x;
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
