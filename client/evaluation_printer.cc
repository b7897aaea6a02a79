#include "client/evaluation_printer.h"

#include <cmath>

#include "common/strings.h"

namespace derm::client {

namespace {

std::string Num(double v, int digits = 4) { return std::isnan(v) ? "-" : FormatFixed(v, digits); }

std::string Padded(std::string s, size_t width, bool left = false) {
  if (s.size() < width) s.insert(left ? s.size() : 0, width - s.size(), ' ');
  return s;
}

std::string Range(const derm::v1::Interval& i) {
  return i.resamples() ? " [" + Num(i.lower(), 3) + ", " + Num(i.upper(), 3) + "]" : "";
}

// "0.83 / 0.75 / 0.50" of the points' sensitivities (or specificities).
std::string Points(const google::protobuf::RepeatedPtrField<derm::v1::OperatingPoint>& points,
                   bool sensitivity) {
  std::string out;
  for (const auto& p : points)
    out += (out.empty() ? "" : " / ") + Num(sensitivity ? p.sensitivity() : p.specificity(), 2);
  return out;
}

std::string Targets(const google::protobuf::RepeatedPtrField<derm::v1::OperatingPoint>& points) {
  std::string out;
  for (const auto& p : points) out += (out.empty() ? "" : "/") + FormatFixed(p.target(), 2).substr(1);
  return out;
}

}  // namespace

void PrintEvaluation(const derm::v1::Evaluation& e, const std::string& title, std::ostream& out) {
  if (e.per_class_size() == 0) return;
  out << "\n"
      << title << " evaluation: macro ROC AUC " << Num(e.macro_roc_auc()) << "  weighted "
      << Num(e.weighted_roc_auc()) << "  ECE " << Num(e.ece()) << "  NLL " << Num(e.nll()) << "  Brier "
      << Num(e.brier()) << "\n";
  const auto& first = e.per_class(0);
  const bool ci = first.roc_auc_interval().resamples() > 0;
  out << Padded("class", 28, true) << Padded("images", 7) << Padded("ROC AUC", ci ? 24 : 9) << Padded("AP", 8)
      << "  sens@spec " << Targets(first.at_specificity()) << "   spec@sens "
      << Targets(first.at_sensitivity()) << "\n";
  for (const auto& c : e.per_class()) {
    out << Padded(c.class_name(), 28, true) << Padded(std::to_string(c.positives()), 7)
        << Padded(Num(c.roc_auc()) + Range(c.roc_auc_interval()), ci ? 24 : 9)
        << Padded(Num(c.average_precision()), 8) << "  " << Padded(Points(c.at_specificity(), true), 20, true)
        << "  " << Points(c.at_sensitivity(), false) << "\n";
  }
  if (e.accuracy_interval().resamples() > 0) {
    const auto& a = e.accuracy_interval();
    out << "accuracy " << Num(a.estimate()) << Range(a) << "  balanced accuracy "
        << Num(e.balanced_accuracy_interval().estimate()) << Range(e.balanced_accuracy_interval()) << "  ("
        << FormatFixed(100 * a.level(), 0) << " % bootstrap intervals, " << a.resamples()
        << " resamples, seed " << a.seed() << ")\n";
  }
}

}  // namespace derm::client
