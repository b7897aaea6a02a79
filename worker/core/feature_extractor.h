// FeatureExtractor: pooled ResNet50 features of decoded uint8 images, with torchvision's
// preprocessing, optionally augmented on the device, in backbone passes of at most `chunk`
// images. The backbone is frozen with BatchNorm in eval mode, so an image's features do not
// depend on the pass it is in. Training, inference and feature export share it.
// Thread-safety: like the backbone (const use from one thread at a time).
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <vector>

#include "worker/core/augment.h"
#include "worker/core/image_set.h"
#include "worker/core/resnet50.h"

namespace derm::core {

class FeatureExtractor {
 public:
  // `chunk` < 1 is taken as 1.
  FeatureExtractor(const ResNet50& backbone, int chunk);

  // Features [idx.size(), 2048] of set[idx], augmented with `aug` (one per index) when not null.
  at::Tensor Features(const ImageSet& set, const std::vector<int64_t>& idx,
                      const std::vector<AffineParams>* aug = nullptr) const;
  // Features of every image of `set`, in order.
  at::Tensor All(const ImageSet& set) const;

  const ResNet50& backbone() const { return backbone_; }
  int chunk() const { return chunk_; }

 private:
  at::Tensor Pass(const ImageSet& set, const std::vector<int64_t>& idx,
                  const std::vector<AffineParams>* aug) const;

  const ResNet50& backbone_;
  const int chunk_;
};

}  // namespace derm::core
