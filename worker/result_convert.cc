#include "worker/result_convert.h"

#include "common/spec/thumbnail_limits.h"
#include "worker/data/thumbnail.h"

namespace derm::worker {

derm::v1::SplitMetrics ToProto(const core::SplitEval& e, const std::vector<std::string>& names) {
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
  return m;
}

derm::v1::EpochMetrics ToProto(const core::EpochResult& r, const std::vector<std::string>& names) {
  derm::v1::EpochMetrics m;
  m.set_epoch(r.epoch);
  m.set_loss(r.loss);
  m.set_accuracy(r.accuracy);
  *m.mutable_validation() = ToProto(r.validation, names);
  m.set_seconds(r.seconds);
  m.set_images_per_second(r.images_per_second);
  return m;
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
