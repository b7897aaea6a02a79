// Parity with torchvision: tests/fixtures/make_resnet50_parity.py ran torchvision's resnet50 with
// formula-filled weights on a fixed input; here the same weights go through a .safetensors file
// into derm's ResNet50, and the pooled features must match.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>

#include "tests/testing/fp32_tolerance.h"
#include "worker/core/resnet50.h"
#include "worker/core/safetensors.h"

namespace derm::core {
namespace {

// The formula of make_resnet50_parity.py, tensor by tensor in torchvision's state_dict order.
TensorMap FormulaWeights() {
  TensorMap w;
  int64_t t = 0;
  for (const auto& [name, shape] : ResNet50::ExpectedTensors()) {
    at::Tensor x = at::empty(shape, at::kFloat);
    float* d = x.data_ptr<float>();
    const double fan_out = shape.size() == 4 ? static_cast<double>(shape[0] * shape[2] * shape[3]) : 1;
    for (int64_t i = 0; i < x.numel(); ++i) {
      const double base = std::sin(static_cast<double>(i) * 0.7071 + static_cast<double>(t) * 1.618);
      double v;
      if (name.ends_with("running_var"))
        v = 1.0 + 0.25 * (base + 1.0);
      else if (name.ends_with("running_mean"))
        v = 0.05 * base;
      else if (shape.size() == 4)
        v = base * std::sqrt(2.0 / fan_out);
      else if (name.ends_with("weight"))
        v = 1.0 + 0.2 * base;
      else
        v = 0.05 * base;
      d[i] = static_cast<float>(v);
    }
    w.emplace(name, x);
    ++t;
  }
  return w;
}

TEST(ResNet50ParityTest, PooledFeaturesMatchTorchvision) {
  auto fixture =
      ReadSafetensors(std::string(DERM_SOURCE_DIR) + "/tests/fixtures/resnet50_parity.safetensors");
  ASSERT_TRUE(fixture.ok()) << fixture.status().ToString();

  // Through a real .safetensors file, as a user's weights arrive.
  auto bytes = SerializeSafetensors(FormulaWeights());
  ASSERT_TRUE(bytes.ok());
  const std::string path = ::testing::TempDir() + "/formula_resnet50.safetensors";
  std::ofstream(path, std::ios::binary) << *bytes;
  auto weights = ReadSafetensors(path);
  std::remove(path.c_str());  // 100 MB, read: not left behind
  ASSERT_TRUE(weights.ok()) << weights.status().ToString();
  auto net = ResNet50::Create(*weights, at::kCPU);
  ASSERT_TRUE(net.ok()) << net.status().ToString();

  at::Tensor got = net->Forward(fixture->at("input"));
  const at::Tensor& want = fixture->at("features");
  ASSERT_EQ(got.sizes(), want.sizes());
  const float scale = want.abs().max().item<float>();
  const float diff = (got - want).abs().max().item<float>();
  // Another library's kernels on another CPU, and BatchNorm folded here: the same sums in other
  // orders (tests/testing/fp32_tolerance.h). A wrong layer, stride or padding is off by the
  // features' own scale.
  EXPECT_LE(diff, testing::kFp32RelTolerance * scale)
      << "max abs difference " << diff << " at feature scale " << scale;
}

}  // namespace
}  // namespace derm::core
