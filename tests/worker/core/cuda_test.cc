// CUDA paths of the tensor core. They skip where there is no CUDA device (CI); a device session
// runs them with the official CUDA LibTorch (-DDERM_CORE_ONLY=ON).
#include <ATen/Context.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <gtest/gtest.h>

#include "worker/core/trainer.h"

namespace derm::core {
namespace {

// Runs everywhere: every build links the CUDA LibTorch, so a GPU worker is the same build as a
// CPU one. Without libtorch_cuda's kernels registered, the version query throws.
TEST(CudaTest, CudaIsCompiledIn) {
  long version = 0;
  EXPECT_NO_THROW(version = at::detail::getCUDAHooks().versionCUDART());
  EXPECT_GE(version, 12000) << "CUDA runtime " << version;
}

TEST(CudaTest, Bf16ChannelsLastBackboneMatchesCpu) {
  if (!at::hasCUDA()) GTEST_SKIP() << "no CUDA device";
  const TensorMap w = ResNet50::RandomWeights(3);
  auto cpu = ResNet50::Create(w, at::kCPU);
  auto gpu = ResNet50::Create(w, at::Device("cuda:0"), BackboneOptions{true, true});
  ASSERT_TRUE(cpu.ok() && gpu.ok());
  at::manual_seed(1);
  const at::Tensor x = at::randn({4, 3, 64, 64});
  const at::Tensor want = cpu->Forward(x);
  const at::Tensor got = gpu->Forward(x.to(at::Device("cuda:0"))).to(at::kCPU);
  const float scale = want.abs().max().item<float>();
  EXPECT_LT((got - want).abs().max().item<float>() / scale, 3e-2) << "bf16 keeps about 3 significant digits";
}

TEST(CudaTest, TrainsOnTheDevice) {
  if (!at::hasCUDA()) GTEST_SKIP() << "no CUDA device";
  auto net = ResNet50::Create(ResNet50::RandomWeights(1), at::Device("cuda:0"), BackboneOptions{true, true});
  ASSERT_TRUE(net.ok());
  ImageSet set;
  set.height = set.width = 32;
  Rng rng(4);
  for (int i = 0; i < 24; ++i) {
    set.labels.push_back(i % 2);
    set.paths.push_back(std::to_string(i));
    for (int p = 0; p < 32 * 32 * 3; ++p)
      set.pixels.push_back(static_cast<uint8_t>((i % 2) * 120 + rng.Below(100)));
  }
  TrainConfig c;
  c.epochs = 2;
  c.batch_size = 8;
  c.standardize = true;
  std::vector<EpochResult> epochs;
  TrainHooks hooks;
  hooks.on_epoch = [&](const EpochResult& r) {
    epochs.push_back(r);
    return AfterEpoch::kContinue;
  };
  auto outcome = Trainer(*net, c, 2).Run(set, set, nullptr, "", hooks);
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  ASSERT_EQ(epochs.size(), 2u);
  EXPECT_TRUE(std::isfinite(epochs.back().loss));
  EXPECT_GT(epochs.back().validation.accuracy, 0.5);
}

}  // namespace
}  // namespace derm::core
