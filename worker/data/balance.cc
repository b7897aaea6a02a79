#include "worker/data/balance.h"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <string>
#include <vector>

#include "common/rng.h"

namespace derm::data {

Status Balance(core::ImageSet* set, int num_classes, int per_class, uint64_t seed, CacheWriter* sink) {
  std::vector<std::vector<int64_t>> members(num_classes);
  for (int64_t i = 0; i < set->size(); ++i) members[set->labels[i]].push_back(i);
  const int h = static_cast<int>(set->height), w = static_cast<int>(set->width);
  const size_t image_bytes = static_cast<size_t>(set->image_bytes());
  for (int c = 0; c < num_classes; ++c) {
    const auto& sources = members[c];
    if (sources.empty() || static_cast<int>(sources.size()) >= per_class) continue;
    Rng rng = Rng::Stream(seed, 0xBA1A0000ULL + static_cast<uint64_t>(c));
    for (int k = 0; static_cast<int>(sources.size()) + k < per_class; ++k) {
      const int64_t src = sources[k % sources.size()];
      const double angle = rng.Uniform(-36.0, 36.0), zoom = rng.Uniform(0.9, 1.1);
      const bool flip = rng.Uniform() < 0.5;
      cv::Mat source(h, w, CV_8UC3);  // a copy: `pixels` may move as copies are appended
      set->Gather(&src, 1, source.data);
      if (flip) cv::flip(source, source, 1);
      cv::Mat rot = cv::getRotationMatrix2D(cv::Point2f(w / 2.0f, h / 2.0f), angle, zoom);
      cv::Mat out;
      cv::warpAffine(source, out, rot, cv::Size(w, h), cv::INTER_LINEAR, cv::BORDER_REFLECT_101);
      if (sink) {
        DERM_RETURN_IF_ERROR(sink->Append(out.data, image_bytes));
      } else {
        set->pixels.insert(set->pixels.end(), out.data, out.data + image_bytes);
      }
      set->labels.push_back(c);
      set->paths.push_back(set->paths[src] + "#copy" + std::to_string(k));
    }
  }
  return Status::Ok();
}

}  // namespace derm::data
