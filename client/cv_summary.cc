#include "client/cv_summary.h"

#include "client/evaluation_printer.h"
#include "client/ledger_queries.h"
#include "common/eval/evaluation_proto.h"
#include "common/parse_number.h"
#include "common/strings.h"

namespace derm::client {
namespace {

// "0.4160 ± 0.0590" from a mean and a standard deviation as the view returns them.
std::string MeanSd(const derm::v1::QueryRow& row, int mean) {
  if (row.nulls(mean)) return "-";
  const auto m = ParseDouble(row.values(mean)), sd = ParseDouble(row.values(mean + 1));
  return FormatFixed(m.value_or(0), 4) + " ± " + (row.nulls(mean + 1) ? "-" : FormatFixed(sd.value_or(0), 4));
}

// The pooled out-of-fold evaluation of `group`'s folds, printed.
Status PrintPooled(Connection& conn, int64_t sweep_id, const std::string& group, int64_t first_run,
                   std::ostream& out) {
  DERM_ASSIGN_OR_RETURN(const std::vector<std::string> names, RunClassNames(conn, first_run));
  DERM_ASSIGN_OR_RETURN(auto seed_rows, QueryRows(conn,
                                                  "SELECT value FROM params WHERE name = 'data.seed' AND "
                                                  "run_id = " +
                                                      std::to_string(first_run)));
  const uint64_t seed = seed_rows.rows().empty()
                            ? 0
                            : static_cast<uint64_t>(ParseInt64(seed_rows.rows(0).values(0)).value_or(0));
  DERM_ASSIGN_OR_RETURN(
      auto rows, QueryRows(conn,
                           "SELECT p.path, p.true_class, p.probabilities FROM predictions p "
                           "JOIN runs r ON r.id = p.run_id JOIN jobs j ON j.id = r.job_id "
                           "JOIN params g ON g.run_id = r.id AND g.name = 'data.cross_validation.group' "
                           "WHERE j.sweep_id = " +
                               std::to_string(sweep_id) + " AND g.value = " + SqlText(group) +
                               " AND p.split = 'validation' ORDER BY p.run_id, p.path"));
  const size_t k = names.size();
  std::vector<float> probabilities;
  std::vector<int32_t> truth;
  for (const auto& r : rows.rows()) {
    if (r.nulls(2))
      return FailedPrecondition("a fold stored only the top class's probability for " + r.values(0));
    DERM_ASSIGN_OR_RETURN(auto p, ProbabilityFields(r.values(2), k, r.values(0)));
    for (const auto& x : p) probabilities.push_back(static_cast<float>(ParseDouble(x).value_or(0)));
    const auto t = ParseInt64(r.values(1));
    if (!t || *t < 0 || *t >= static_cast<int64_t>(k)) return DataLoss("the true class of " + r.values(0));
    truth.push_back(static_cast<int32_t>(*t));
  }
  if (truth.empty()) {
    out << "pooled out-of-fold predictions: none yet\n";
    return Status::Ok();
  }
  eval::EvaluationOptions options;
  options.bootstrap_resamples = 1000;
  options.seed = seed;
  const eval::SplitEvaluation e = eval::EvaluateSplit(probabilities, truth, static_cast<int>(k), options);
  const derm::v1::Evaluation proto = eval::EvaluationProto(e, names);
  out << "pooled out-of-fold predictions: " << truth.size() << " images, accuracy "
      << FormatFixed(e.accuracy.estimate, 4) << " [" << FormatFixed(e.accuracy.lower, 3) << ", "
      << FormatFixed(e.accuracy.upper, 3) << "], balanced accuracy "
      << FormatFixed(e.balanced_accuracy.estimate, 4) << " [" << FormatFixed(e.balanced_accuracy.lower, 3)
      << ", " << FormatFixed(e.balanced_accuracy.upper, 3) << "]\n";
  PrintEvaluation(proto, "pooled out-of-fold", out);
  return Status::Ok();
}

}  // namespace

int DescribeCrossValidation(Connection& conn, int64_t sweep_id, std::ostream& out, std::ostream& err) {
  auto groups =
      QueryRows(conn,
                "SELECT cv_group, folds, folds_succeeded, run_ids, mean_val_accuracy, sd_val_accuracy, "
                "mean_val_balanced_accuracy, sd_val_balanced_accuracy, mean_val_loss, sd_val_loss, "
                "mean_val_macro_roc_auc, sd_val_macro_roc_auc FROM cv_summary WHERE sweep_id = " +
                    std::to_string(sweep_id) + " ORDER BY cv_group");
  if (!groups.ok()) return Fail(groups.status(), err);
  if (groups->rows().empty())
    return Fail(NotFound("sweep " + std::to_string(sweep_id) + " has no cross-validated runs"), err);
  for (const auto& g : groups->rows()) {
    out << "cross-validation " << g.values(0) << ": " << g.values(1) << " folds (runs " << g.values(3)
        << "), " << g.values(2) << " succeeded\n";
    out << "validation across folds (mean ± sd at each fold's model epoch): accuracy " << MeanSd(g, 4)
        << "  balanced accuracy " << MeanSd(g, 6) << "  loss " << MeanSd(g, 8) << "  macro ROC AUC "
        << MeanSd(g, 10) << "\n";
    const std::vector<std::string> runs = Split(g.values(3), ',');
    const auto first = runs.empty() ? std::nullopt : ParseInt64(runs.front());
    if (!first) continue;
    if (Status st = PrintPooled(conn, sweep_id, g.values(0), *first, out); !st.ok()) return Fail(st, err);
    out << "\n";
  }
  return kExitOk;
}

}  // namespace derm::client
