// dermctl export runs|metrics|confusion|predictions [--run ID] [-o csv|json] [--out FILE]
#include <grpcpp/grpcpp.h>

#include <fstream>
#include <map>

#include "client/commands.h"

namespace derm::client {

int Export(Connection& conn, const ExportOptions& o, std::ostream& out, std::ostream& err) {
  // Each export is a read-only query over the documented views and tables (docs/schema.md).
  static const std::map<std::string, std::string> kQueries = {
      {"runs", "SELECT * FROM run_summary"},        {"metrics", "SELECT * FROM epoch_metrics"},
      {"classes", "SELECT * FROM class_metrics"},   {"confusion", "SELECT * FROM confusion_matrix"},
      {"predictions", "SELECT * FROM predictions"}, {"params", "SELECT * FROM params"},
  };
  auto it = kQueries.find(o.what);
  if (it == kQueries.end()) {
    return Fail(
        InvalidArgument("export runs, metrics, classes, confusion, predictions or params; got " + o.what),
        err);
  }
  std::string sql = it->second;
  if (o.run_id) sql += " WHERE run_id = " + std::to_string(o.run_id);
  sql += o.what == "runs" ? " ORDER BY run_id" : " ORDER BY run_id, 2, 3";
  if (o.file.empty()) return Query(conn, sql, 100000, o.format, out, err);
  std::ofstream file(o.file);
  if (!file) return Fail(InvalidArgument("cannot write " + o.file), err);
  const int code = Query(conn, sql, 100000, o.format, file, err);
  if (code == kExitOk) out << "wrote " << o.file << "\n";
  return code;
}

}  // namespace derm::client
