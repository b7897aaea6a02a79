#include "common/spec/gates.h"

#include <cmath>
#include <limits>
#include <set>

#include "common/strings.h"

namespace derm {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// An operating point's figure at `target` (the worker computes the gates' targets too).
double AtTarget(const google::protobuf::RepeatedPtrField<derm::v1::OperatingPoint>& points, double target,
                bool sensitivity) {
  for (const auto& p : points) {
    if (std::abs(p.target() - target) < 1e-9) return sensitivity ? p.sensitivity() : p.specificity();
  }
  return kNaN;
}

// The gate's value on `m`, or NaN with *why set when there is none.
double GateValue(const derm::v1::Gate& g, const derm::v1::SplitMetrics& m, std::string* why) {
  const auto& e = m.evaluation();
  const std::string& metric = g.metric();
  if (IsSplitGateMetric(metric)) {
    if (metric == "accuracy") return m.accuracy();
    if (metric == "balanced_accuracy") return m.balanced_accuracy();
    if (e.per_class_size() == 0) {
      *why = "the run has no evaluation";
      return kNaN;
    }
    if (metric == "macro_roc_auc") return e.macro_roc_auc();
    if (metric == "weighted_roc_auc") return e.weighted_roc_auc();
    if (metric == "ece") return e.ece();
    if (metric == "nll") return e.nll();
    return e.brier();
  }
  for (int k = 0; k < m.per_class_size(); ++k) {
    if (m.per_class(k).class_name() != g.class_()) continue;
    if (metric == "precision") return m.per_class(k).precision();
    if (metric == "recall") return m.per_class(k).recall();
    if (metric == "f1") return m.per_class(k).f1();
    if (k >= e.per_class_size()) {
      *why = "the run has no evaluation";
      return kNaN;
    }
    const auto& c = e.per_class(k);
    if (metric == "roc_auc") return c.roc_auc();
    if (metric == "average_precision") return c.average_precision();
    if (metric == "sensitivity") return AtTarget(c.at_specificity(), g.at_specificity(), true);
    return AtTarget(c.at_sensitivity(), g.at_sensitivity(), false);
  }
  *why = "the run has no class '" + g.class_() + "'";
  return kNaN;
}

}  // namespace

bool IsClassGateMetric(const std::string& metric) {
  static const auto* metrics = new std::set<std::string>{
      "roc_auc", "average_precision", "sensitivity", "specificity", "precision", "recall", "f1"};
  return metrics->count(metric) > 0;
}

bool IsSplitGateMetric(const std::string& metric) {
  static const auto* metrics = new std::set<std::string>{
      "accuracy", "balanced_accuracy", "macro_roc_auc", "weighted_roc_auc", "ece", "nll",
      "brier",    "leaked_pairs"};
  return metrics->count(metric) > 0;
}

std::string DescribeGate(const derm::v1::Gate& g) {
  std::string out = (g.class_().empty() ? "" : g.class_() + " ") + g.metric();
  if (g.has_at_specificity()) out += " at specificity " + FormatG(g.at_specificity(), 6);
  if (g.has_at_sensitivity()) out += " at sensitivity " + FormatG(g.at_sensitivity(), 6);
  if (g.has_min()) out += " >= " + FormatG(g.min(), 6);
  if (g.has_max()) out += std::string(g.has_min() ? " and" : "") + " <= " + FormatG(g.max(), 6);
  return out;
}

std::vector<derm::v1::GateResult> EvaluateGates(const derm::v1::JobSpec& spec,
                                                const derm::v1::SplitMetrics* test, int64_t leaked_pairs) {
  std::vector<derm::v1::GateResult> results;
  for (const auto& g : spec.gates()) {
    derm::v1::GateResult& r = results.emplace_back();
    r.set_gate(DescribeGate(g));
    std::string why;
    const double v = g.metric() == "leaked_pairs" ? static_cast<double>(leaked_pairs)
                     : test                       ? GateValue(g, *test, &why)
                                                  : kNaN;
    if (!test) why = "the run has no test split";
    r.set_value(v);
    if (std::isnan(v)) {
      r.set_reason(why.empty() ? "the figure is undefined on the test split" : why);
      continue;
    }
    r.set_passed((!g.has_min() || v >= g.min()) && (!g.has_max() || v <= g.max()));
  }
  return results;
}

}  // namespace derm
