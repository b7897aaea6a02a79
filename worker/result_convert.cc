#include "worker/result_convert.h"

#include "common/eval/interval_proto.h"
#include "common/spec/thumbnail_limits.h"
#include "worker/data/thumbnail.h"

namespace derm::worker {

namespace {

void SetCurve(const eval::Curve& c, derm::v1::Curve* out) {
  for (size_t i = 0; i < c.x.size(); ++i) {
    out->add_x(c.x[i]);
    out->add_y(c.y[i]);
  }
}

void SetPoint(double target, const eval::OperatingPoint& p, derm::v1::OperatingPoint* out) {
  out->set_target(target);
  out->set_threshold(p.threshold);
  out->set_sensitivity(p.sensitivity);
  out->set_specificity(p.specificity);
}

}  // namespace

derm::v1::Evaluation ToProto(const eval::SplitEvaluation& e, const std::vector<std::string>& names) {
  derm::v1::Evaluation out;
  for (size_t k = 0; k < e.classes.size(); ++k) {
    const eval::ClassEvaluation& c = e.classes[k];
    auto* pc = out.add_per_class();
    pc->set_class_name(k < names.size() ? names[k] : std::to_string(k));
    pc->set_positives(c.positives);
    pc->set_roc_auc(c.roc_auc);
    pc->set_average_precision(c.average_precision);
    for (size_t t = 0; t < c.at_specificity.size(); ++t) {
      SetPoint(e.specificities[t], c.at_specificity[t], pc->add_at_specificity());
    }
    for (size_t t = 0; t < c.at_sensitivity.size(); ++t) {
      SetPoint(e.sensitivities[t], c.at_sensitivity[t], pc->add_at_sensitivity());
    }
    SetCurve(c.roc, pc->mutable_roc());
    SetCurve(c.precision_recall, pc->mutable_precision_recall());
    if (e.bootstrapped) *pc->mutable_roc_auc_interval() = eval::ToProto(c.roc_auc_interval);
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
    *out.mutable_accuracy_interval() = eval::ToProto(e.accuracy);
    *out.mutable_balanced_accuracy_interval() = eval::ToProto(e.balanced_accuracy);
  }
  return out;
}

derm::v1::SplitMetrics ToProto(const core::SplitEval& e, const std::vector<std::string>& names,
                               const eval::EvaluationOptions& options) {
  derm::v1::SplitMetrics m;
  m.set_loss(e.loss);
  m.set_accuracy(e.accuracy);
  m.set_balanced_accuracy(e.balanced_accuracy);
  for (size_t c = 0; c < e.per_class.size(); ++c) {
    auto* pc = m.add_per_class();
    pc->set_class_name(names[c]);
    pc->set_precision(e.per_class[c].precision);
    pc->set_recall(e.per_class[c].recall);
    pc->set_f1(e.per_class[c].f1);
    pc->set_support(e.per_class[c].support);
  }
  for (const auto& n : names) m.mutable_confusion()->add_class_names(n);
  for (int64_t v : e.confusion) m.mutable_confusion()->add_counts(v);
  if (!e.truth.empty()) {
    *m.mutable_evaluation() =
        ToProto(eval::EvaluateSplit(e.probabilities, e.truth, e.num_classes, options), names);
  }
  return m;
}

derm::v1::EpochMetrics ToProto(const core::EpochResult& r, const std::vector<std::string>& names,
                               const eval::EvaluationOptions& options) {
  derm::v1::EpochMetrics m;
  m.set_epoch(r.epoch);
  m.set_loss(r.loss);
  m.set_accuracy(r.accuracy);
  *m.mutable_validation() = ToProto(r.validation, names, options);
  m.set_seconds(r.seconds);
  m.set_images_per_second(r.images_per_second);
  return m;
}

eval::EvaluationOptions ValidationEvaluationOptions(const derm::v1::JobSpec& spec) {
  eval::EvaluationOptions options;
  const auto& asked = spec.evaluation();
  if (!asked.specificities().empty())
    options.specificities.assign(asked.specificities().begin(), asked.specificities().end());
  if (!asked.sensitivities().empty())
    options.sensitivities.assign(asked.sensitivities().begin(), asked.sensitivities().end());
  return options;
}

eval::EvaluationOptions TestEvaluationOptions(const derm::v1::JobSpec& spec) {
  eval::EvaluationOptions options = ValidationEvaluationOptions(spec);
  options.bootstrap_resamples = 1000;
  options.seed = static_cast<uint64_t>(spec.data().seed());
  for (const auto& gate : spec.gates()) {
    if (gate.has_at_specificity()) options.specificities.push_back(gate.at_specificity());
    if (gate.has_at_sensitivity()) options.sensitivities.push_back(gate.at_sensitivity());
  }
  return options;
}

void AddPredictions(const char* split, const core::ImageSet& set, const core::SplitEval& e,
                    derm::v1::RunResult* result, int* thumbnails) {
  for (int64_t i = 0; i < set.size() && i < static_cast<int64_t>(e.predicted.size()); ++i) {
    auto* p = result->add_predictions();
    p->set_split(split);
    p->set_path(set.paths[i]);
    p->set_true_class(set.labels[i]);
    p->set_predicted_class(e.predicted[i]);
    p->set_probability(e.probability[i]);
    if (e.num_classes > 0 && e.probabilities.size() >= static_cast<size_t>((i + 1) * e.num_classes)) {
      const float* row = e.probabilities.data() + i * e.num_classes;
      p->mutable_probabilities()->Add(row, row + e.num_classes);
    }
    if (*thumbnails > 0) {
      std::string jpeg = data::JpegThumbnail(set, i, kThumbnailSide);
      if (!jpeg.empty() && jpeg.size() <= kMaxThumbnailBytes) {
        p->set_thumbnail(std::move(jpeg));
        --*thumbnails;
      }
    }
  }
}

}  // namespace derm::worker
