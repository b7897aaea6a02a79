// Trainer: the tutorial's training loop on decoded uint8 images. Per epoch: shuffle, augment on
// the device, frozen ResNet50 features (the backbone may run on larger chunks than the head's
// step; the maths is identical), Dropout + Dense + softmax head trained by Adam, then validation
// on features computed once per run. Every random number comes from derm::Rng streams derived
// from (seed, epoch), so a run resumed from epoch k's checkpoint ends exactly like an
// uninterrupted run on the same device.
// Thread-safety: not thread-safe; one run per Trainer.
#pragma once

#include <ATen/ATen.h>

#include <functional>
#include <optional>
#include <string>

#include "common/status_or.h"
#include "worker/core/augment.h"
#include "worker/core/feature_extractor.h"
#include "worker/core/image_set.h"
#include "worker/core/metrics.h"
#include "worker/core/resnet50.h"

namespace derm::core {

struct TrainConfig {
  int epochs = 10;
  int batch_size = 32;
  double learning_rate = 1e-3;
  double dropout = 0.2;
  AugmentConfig augment;
  bool standardize = false;
  uint64_t seed = 123;
  // Images per backbone forward pass, smaller or larger than batch_size (identical maths: the
  // backbone is frozen with BatchNorm in eval mode, so an image's features do not depend on its
  // batch); CPUs prefer small ones, GPUs large ones.
  int backbone_batch = 64;
};

struct EpochResult {
  int32_t epoch = 0;  // 1-based
  double loss = 0, accuracy = 0;
  SplitEval validation;
  double seconds = 0, images_per_second = 0;
  std::string checkpoint;  // resumes after this epoch
};

// What training does after an epoch: go on, finish here (early stopping: the run completes, its
// test split evaluated), or stop (cancellation).
enum class AfterEpoch { kContinue, kFinish, kCancel };

struct TrainHooks {
  // Called after each epoch.
  std::function<AfterEpoch(const EpochResult&)> on_epoch;
  // Called once training ends: the checkpoint whose head makes the final validation and test
  // evaluations (early stopping's best epoch); empty, or no hook: the last epoch's head.
  std::function<std::string()> final_checkpoint;
  // Polled before every batch; returning true stops training within one batch.
  std::function<bool()> should_stop;
  // After each backbone chunk: training images of `epoch` done so far, of `total`, in `seconds`.
  std::function<void(int32_t epoch, int64_t done, int64_t total, double seconds)> on_progress;
};

struct TrainOutcome {
  int32_t epochs_done = 0;
  int32_t model_epoch = 0;        // the epoch whose head made the evaluations below
  SplitEval validation;           // of model_epoch
  std::optional<SplitEval> test;  // when a test set was given
};

class Trainer {
 public:
  Trainer(const ResNet50& backbone, const TrainConfig& config, int num_classes);

  // Trains on `train`, validating on `val` each epoch, and evaluates `test` (may be null) at the
  // end. `resume_checkpoint` (may be empty) is an EpochResult::checkpoint of this same spec.
  // CANCELLED when a hook stopped it; OUT_OF_RANGE ("loss became NaN at epoch 3: ...") when
  // training diverged, before that epoch is reported.
  StatusOr<TrainOutcome> Run(const ImageSet& train, const ImageSet& val, const ImageSet* test,
                             const std::string& resume_checkpoint, const TrainHooks& hooks);

 private:
  SplitEval Evaluate(const class DenseHead& head, const at::Tensor& features,
                     const std::vector<int32_t>& labels) const;

  const FeatureExtractor features_;  // backbone passes of config.backbone_batch images
  TrainConfig config_;
  int num_classes_;
  size_t group_;  // training images per features pass: backbone_batch rounded up to whole head steps
};

}  // namespace derm::core
