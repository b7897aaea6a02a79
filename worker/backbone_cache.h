// BackboneCache: the worker's ResNet50, built once and kept for consecutive tasks with the same
// weights (a .safetensors file, or seeded random weights), for training and inference alike.
// Thread-safety: not thread-safe; one task at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "common/status_or.h"
#include "worker/core/resnet50.h"

namespace derm::worker {

struct Backbone {
  std::string key;                      // "random:SEED" or "file:PATH:SIZE:MTIME"
  std::string weights, weights_sha256;  // as recorded with a run
  std::unique_ptr<core::ResNet50> net;
};

class BackboneCache {
 public:
  BackboneCache(std::string device, core::BackboneOptions options)
      : device_(std::move(device)), options_(options) {}

  // The backbone for `weights_path` (empty: random weights from `seed`). An unchanged file
  // (same path, size and modification time) is neither read nor hashed again. NOT_FOUND when the
  // file cannot be opened, INVALID_ARGUMENT when it is not a ResNet50; LibTorch errors (e.g. out
  // of device memory) are thrown.
  StatusOr<const Backbone*> Load(const std::string& weights_path, uint64_t seed);

 private:
  const std::string device_;
  const core::BackboneOptions options_;
  Backbone backbone_;
};

}  // namespace derm::worker
