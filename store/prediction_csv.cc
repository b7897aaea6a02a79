#include "store/prediction_csv.h"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <vector>

#include "common/strings.h"

namespace derm::store {
namespace {

StatusOr<int64_t> ScalarInt(Database* db, const std::string& sql, int64_t job_id) {
  DERM_ASSIGN_OR_RETURN(auto s, db->Prepare(sql));
  DERM_ASSIGN_OR_RETURN(bool row, s.Bind(1, job_id).Step());
  return row ? s.Int(0) : 0;
}

}  // namespace

Status WritePredictionsCsv(Database* db, int64_t job_id, const std::string& path) {
  DERM_ASSIGN_OR_RETURN(const int64_t k,
                        ScalarInt(db,
                                  "SELECT coalesce(max(json_array_length(top_k)), 0) FROM predictions "
                                  "WHERE job_id = ? AND split = 'infer'",
                                  job_id));
  DERM_ASSIGN_OR_RETURN(const int64_t with_probs,
                        ScalarInt(db,
                                  "SELECT count(*) FROM predictions WHERE job_id = ? AND "
                                  "split = 'infer' AND probabilities IS NOT NULL",
                                  job_id));
  DERM_ASSIGN_OR_RETURN(const int64_t with_features,
                        ScalarInt(db,
                                  "SELECT count(*) FROM predictions WHERE job_id = ? "
                                  "AND split = 'infer' AND features IS NOT NULL",
                                  job_id));
  std::vector<std::string> classes;
  {
    DERM_ASSIGN_OR_RETURN(auto s, db->Prepare("SELECT value FROM json_each((SELECT class_names FROM shards "
                                              "WHERE job_id = ? AND class_names IS NOT NULL LIMIT 1))"));
    s.Bind(1, job_id);
    DERM_RETURN_IF_ERROR(ForEachRow(s, [&](const Statement& row) { classes.push_back(row.Text(0)); }));
  }
  std::string select = "SELECT path, sha256, predicted_name, probability, features, NULL";
  for (int64_t i = 0; i < k; ++i) {
    select += ", json_extract(top_k, '$[" + std::to_string(i) + "][0]'), json_extract(top_k, '$[" +
              std::to_string(i) + "][1]')";
  }
  if (with_probs) {
    for (size_t c = 0; c < classes.size(); ++c)
      select += ", json_extract(probabilities, '$[" + std::to_string(c) + "]')";
  }
  std::string errors = "SELECT path, NULL, NULL, NULL, NULL, reason";
  for (int64_t i = 0; i < 2 * k + (with_probs ? static_cast<int64_t>(classes.size()) : 0); ++i)
    errors += ", NULL";
  DERM_ASSIGN_OR_RETURN(
      auto s, db->Prepare(select + " FROM predictions WHERE job_id = ?1 AND split = 'infer' UNION ALL " +
                          errors + " FROM skipped_files WHERE job_id = ?1 ORDER BY 1"));
  s.Bind(1, job_id);

  // A fresh file of our own beside the target (mkstemp: O_EXCL), linked to the target at the end:
  // link() fails rather than replace a file that appeared meanwhile.
  std::string tmp = path + ".XXXXXX";
  const int fd = mkstemp(tmp.data());
  if (fd < 0) return InvalidArgument("infer.output_csv: cannot create a file beside " + path);
  close(fd);
  struct Unlink {
    const std::string& file;
    ~Unlink() { unlink(file.c_str()); }
  } remove_tmp{tmp};
  std::ofstream out(tmp, std::ios::trunc);
  if (!out) return InvalidArgument("infer.output_csv: cannot write " + tmp);
  out << "path,sha256,predicted,probability";
  for (int64_t i = 1; i <= k; ++i) out << ",class_" << i << ",p_" << i;
  if (with_probs) {
    for (const auto& c : classes) out << "," << CsvCell("p_" + c);
  }
  if (with_features) {
    for (int f = 0; f < 2048; ++f) out << ",f" << f;
  }
  out << ",error\n";
  const int extra = static_cast<int>(2 * k + (with_probs ? classes.size() : 0));
  DERM_RETURN_IF_ERROR(ForEachRow(s, [&](const Statement& row) {
    const bool error = !row.IsNull(5);
    out << CsvCell(row.Text(0)) << "," << row.Text(1) << "," << CsvCell(row.Text(2)) << ",";
    if (!error) out << FormatG(row.Double(3), 6);
    for (int i = 0; i < extra; ++i) out << "," << CsvCell(row.Text(6 + i));
    if (with_features) {
      const std::string blob = row.Blob(4);
      const size_t n = blob.size() / sizeof(float);
      for (size_t f = 0; f < 2048; ++f) {
        out << ",";
        if (f < n) {
          float v;
          std::memcpy(&v, blob.data() + f * sizeof v, sizeof v);
          out << FormatG(v, 7);
        }
      }
    }
    out << "," << CsvCell(error ? row.Text(5) : "") << "\n";
  }));
  out.close();
  if (!out) return InvalidArgument("infer.output_csv: writing " + tmp + " failed");
  if (link(tmp.c_str(), path.c_str()) != 0) {
    return InvalidArgument("infer.output_csv: cannot create " + path + ": " +
                           (errno == EEXIST ? std::string("it exists already") : std::strerror(errno)));
  }
  return Status::Ok();
}

}  // namespace derm::store
