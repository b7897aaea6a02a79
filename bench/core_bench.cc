// derm-core-bench: throughput of derm's tensor core, measured the way
// ../shared/bench/pytorch_reference.py measures plain PyTorch, so the two run side by side:
// a train step is augment + frozen ResNet50 features + one Adam step of the head on `batch`
// images; an inference step is features + softmax. Prints one JSON line.
//   derm-core-bench --size 224 --batch 8 --steps 5 [--threads 2] [--device cuda]
//     [--backbone-batch N]  (backbone passes of N images within the step, as the worker runs them)
#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>
#include <torch/version.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "common/parse_number.h"
#include "worker/core/feature_extractor.h"
#include "worker/core/head.h"
#include "worker/core/trainer.h"

namespace {

// A flag's whole-number value; exits with a message when it is not one.
int IntValue(const std::string& flag, const std::string& v) {
  const auto n = derm::ParseInt64(v);
  if (!n || *n < INT32_MIN || *n > INT32_MAX) {
    std::fprintf(stderr, "%s needs a whole number, got '%s'\n", flag.c_str(), v.c_str());
    std::exit(2);
  }
  return static_cast<int>(*n);
}

struct Args {
  std::string device = "cpu";
  int size = 224, batch = 32, steps = 20, warmup = 3, classes = 9, threads = 0, backbone_batch = 0;
  derm::core::BackboneOptions backbone;
};

Args Parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; i += 2) {
    const std::string k = argv[i];
    if (k == "--bf16" || k == "--channels-last") {
      (k == "--bf16" ? a.backbone.bf16 : a.backbone.channels_last) = true;
      --i;
      continue;
    }
    if (i + 1 >= argc) {
      std::fprintf(stderr, "%s needs a value\n", k.c_str());
      std::exit(2);
    }
    const std::string v = argv[i + 1];
    if (k == "--device")
      a.device = v;
    else if (k == "--size")
      a.size = IntValue(k, v);
    else if (k == "--batch")
      a.batch = IntValue(k, v);
    else if (k == "--steps")
      a.steps = IntValue(k, v);
    else if (k == "--warmup")
      a.warmup = IntValue(k, v);
    else if (k == "--classes")
      a.classes = IntValue(k, v);
    else if (k == "--threads")
      a.threads = IntValue(k, v);
    else if (k == "--backbone-batch")
      a.backbone_batch = IntValue(k, v);
    else {
      std::fprintf(stderr, "unknown flag %s\n", k.c_str());
      std::exit(2);
    }
  }
  return a;
}

template <typename Fn>
double Rate(const Args& a, const at::Device& device, Fn step) {
  for (int i = 0; i < a.warmup; ++i) step();
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < a.steps; ++i) step();
  if (device.is_cuda()) at::empty({1}, at::TensorOptions().device(device)).cpu();  // synchronise
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return a.batch * a.steps / s;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace derm;
  const Args a = Parse(argc, argv);
  if (a.threads > 0) at::set_num_threads(a.threads);
  const at::Device device(a.device);
  auto net = core::ResNet50::Create(core::ResNet50::RandomWeights(1), device, a.backbone).value();

  core::ImageSet images;
  images.height = images.width = a.size;
  Rng rng(2);
  images.pixels.resize(static_cast<size_t>(a.batch) * a.size * a.size * 3);
  for (auto& p : images.pixels) p = static_cast<uint8_t>(rng.Below(256));
  for (int i = 0; i < a.batch; ++i) images.labels.push_back(static_cast<int32_t>(rng.Below(a.classes)));
  std::vector<int64_t> idx(a.batch);
  for (int i = 0; i < a.batch; ++i) idx[i] = i;

  core::TrainConfig tc;
  tc.batch_size = a.batch;
  tc.backbone_batch = a.backbone_batch > 0 ? a.backbone_batch : a.batch;
  const core::FeatureExtractor features(net, tc.backbone_batch);
  core::HeadConfig hc;
  hc.classes = a.classes;
  core::DenseHead head(hc, rng, device);
  const at::Tensor labels =
      at::tensor(std::vector<int64_t>(images.labels.begin(), images.labels.end())).to(device);

  const double train = Rate(a, device, [&] {
    std::vector<core::AffineParams> aug;
    for (int i = 0; i < a.batch; ++i) aug.push_back(core::DrawAffine(tc.augment, rng));
    head.TrainStep(features.Features(images, idx, &aug), labels, rng);
  });
  const double infer = Rate(a, device, [&] {
    c10::InferenceMode guard;
    head.Probabilities(features.Features(images, idx));
  });
  std::printf(
      "{\"impl\": \"derm\", \"torch\": \"%s\", \"device\": \"%s\", \"threads\": %d, \"size\": %d, "
      "\"batch\": %d, \"backbone_batch\": %d, \"bf16\": %s, \"channels_last\": %s, \"train_img_per_s\": "
      "%.1f, "
      "\"infer_img_per_s\": %.1f}\n",
      TORCH_VERSION, a.device.c_str(), at::get_num_threads(), a.size, a.batch, tc.backbone_batch,
      a.backbone.bf16 ? "true" : "false", a.backbone.channels_last ? "true" : "false", train, infer);
  return 0;
}
