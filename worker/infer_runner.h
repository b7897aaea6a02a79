// InferRunner: runs one shard of an inference job: loads the model (kept across shards with the
// same model bytes), checks the backbone weights against the model's fingerprint, decodes the
// shard's images on a thread pool while the backbone runs on the previous batch, and returns a
// ShardResult with each image's top-k classes (and, when asked, every probability and the pooled
// features), plus the images that could not be read.
// Thread-safety: one shard at a time.
#pragma once

#include <memory>
#include <string>

#include "worker/backbone_cache.h"
#include "worker/core/model_file.h"
#include "worker/task.h"

namespace derm::worker {

class InferRunner {
 public:
  InferRunner(const RunnerOptions& options, BackboneCache* backbones);
  TaskOutcome Run(const derm::v1::Task& task, TaskReporter* reporter);

 private:
  struct Model {
    std::string sha256;
    core::LoadedModel loaded;
  };
  // The task's model (its bytes, or spec model.file), cached by SHA-256.
  StatusOr<const Model*> LoadModel(const derm::v1::Task& task);
  // The backbone the model was trained with: random weights from its seed, or the weights file
  // (spec model.weights, else the path the model recorded) with the model's SHA-256.
  StatusOr<const Backbone*> LoadBackbone(const derm::v1::JobSpec& spec, const core::ModelInfo& info);

  const RunnerOptions options_;
  BackboneCache* backbones_;
  Model model_;
};

}  // namespace derm::worker
