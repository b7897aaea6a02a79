// DenseHead: the tutorial's classifier on pooled features: optional feature standardisation
// (training-set mean/std, stored with the head), Dropout, Dense(n) with softmax, trained by Adam
// on sparse categorical cross-entropy. The gradient is computed in closed form (softmax minus
// one-hot), so no autograd graph is built. Adam follows Keras: lr_t = lr·sqrt(1-β2^t)/(1-β1^t),
// w -= lr_t·m/(sqrt(v)+ε). Serialises to a small checkpoint (weights, Adam state, step,
// standardisation) that resumes training exactly.
// Thread-safety: not thread-safe.
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <map>
#include <string>

#include "common/rng.h"
#include "common/status_or.h"

namespace derm::core {

struct HeadConfig {
  int64_t in_features = 2048;
  int64_t classes = 2;
  double dropout = 0.2;
  double learning_rate = 1e-3;
  double beta1 = 0.9, beta2 = 0.999, epsilon = 1e-7;
};

class DenseHead {
 public:
  // Glorot-uniform weights and zero bias (Keras Dense defaults), drawn from `rng`.
  DenseHead(const HeadConfig& config, Rng& rng, const at::Device& device);

  // Sets the standardisation from training-set features [N, in_features].
  void FitStandardization(const at::Tensor& features);
  bool standardized() const { return mean_.defined(); }
  // Applies the standardisation (identity when none was fitted).
  at::Tensor Standardize(const at::Tensor& features) const;

  struct StepResult {
    double loss_sum = 0;  // summed over the batch
    int64_t correct = 0;
  };
  // One Adam step on standardised features [B, in] with labels [B] (int64), with dropout masks
  // drawn from `rng`. Loss and accuracy are of the dropout forward pass, as Keras reports them.
  StepResult TrainStep(const at::Tensor& features, const at::Tensor& labels, Rng& rng);

  // Class probabilities [N, classes] for standardised features (no dropout).
  at::Tensor Probabilities(const at::Tensor& features) const;

  const at::Tensor& weight() const { return weight_; }
  const at::Tensor& bias() const { return bias_; }

  // What inference needs: "weight", "bias" and, when standardised, "feature_mean" and
  // "feature_inv_std" (float, on the CPU).
  std::map<std::string, at::Tensor> InferenceTensors() const;
  // Sets them; INVALID_ARGUMENT naming the tensor when one is missing or has the wrong shape.
  Status LoadInferenceTensors(const std::map<std::string, at::Tensor>& tensors);

  // Checkpoint bytes; Restore() accepts only a checkpoint of the same shape.
  std::string Serialize(int32_t epoch) const;
  // Returns the epoch stored in the checkpoint.
  StatusOr<int32_t> Restore(const std::string& bytes);

 private:
  HeadConfig config_;
  at::Device device_;
  at::Tensor weight_, bias_;          // [classes, in], [classes]
  at::Tensor m_w_, v_w_, m_b_, v_b_;  // Adam moments
  int64_t step_ = 0;
  at::Tensor mean_, inv_std_;  // [in], undefined when not standardised
};

}  // namespace derm::core
