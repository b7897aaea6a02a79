#include "client/ledger_queries.h"

#include "common/parse_number.h"
#include "common/strings.h"

namespace derm::client {

StatusOr<derm::v1::QueryResponse> QueryRows(Connection& conn, const std::string& sql) {
  derm::v1::QueryRequest req;
  req.set_sql(sql);
  req.set_max_rows(100000);
  derm::v1::QueryResponse resp;
  DERM_RETURN_IF_ERROR(conn.Call(&JobStub::Query, req, &resp));
  if (resp.truncated()) return InvalidArgument("more than 100,000 rows");
  return resp;
}

StatusOr<std::vector<std::string>> RunClassNames(Connection& conn, int64_t run_id) {
  const std::string run = std::to_string(run_id);
  DERM_ASSIGN_OR_RETURN(auto count,
                        QueryRows(conn, "SELECT json_array_length(class_names) FROM runs WHERE id = " + run +
                                            " AND json_valid(class_names)"));
  const std::optional<int64_t> classes =
      count.rows().empty() ? std::nullopt : ParseInt64(count.rows(0).values(0));
  if (!classes || *classes < 1) return NotFound("run " + run + " does not exist or has no classes yet");
  std::string sql = "SELECT ";
  for (int64_t c = 0; c < *classes; ++c)
    sql += (c ? ", " : "") + std::string("json_extract(class_names, '$[") + std::to_string(c) + "]')";
  DERM_ASSIGN_OR_RETURN(auto names, QueryRows(conn, sql + " FROM runs WHERE id = " + run));
  return std::vector<std::string>(names.rows(0).values().begin(), names.rows(0).values().end());
}

StatusOr<std::vector<std::string>> ProbabilityFields(const std::string& stored, size_t classes,
                                                     const std::string& what) {
  if (stored.size() < 2 || stored.front() != '[' || stored.back() != ']')
    return DataLoss("the probabilities of " + what + " are not a list");
  std::vector<std::string> p = Split(stored.substr(1, stored.size() - 2), ',');
  if (p.size() != classes) return DataLoss("the probabilities of " + what + " are not one per class");
  for (const auto& x : p) {
    if (!ParseDouble(x)) return DataLoss("the probabilities of " + what + " are not numbers");
  }
  return p;
}

std::string SqlText(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

}  // namespace derm::client
