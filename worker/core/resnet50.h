// ResNet50 (torchvision layout, v1.5: stride on the 3x3 conv) as a frozen feature extractor:
// normalised NCHW float images -> globally average-pooled 2048-d features. Parameters are named
// as in torchvision's state_dict ("layer1.0.conv1.weight", "bn1.running_var", ...). BatchNorm
// runs in eval mode and is folded into the preceding convolution at load time.
// Thread-safety: Forward() is const and may be called from several threads.
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/status_or.h"

namespace derm::core {

using TensorMap = std::map<std::string, at::Tensor>;

// How the backbone computes: bf16 and channels_last speed it up on GPUs and on CPUs with
// AVX512-BF16/AMX (bf16 changes the features slightly, so it is opt-in).
struct BackboneOptions {
  bool channels_last = false;
  bool bf16 = false;
};

class ResNet50 {
 public:
  static constexpr int64_t kFeatureDim = 2048;

  // Every backbone tensor (the classifier `fc.*` excluded) with its shape, in torchvision order.
  static std::vector<std::pair<std::string, std::vector<int64_t>>> ExpectedTensors();

  // torchvision's initialisation, seeded: convs kaiming-normal (fan_out, relu), BN weight 1,
  // bias 0, running mean 0, running var 1. Deterministic for a seed on every platform.
  static TensorMap RandomWeights(uint64_t seed);

  // Checks `weights` (every expected tensor present with its shape and float dtype; `fc.*` and
  // `*.num_batches_tracked` are ignored; anything else is an error naming the tensor), folds BN
  // and moves the result to `device`.
  static StatusOr<ResNet50> Create(const TensorMap& weights, const at::Device& device,
                                   BackboneOptions options = {});

  // x: [N,3,H,W] float, normalised, on device(). Returns [N,2048] float.
  at::Tensor Forward(const at::Tensor& x) const;
  const at::Device& device() const { return device_; }

 private:
  struct ConvBn {  // a convolution with its BatchNorm folded in
    at::Tensor weight, bias;
    int64_t stride = 1, padding = 0;
    at::Tensor operator()(const at::Tensor& x) const;
  };
  struct Block {
    ConvBn conv1, conv2, conv3;
    bool has_downsample = false;
    ConvBn downsample;
  };
  ResNet50(const at::Device& device, BackboneOptions options) : device_(device), options_(options) {}

  at::Device device_;
  BackboneOptions options_;
  ConvBn stem_;
  std::vector<Block> blocks_;
};

}  // namespace derm::core
