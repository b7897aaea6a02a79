// dermctl export runs|metrics|classes|confusion|predictions|errors|params [--run ID] [--job ID]
//   [-o csv|json] [--out FILE]; dermctl export model --run ID --out FILE
#include <grpcpp/grpcpp.h>

#include <fstream>
#include <map>

#include "client/commands.h"
#include "client/isic_export.h"

namespace derm::client {

namespace {

// The run's exported model file, written to o.file.
int ExportModel(Connection& conn, const ExportOptions& o, std::ostream& out, std::ostream& err) {
  if (o.run_id <= 0 || o.file.empty())
    return Fail(InvalidArgument("export model needs --run ID and --out FILE"), err);
  derm::v1::GetModelRequest req;
  req.set_run_id(o.run_id);
  derm::v1::Model model;
  if (Status st = conn.Call(&JobStub::GetModel, req, &model); !st.ok()) return Fail(st, err);
  std::ofstream file(o.file, std::ios::binary);
  file << model.data();
  file.close();
  if (!file) return Fail(InvalidArgument("cannot write " + o.file), err);
  out << "wrote " << o.file << " (" << model.data().size() << " bytes, the model of run " << o.run_id
      << ")\n";
  return kExitOk;
}

}  // namespace

int Export(Connection& conn, const ExportOptions& o, std::ostream& out, std::ostream& err) {
  if (o.what == "model") return ExportModel(conn, o, out, err);
  if (o.isic || o.truth || !o.split.empty()) {
    if (o.what != "predictions" || !o.isic || o.run_id <= 0 || (o.split != "validation" && o.split != "test"))
      return Fail(
          InvalidArgument("--format isic, --split and --truth go together: export predictions --run ID "
                          "--split validation|test --format isic [--truth]"),
          err);
    return ExportIsic(conn, o, out, err);
  }
  // Each export is a read-only query over the documented views and tables (docs/schema.md).
  static const std::map<std::string, std::string> kQueries = {
      {"runs", "SELECT * FROM run_summary"},
      {"metrics", "SELECT * FROM epoch_metrics"},
      {"classes", "SELECT * FROM class_metrics"},
      {"confusion", "SELECT * FROM confusion_matrix"},
      {"predictions",
       "SELECT job_id, run_id, split, path, sha256, true_class, predicted_class, predicted_name, "
       "probability, "
       "top_k, probabilities, shard FROM predictions"},
      {"errors", "SELECT * FROM skipped_files"},
      {"params", "SELECT * FROM params"},
  };
  auto it = kQueries.find(o.what);
  if (it == kQueries.end()) {
    return Fail(InvalidArgument("export runs, metrics, classes, confusion, predictions, errors, params or "
                                "model; got " +
                                o.what),
                err);
  }
  std::string sql = it->second;
  const bool by_job = o.what == "predictions" || o.what == "errors";
  std::vector<std::string> where;
  if (o.run_id) where.push_back("run_id = " + std::to_string(o.run_id));
  if (o.job_id && by_job) where.push_back("job_id = " + std::to_string(o.job_id));
  if (o.job_id && !by_job) return Fail(InvalidArgument("--job applies to predictions and errors"), err);
  for (size_t i = 0; i < where.size(); ++i) sql += (i ? " AND " : " WHERE ") + where[i];
  sql += o.what == "runs" ? " ORDER BY run_id"
         : by_job         ? " ORDER BY job_id, run_id, path"
                          : " ORDER BY run_id, 2, 3";
  if (o.file.empty()) return Query(conn, sql, 100000, o.format, out, err);
  std::ofstream file(o.file);
  if (!file) return Fail(InvalidArgument("cannot write " + o.file), err);
  const int code = Query(conn, sql, 100000, o.format, file, err);
  if (code == kExitOk) out << "wrote " << o.file << "\n";
  return code;
}

}  // namespace derm::client
