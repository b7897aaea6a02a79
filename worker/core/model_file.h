// An exported model: what a finished training run hands to inference, on this cluster or another
// one. A .safetensors file holding the head ("head.weight", "head.bias" and, when the run
// standardised features, "head.feature_mean" / "head.feature_inv_std") with string metadata:
//   format          "derm.model.v1"
//   backbone        "resnet50"
//   class_names     JSON array, in label order
//   image_size      "HEIGHT,WIDTH"
//   preprocessing   "rgb/255, imagenet mean/std"
//   weights         the backbone weights as the run recorded them (a path, or "random(seed=N)")
//   weights_sha256  the weights file's SHA-256 ("" for random weights)
//   backbone_seed   the seed of random weights
//   source_run_id   the run it came from (on the cluster that trained it)
// The backbone weights are not inside: the file names them by SHA-256, and inference checks the
// weights it is given against it.
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status_or.h"
#include "worker/core/head.h"

namespace derm::core {

struct ModelInfo {
  std::vector<std::string> class_names;
  int64_t height = 224, width = 224;
  std::string weights;         // as recorded with the run
  std::string weights_sha256;  // empty: random weights from backbone_seed
  uint64_t backbone_seed = 0;
  int64_t source_run_id = 0;
};

// Model files are a head of classes x 2048 floats plus metadata: 73 KB for 9 classes, 8 MB for
// 1,000. Larger files are refused unread.
inline constexpr uintmax_t kMaxModelFileBytes = uintmax_t{64} << 20;

// The model file's bytes for a trained head.
StatusOr<std::string> ExportModel(const DenseHead& head, const ModelInfo& info);

struct LoadedModel {
  ModelInfo info;
  std::unique_ptr<DenseHead> head;
};

// Parses and checks a model file (format, metadata, tensor shapes against the class count);
// INVALID_ARGUMENT naming what is wrong.
StatusOr<LoadedModel> LoadModel(std::string_view bytes, const at::Device& device);

}  // namespace derm::core
