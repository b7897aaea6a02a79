// An eval::SplitEvaluation (and its intervals) as its wire message (derm.v1.Evaluation), for the
// targets that send or print one (the worker's results, dermctl's pooled cross-validation
// evaluation); header-only, so derm_eval itself needs no protos.
#pragma once

#include <string>
#include <vector>

#include "common/eval/interval_proto.h"
#include "common/eval/split_evaluation.h"
#include "derm/v1/results.pb.h"

namespace derm::eval {

inline void CurveProto(const Curve& c, derm::v1::Curve* out) {
  for (size_t i = 0; i < c.x.size(); ++i) {
    out->add_x(c.x[i]);
    out->add_y(c.y[i]);
  }
}

inline void OperatingPointProto(double target, const OperatingPoint& p, derm::v1::OperatingPoint* out) {
  out->set_target(target);
  out->set_threshold(p.threshold);
  out->set_sensitivity(p.sensitivity);
  out->set_specificity(p.specificity);
}

// Classes are named by `names` (by index where it is short).
inline derm::v1::Evaluation EvaluationProto(const SplitEvaluation& e, const std::vector<std::string>& names) {
  derm::v1::Evaluation out;
  for (size_t k = 0; k < e.classes.size(); ++k) {
    const ClassEvaluation& c = e.classes[k];
    auto* pc = out.add_per_class();
    pc->set_class_name(k < names.size() ? names[k] : std::to_string(k));
    pc->set_positives(c.positives);
    pc->set_roc_auc(c.roc_auc);
    pc->set_average_precision(c.average_precision);
    for (size_t t = 0; t < c.at_specificity.size(); ++t) {
      OperatingPointProto(e.specificities[t], c.at_specificity[t], pc->add_at_specificity());
    }
    for (size_t t = 0; t < c.at_sensitivity.size(); ++t) {
      OperatingPointProto(e.sensitivities[t], c.at_sensitivity[t], pc->add_at_sensitivity());
    }
    CurveProto(c.roc, pc->mutable_roc());
    CurveProto(c.precision_recall, pc->mutable_precision_recall());
    if (e.bootstrapped) *pc->mutable_roc_auc_interval() = ToProto(c.roc_auc_interval);
  }
  out.set_macro_roc_auc(e.macro_roc_auc);
  out.set_weighted_roc_auc(e.weighted_roc_auc);
  out.set_ece(e.calibration.ece);
  for (const auto& b : e.calibration.bins) {
    auto* r = out.add_reliability();
    r->set_lower(b.lower);
    r->set_upper(b.upper);
    r->set_count(b.count);
    r->set_confidence(b.confidence);
    r->set_accuracy(b.accuracy);
  }
  out.set_nll(e.calibration.nll);
  out.set_brier(e.calibration.brier);
  if (e.bootstrapped) {
    *out.mutable_accuracy_interval() = ToProto(e.accuracy);
    *out.mutable_balanced_accuracy_interval() = ToProto(e.balanced_accuracy);
  }
  return out;
}

}  // namespace derm::eval
