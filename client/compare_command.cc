// dermctl compare RUN RUN...: what differs, side by side, and whether it is real.
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "client/commands.h"
#include "client/report_printer.h"
#include "common/strings.h"

namespace derm::client {
namespace {

std::string P(double p) { return p < 1e-4 ? FormatScientific(p, 2) : FormatFixed(p, 4); }

}  // namespace

int CompareRuns(Connection& conn, const std::vector<int64_t>& run_ids, OutputFormat format, std::ostream& out,
                std::ostream& err) {
  derm::v1::CompareRunsRequest req;
  for (int64_t id : run_ids) req.add_run_ids(id);
  derm::v1::CompareRunsResponse resp;
  if (Status st = conn.Call(&JobStub::CompareRuns, req, &resp); !st.ok()) return Fail(st, err);
  if (IsStructured(format)) {
    out << ProtoText(resp, format);
    return kExitOk;
  }
  const auto& runs = resp.runs();
  std::vector<std::string> header = {""};
  for (const auto& r : runs) header.push_back("run " + std::to_string(r.run_id()));

  out << "hyperparameters that differ:\n";
  Table params{header, {}};
  params.columns[0] = "PARAM";
  for (const auto& name : resp.differing_params()) {
    std::vector<std::string> row = {name};
    for (const auto& r : runs) {
      auto it = r.params().find(name);
      row.push_back(it == r.params().end() ? "-" : it->second);
    }
    params.rows.push_back(row);
  }
  if (params.rows.empty())
    out << "  (none)\n";
  else
    PrintTable(params, format, out);

  out << "\nsummary:\n";
  Table summary{header, {}};
  summary.columns[0] = "METRIC";
  std::vector<std::string> best = {"best val_accuracy (epoch)"}, last = {"last val_accuracy"},
                           min_loss = {"min val_loss"}, test = {"test accuracy"},
                           bal = {"last balanced accuracy"}, auc = {"test macro ROC AUC"}, ece = {"test ECE"},
                           gates = {"gates passed"}, stopped = {"stopped early after epoch"},
                           model = {"model epoch"};
  for (const auto& r : runs) {
    double b = -1, l = NAN, m = INFINITY, lb = NAN;
    int be = 0;
    for (const auto& e : r.epochs()) {
      if (e.validation().accuracy() > b) b = e.validation().accuracy(), be = e.epoch();
      m = std::min(m, e.validation().loss());
      l = e.validation().accuracy();
      lb = e.validation().balanced_accuracy();
    }
    best.push_back(r.epochs().empty() ? "-" : Fixed(b) + " (" + std::to_string(be) + ")");
    last.push_back(Fixed(l));
    min_loss.push_back(std::isinf(m) ? "" : Fixed(m));
    bal.push_back(Fixed(lb));
    test.push_back(r.result().has_test() ? Fixed(r.result().test().accuracy()) : "");
    const auto& e = r.result().test().evaluation();  // docs/evaluation.md
    const bool evaluated = e.per_class_size() > 0;
    auc.push_back(evaluated && !std::isnan(e.macro_roc_auc()) ? Fixed(e.macro_roc_auc()) : "");
    ece.push_back(evaluated ? Fixed(e.ece()) : "");
    int passed = 0;
    for (const auto& g : r.gates()) passed += g.passed() ? 1 : 0;
    gates.push_back(r.gates().empty() ? ""
                                      : std::to_string(passed) + " of " + std::to_string(r.gates_size()));
    stopped.push_back(r.stopped_epoch() > 0 ? std::to_string(r.stopped_epoch()) : "");
    const int32_t last_epoch = r.epochs().empty() ? 0 : r.epochs().rbegin()->epoch();
    model.push_back(r.model_epoch() > 0 && r.model_epoch() != last_epoch ? std::to_string(r.model_epoch())
                                                                         : "");
  }
  summary.rows = {best, last, min_loss, bal, test};
  for (const auto* row :
       {&auc, &ece, &gates, &stopped, &model}) {  // rows no run has a figure for are left out
    if (std::any_of(row->begin() + 1, row->end(), [](const std::string& v) { return !v.empty(); })) {
      summary.rows.push_back(*row);
    }
  }
  PrintTable(summary, format, out);

  out << "\nval_accuracy by epoch:\n";
  Table curves{header, {}};
  curves.columns[0] = "EPOCH";
  int max_epoch = 0;
  for (const auto& r : runs) {
    for (const auto& e : r.epochs()) max_epoch = std::max(max_epoch, e.epoch());
  }
  for (int epoch = 1; epoch <= max_epoch; ++epoch) {
    std::vector<std::string> row = {std::to_string(epoch)};
    for (const auto& r : runs) {
      std::string cell;
      for (const auto& e : r.epochs()) {
        if (e.epoch() == epoch)
          cell = Fixed(e.validation().accuracy()) + " (loss " + Fixed(e.validation().loss()) + ")";
      }
      row.push_back(cell);
    }
    curves.rows.push_back(row);
  }
  PrintTable(curves, format, out);

  out << "\nper-class precision / recall / F1, last epoch:\n";
  Table classes{header, {}};
  classes.columns[0] = "CLASS";
  if (!runs.empty() && !runs[0].epochs().empty()) {
    const auto& first = runs[0].epochs().rbegin()->validation();
    for (int c = 0; c < first.per_class_size(); ++c) {
      std::vector<std::string> row = {first.per_class(c).class_name()};
      for (const auto& r : runs) {
        if (r.epochs().empty() || r.epochs().rbegin()->validation().per_class_size() <= c) {
          row.push_back("");
          continue;
        }
        const auto& pc = r.epochs().rbegin()->validation().per_class(c);
        row.push_back(Fixed(pc.precision(), 2) + " / " + Fixed(pc.recall(), 2) + " / " + Fixed(pc.f1(), 2));
      }
      classes.rows.push_back(row);
    }
  }
  PrintTable(classes, format, out);

  if (runs.size() == 2 && !runs[0].epochs().empty() && !runs[1].epochs().empty()) {
    const auto& a = runs[0].epochs().rbegin()->validation().confusion();
    const auto& b = runs[1].epochs().rbegin()->validation().confusion();
    if (a.counts_size() == b.counts_size() && a.class_names_size() == b.class_names_size()) {
      derm::v1::ConfusionMatrix diff = b;
      for (int i = 0; i < diff.counts_size(); ++i) diff.set_counts(i, b.counts(i) - a.counts(i));
      out << "\nconfusion matrix difference, last epochs (run " << runs[1].run_id() << " minus run "
          << runs[0].run_id() << "):\n";
      PrintConfusion(diff, out);
    }
  }

  out << "\npaired tests on validation predictions (McNemar):\n";
  if (resp.tests().empty()) out << "  (none)\n";
  for (const auto& t : resp.tests()) {
    out << "  run " << t.run_a() << " vs run " << t.run_b() << ": " << t.paired_images() << " images, "
        << t.only_a_correct() << " right only in run " << t.run_a() << ", " << t.only_b_correct()
        << " right only in run " << t.run_b() << "; "
        << (t.exact() ? "exact binomial" : "chi-square " + Fixed(t.statistic(), 3))
        << " p = " << P(t.p_value())
        << (t.p_value() < 0.05 ? " (the difference is significant at 5%)"
                               : " (no significant difference at 5%)")
        << "\n";
    if (t.accuracy_difference().resamples() > 0) {
      const auto& d = t.accuracy_difference();
      auto signed_fixed = [](double v) { return (v >= 0 ? "+" : "") + Fixed(v, 4); };
      out << "    accuracy of run " << t.run_b() << " minus run " << t.run_a() << ": "
          << signed_fixed(d.estimate()) << " [" << signed_fixed(d.lower()) << ", " << signed_fixed(d.upper())
          << "] (paired bootstrap, " << FormatFixed(100 * d.level(), 0) << " %, " << d.resamples()
          << " resamples)\n";
    }
  }
  for (const auto& w : resp.warnings()) out << "warning: " << w << "\n";
  return kExitOk;
}

}  // namespace derm::client
