#include "worker/result_convert.h"

#include "common/eval/evaluation_proto.h"
#include "common/spec/thumbnail_limits.h"
#include "worker/data/thumbnail.h"

namespace derm::worker {

derm::v1::Evaluation ToProto(const eval::SplitEvaluation& e, const std::vector<std::string>& names) {
  return eval::EvaluationProto(e, names);
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

void AddAttributes(const std::unordered_map<std::string, std::vector<std::string>>& by_path,
                   derm::v1::RunResult* result) {
  if (by_path.empty()) return;
  for (auto& p : *result->mutable_predictions()) {
    const auto it = by_path.find(p.path());
    if (it != by_path.end()) p.mutable_attributes()->Add(it->second.begin(), it->second.end());
  }
}

}  // namespace derm::worker
