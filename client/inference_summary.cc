// What `dermctl submit --follow` prints when an inference job succeeds: the predicted classes and
// the images that could not be read.
#include "client/commands.h"

namespace derm::client {

int PrintInferenceSummary(Connection& conn, int64_t job_id, std::ostream& out, std::ostream& err) {
  const std::string id = std::to_string(job_id);
  out << "predicted classes:\n";
  int code = Query(conn,
                   "SELECT predicted_name AS class, count(*) AS images, round(avg(probability), 3) AS "
                   "mean_probability FROM predictions WHERE job_id = " +
                       id + " AND split = 'infer' GROUP BY 1 ORDER BY 2 DESC, 1",
                   1000, OutputFormat::kTable, out, err);
  if (code != kExitOk) return code;
  derm::v1::QueryRequest count;
  count.set_sql("SELECT count(*) FROM skipped_files WHERE job_id = " + id);
  derm::v1::QueryResponse counted;
  if (Status st = conn.Call(&JobStub::Query, count, &counted); !st.ok()) return Fail(st, err);
  const std::string errors = counted.rows_size() ? counted.rows(0).values(0) : "0";
  out << "\nunreadable images: " << errors << "\n";
  if (errors != "0") {
    code = Query(conn, "SELECT path, reason FROM skipped_files WHERE job_id = " + id + " ORDER BY path", 20,
                 OutputFormat::kTable, out, err);
  }
  out << "(all rows: dermctl export predictions --job " << id << ", dermctl export errors --job " << id
      << ")\n";
  return code;
}

}  // namespace derm::client
