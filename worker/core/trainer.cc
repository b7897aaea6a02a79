#include "worker/core/trainer.h"

#include <ATen/Context.h>
#include <c10/core/InferenceMode.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <memory>
#include <numeric>

#include "worker/core/head.h"

namespace derm::core {
namespace {

// Streams of derm::Rng per run: the head's initial weights, then three per epoch.
constexpr uint64_t kHeadInitStream = 1u << 30;
enum EpochStream : uint64_t { kShuffle = 0, kAugment = 1, kDropout = 2 };
uint64_t StreamOf(int32_t epoch, EpochStream s) { return static_cast<uint64_t>(epoch) * 3 + s; }

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

}  // namespace

Trainer::Trainer(const ResNet50& backbone, const TrainConfig& config, int num_classes)
    : features_(backbone, config.backbone_batch), config_(config), num_classes_(num_classes) {
  const int b = std::max(1, config_.batch_size);
  group_ = std::max(b, (features_.chunk() + b - 1) / b * b);
}

SplitEval Trainer::Evaluate(const DenseHead& head, const at::Tensor& features,
                            const std::vector<int32_t>& labels) const {
  c10::InferenceMode guard;
  SplitEval e;
  const int64_t n = static_cast<int64_t>(labels.size());
  if (n > 0) {
    at::Tensor probs = head.Probabilities(head.Standardize(features)).to(at::kCPU);
    at::Tensor y = at::from_blob(const_cast<int32_t*>(labels.data()), {n}, at::kInt).to(at::kLong);
    e.loss = -at::log(probs.gather(1, y.view({-1, 1})).clamp_min(1e-12)).mean().item<double>();
    auto [best, arg] = probs.max(1);
    at::Tensor argi = arg.to(at::kInt).contiguous();
    e.predicted.assign(argi.data_ptr<int32_t>(), argi.data_ptr<int32_t>() + n);
    at::Tensor bestc = best.contiguous();
    e.probability.assign(bestc.data_ptr<float>(), bestc.data_ptr<float>() + n);
    at::Tensor all = probs.to(at::kFloat).contiguous();
    e.probabilities.assign(all.data_ptr<float>(), all.data_ptr<float>() + all.numel());
    e.truth = labels;
  }
  ScoreClassification(labels, num_classes_, &e);
  return e;
}

StatusOr<TrainOutcome> Trainer::Run(const ImageSet& train, const ImageSet& val, const ImageSet* test,
                                    const std::string& resume_checkpoint, const TrainHooks& hooks) {
  if (train.size() == 0) return InvalidArgument("the training split is empty");
  if (val.size() == 0) return InvalidArgument("the validation split is empty");
  const at::Device device = features_.backbone().device();
  if (device.is_cuda()) at::globalContext().setBenchmarkCuDNN(true);  // cuDNN autotune

  HeadConfig hc;
  hc.in_features = ResNet50::kFeatureDim;
  hc.classes = num_classes_;
  hc.dropout = config_.dropout;
  hc.learning_rate = config_.learning_rate;
  Rng init_rng = Rng::Stream(config_.seed, kHeadInitStream);
  DenseHead head(hc, init_rng, device);

  int32_t start_epoch = 1;
  if (!resume_checkpoint.empty()) {
    DERM_ASSIGN_OR_RETURN(int32_t done, head.Restore(resume_checkpoint));
    start_epoch = done + 1;
  } else if (config_.standardize) {
    head.FitStandardization(features_.All(train));
  }
  const at::Tensor val_features = features_.All(val);

  TrainOutcome outcome;
  outcome.epochs_done = start_epoch - 1;
  for (int32_t epoch = start_epoch; epoch <= config_.epochs; ++epoch) {
    const auto t0 = std::chrono::steady_clock::now();
    Rng shuffle_rng = Rng::Stream(config_.seed, StreamOf(epoch, kShuffle));
    Rng augment_rng = Rng::Stream(config_.seed, StreamOf(epoch, kAugment));
    Rng dropout_rng = Rng::Stream(config_.seed, StreamOf(epoch, kDropout));
    std::vector<int64_t> order(train.size());
    std::iota(order.begin(), order.end(), 0);
    shuffle_rng.Shuffle(order);

    double loss_sum = 0;
    int64_t correct = 0;
    for (size_t start = 0; start < order.size(); start += group_) {
      if (hooks.should_stop && hooks.should_stop())
        return Cancelled("training stopped in epoch " + std::to_string(epoch));
      const size_t end = std::min(order.size(), start + group_);
      std::vector<int64_t> idx(order.begin() + start, order.begin() + end);
      std::vector<AffineParams> aug;
      for (size_t i = 0; i < idx.size(); ++i) aug.push_back(DrawAffine(config_.augment, augment_rng));
      at::Tensor features = head.Standardize(features_.Features(train, idx, &aug));
      std::vector<int64_t> labels;
      for (int64_t i : idx) labels.push_back(train.labels[i]);
      at::Tensor y = at::tensor(labels, at::kLong).to(device);
      for (int64_t s = 0; s < static_cast<int64_t>(idx.size()); s += config_.batch_size) {
        const int64_t e = std::min<int64_t>(idx.size(), s + config_.batch_size);
        auto r = head.TrainStep(features.slice(0, s, e), y.slice(0, s, e), dropout_rng);
        loss_sum += r.loss_sum;
        correct += r.correct;
      }
      if (hooks.on_progress) hooks.on_progress(epoch, static_cast<int64_t>(end), train.size(), Seconds(t0));
    }
    EpochResult result;
    result.epoch = epoch;
    result.loss = loss_sum / train.size();
    result.accuracy = static_cast<double>(correct) / train.size();
    result.validation = Evaluate(head, val_features, val.labels);
    result.seconds = Seconds(t0);
    result.images_per_second = train.size() / std::max(result.seconds, 1e-9);
    for (const auto& [what, x] :
         {std::pair<const char*, double>{"loss", result.loss}, {"validation loss", result.validation.loss}}) {
      if (!std::isfinite(x)) {
        return OutOfRange(std::string(what) + " became " + (std::isnan(x) ? "NaN" : "inf") + " at epoch " +
                          std::to_string(epoch) +
                          ": training diverged (a lower train.learning_rate may help)");
      }
    }
    result.checkpoint = head.Serialize(epoch);
    outcome.epochs_done = epoch;
    outcome.validation = result.validation;
    const AfterEpoch next = hooks.on_epoch ? hooks.on_epoch(result) : AfterEpoch::kContinue;
    if (next == AfterEpoch::kCancel)
      return Cancelled("training stopped after epoch " + std::to_string(epoch));
    if (next == AfterEpoch::kFinish) break;
  }
  // The final head: the last epoch's, or the checkpoint the hook names (its own copy).
  outcome.model_epoch = outcome.epochs_done;
  const DenseHead* final_head = &head;
  std::unique_ptr<DenseHead> kept;
  if (const std::string checkpoint = hooks.final_checkpoint ? hooks.final_checkpoint() : "";
      !checkpoint.empty()) {
    Rng unused(0);
    kept = std::make_unique<DenseHead>(hc, unused, device);
    DERM_ASSIGN_OR_RETURN(outcome.model_epoch, kept->Restore(checkpoint));
    final_head = kept.get();
  }
  if (outcome.epochs_done > 0 &&
      (outcome.validation.num_classes == 0 || outcome.model_epoch != outcome.epochs_done)) {
    outcome.validation = Evaluate(*final_head, val_features, val.labels);
  }
  if (test && test->size() > 0) outcome.test = Evaluate(*final_head, features_.All(*test), test->labels);
  return outcome;
}

}  // namespace derm::core
