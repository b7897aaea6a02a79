#include "worker/core/resnet50.h"

#include <gtest/gtest.h>

#include "tests/testing/fp32_tolerance.h"

namespace derm::core {
namespace {

// torchvision.models.resnet50(): 25,557,032 parameters, of which fc has 2048*1000 + 1000.
constexpr int64_t kBackboneParameters = 25557032 - 2049000;

TEST(ResNet50Test, ExpectsTorchvisionNamesAndShapes) {
  const auto expected = ResNet50::ExpectedTensors();
  std::map<std::string, std::vector<int64_t>> shapes(expected.begin(), expected.end());
  EXPECT_EQ(shapes.at("conv1.weight"), (std::vector<int64_t>{64, 3, 7, 7}));
  EXPECT_EQ(shapes.at("layer1.0.conv2.weight"), (std::vector<int64_t>{64, 64, 3, 3}));
  EXPECT_EQ(shapes.at("layer3.0.downsample.0.weight"), (std::vector<int64_t>{1024, 512, 1, 1}));
  EXPECT_EQ(shapes.at("layer4.2.bn3.running_var"), (std::vector<int64_t>{2048}));
  EXPECT_FALSE(shapes.count("layer1.1.downsample.0.weight"));
  int64_t params = 0;
  for (const auto& [name, shape] : expected) {
    if (name.ends_with("running_mean") || name.ends_with("running_var")) continue;
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    params += n;
  }
  EXPECT_EQ(params, kBackboneParameters);
}

class ResNet50WeightsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { weights_ = new TensorMap(ResNet50::RandomWeights(7)); }
  static void TearDownTestSuite() { delete weights_; }
  static TensorMap* weights_;
};
TensorMap* ResNet50WeightsTest::weights_ = nullptr;

TEST_F(ResNet50WeightsTest, RandomWeightsAreDeterministic) {
  TensorMap again = ResNet50::RandomWeights(7);
  EXPECT_TRUE(at::equal(again.at("layer2.1.conv2.weight"), weights_->at("layer2.1.conv2.weight")));
  TensorMap other = ResNet50::RandomWeights(8);
  EXPECT_FALSE(at::equal(other.at("conv1.weight"), weights_->at("conv1.weight")));
  // kaiming_normal_(fan_out): std = sqrt(2 / (64 * 7 * 7)).
  EXPECT_NEAR(weights_->at("conv1.weight").std().item<double>(), std::sqrt(2.0 / (64 * 49)), 0.005);
}

TEST_F(ResNet50WeightsTest, RejectsMissingExtraAndMisshapenTensors) {
  TensorMap w = *weights_;
  w.erase("layer2.3.bn2.running_mean");
  auto missing = ResNet50::Create(w, at::kCPU);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("layer2.3.bn2.running_mean"), std::string::npos);

  w = *weights_;
  w["layer1.0.conv1.weight"] = at::zeros({64, 64, 3, 3});
  auto misshapen = ResNet50::Create(w, at::kCPU);
  ASSERT_FALSE(misshapen.ok());
  EXPECT_NE(misshapen.status().message().find("layer1.0.conv1.weight"), std::string::npos);

  w = *weights_;
  w["layer5.0.conv1.weight"] = at::zeros({1});
  auto extra = ResNet50::Create(w, at::kCPU);
  ASSERT_FALSE(extra.ok());
  EXPECT_NE(extra.status().message().find("layer5.0.conv1.weight"), std::string::npos);

  w = *weights_;
  w["fc.weight"] = at::zeros({1000, 2048});
  w["bn1.num_batches_tracked"] = at::zeros({}, at::kLong);
  EXPECT_TRUE(ResNet50::Create(w, at::kCPU).ok()) << "the classifier and BN counters are ignored";
}

// The reference: torchvision's forward with explicit eval-mode BatchNorm, no folding.
at::Tensor Unfolded(const TensorMap& w, at::Tensor x) {
  auto bn = [&](const at::Tensor& h, const std::string& p) {
    return at::batch_norm(h, w.at(p + ".weight"), w.at(p + ".bias"), w.at(p + ".running_mean"),
                          w.at(p + ".running_var"), false, 0.1, 1e-5, false);
  };
  x = at::relu(bn(at::conv2d(x, w.at("conv1.weight"), {}, 2, 3), "bn1"));
  x = at::max_pool2d(x, {3, 3}, {2, 2}, {1, 1});
  const int blocks[4] = {3, 4, 6, 3};
  for (int l = 0; l < 4; ++l) {
    for (int b = 0; b < blocks[l]; ++b) {
      const std::string p = "layer" + std::to_string(l + 1) + "." + std::to_string(b) + ".";
      const int64_t stride = (b == 0 && l > 0) ? 2 : 1;
      at::Tensor out = at::relu(bn(at::conv2d(x, w.at(p + "conv1.weight")), p + "bn1"));
      out = at::relu(bn(at::conv2d(out, w.at(p + "conv2.weight"), {}, stride, 1), p + "bn2"));
      out = bn(at::conv2d(out, w.at(p + "conv3.weight")), p + "bn3");
      at::Tensor id =
          b == 0 ? bn(at::conv2d(x, w.at(p + "downsample.0.weight"), {}, stride), p + "downsample.1") : x;
      x = at::relu(out + id);
    }
  }
  return x.mean({2, 3});
}

TEST_F(ResNet50WeightsTest, FoldedBatchNormMatchesTheUnfoldedNetwork) {
  TensorMap w = *weights_;
  at::manual_seed(3);
  for (auto& [name, t] : w) {  // non-trivial BN statistics, as trained weights have
    if (name.ends_with("running_mean")) t = at::randn_like(t) * 0.1;
    if (name.ends_with("running_var")) t = at::rand_like(t) + 0.5;
    if (name.ends_with("bn1.weight") || name.ends_with("bn2.weight") || name.ends_with("bn3.weight"))
      t = at::rand_like(t) + 0.5;
  }
  auto net = ResNet50::Create(w, at::kCPU);
  ASSERT_TRUE(net.ok()) << net.status().ToString();
  at::Tensor x = at::randn({2, 3, 64, 64});
  at::Tensor got = net->Forward(x);
  at::Tensor want = Unfolded(w, x);
  ASSERT_EQ(got.sizes(), (std::vector<int64_t>{2, ResNet50::kFeatureDim}));
  const float scale = want.abs().max().item<float>();
  // Folding reorders the arithmetic only (tests/testing/fp32_tolerance.h); a folding bug (a wrong
  // epsilon, a mean left out) is off by the randomised statistics, i.e. by per-cents.
  EXPECT_LT((got - want).abs().max().item<float>() / scale, testing::kFp32RelTolerance);
}

}  // namespace
}  // namespace derm::core
