#include "worker/core/feature_extractor.h"

#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <numeric>

namespace derm::core {

FeatureExtractor::FeatureExtractor(const ResNet50& backbone, int chunk)
    : backbone_(backbone), chunk_(std::max(1, chunk)) {}

at::Tensor FeatureExtractor::Features(const ImageSet& set, const std::vector<int64_t>& idx,
                                      const std::vector<AffineParams>* aug) const {
  const size_t chunk = static_cast<size_t>(chunk_);
  if (idx.size() <= chunk) return Pass(set, idx, aug);
  std::vector<at::Tensor> parts;
  for (size_t start = 0; start < idx.size(); start += chunk) {
    const size_t end = std::min(idx.size(), start + chunk);
    const std::vector<int64_t> sub(idx.begin() + start, idx.begin() + end);
    std::vector<AffineParams> sub_aug;
    if (aug) sub_aug.assign(aug->begin() + start, aug->begin() + end);
    parts.push_back(Pass(set, sub, aug ? &sub_aug : nullptr));
  }
  return at::cat(parts);
}

at::Tensor FeatureExtractor::Pass(const ImageSet& set, const std::vector<int64_t>& idx,
                                  const std::vector<AffineParams>* aug) const {
  c10::InferenceMode guard;
  const int64_t n = static_cast<int64_t>(idx.size()), h = set.height, w = set.width;
  at::Tensor raw = at::empty({n, h, w, 3}, at::kByte);
  uint8_t* dst = raw.data_ptr<uint8_t>();
  set.Gather(idx.data(), idx.size(), dst);
  at::Tensor x = raw.to(backbone_.device()).permute({0, 3, 1, 2}).to(at::kFloat).contiguous();
  if (aug) x = ApplyAffine(x, *aug);
  // torchvision preprocessing on 0..255 values: (x/255 - mean) / std.
  static const float kMean[3] = {0.485f * 255, 0.456f * 255, 0.406f * 255};
  static const float kStd[3] = {0.229f * 255, 0.224f * 255, 0.225f * 255};
  at::Tensor mean = at::from_blob(const_cast<float*>(kMean), {1, 3, 1, 1}, at::kFloat).to(x.device());
  at::Tensor std = at::from_blob(const_cast<float*>(kStd), {1, 3, 1, 1}, at::kFloat).to(x.device());
  return backbone_.Forward((x - mean) / std);
}

at::Tensor FeatureExtractor::All(const ImageSet& set) const {
  std::vector<at::Tensor> parts;
  for (int64_t start = 0; start < set.size(); start += chunk_) {
    std::vector<int64_t> idx(std::min<int64_t>(chunk_, set.size() - start));
    std::iota(idx.begin(), idx.end(), start);
    parts.push_back(Features(set, idx, nullptr));
  }
  if (parts.empty()) {
    return at::empty({0, ResNet50::kFeatureDim}, at::TensorOptions(at::kFloat).device(backbone_.device()));
  }
  return at::cat(parts);
}

}  // namespace derm::core
