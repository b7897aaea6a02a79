#include "worker/core/head.h"

#include <gtest/gtest.h>

#include <cmath>

namespace derm::core {
namespace {

HeadConfig Small(double dropout = 0.0) {
  HeadConfig c;
  c.in_features = 6;
  c.classes = 3;
  c.dropout = dropout;
  return c;
}

TEST(DenseHeadTest, FirstAdamStepFollowsKerasFormula) {
  Rng init(1);
  DenseHead head(Small(), init, at::kCPU);
  const at::Tensor w0 = head.weight().clone(), b0 = head.bias().clone();
  at::Tensor x =
      at::tensor({0.5f, -1.0f, 2.0f, 0.0f, 1.0f, -0.5f, 1.5f, 0.5f, -2.0f, 1.0f, 0.0f, 0.25f}).view({2, 6});
  at::Tensor y = at::tensor({2, 0}, at::kLong);
  Rng drop(2);
  auto r = head.TrainStep(x, y, drop);

  // Independent reference in double precision: g = (softmax - onehot) / B.
  auto xa = x.accessor<float, 2>();
  auto wa = w0.accessor<float, 2>();
  double loss = 0, grad_w[3][6] = {}, grad_b[3] = {};
  for (int i = 0; i < 2; ++i) {
    double logits[3], mx = -1e30, z = 0;
    for (int c = 0; c < 3; ++c) {
      logits[c] = b0[c].item<float>();
      for (int k = 0; k < 6; ++k) logits[c] += wa[c][k] * xa[i][k];
      mx = std::max(mx, logits[c]);
    }
    for (int c = 0; c < 3; ++c) z += std::exp(logits[c] - mx);
    const int label = y[i].item<int64_t>();
    loss += -(logits[label] - mx - std::log(z));
    for (int c = 0; c < 3; ++c) {
      const double g = (std::exp(logits[c] - mx) / z - (c == label)) / 2;
      grad_b[c] += g;
      for (int k = 0; k < 6; ++k) grad_w[c][k] += g * xa[i][k];
    }
  }
  EXPECT_NEAR(r.loss_sum, loss, 1e-4);
  // Keras Adam, t = 1: w -= lr * sqrt(1-b2) * g / (sqrt(1-b2) * |g| + eps).
  const double lr = 1e-3, s = std::sqrt(1 - 0.999), eps = 1e-7;
  auto wn = head.weight().accessor<float, 2>();
  for (int c = 0; c < 3; ++c) {
    for (int k = 0; k < 6; ++k) {
      const double g = grad_w[c][k];
      const double expected = wa[c][k] - lr * s * g / (s * std::abs(g) + eps);
      EXPECT_NEAR(wn[c][k], expected, 2e-6) << c << "," << k;
    }
    const double gb = grad_b[c];
    EXPECT_NEAR(head.bias()[c].item<float>(), b0[c].item<float>() - lr * s * gb / (s * std::abs(gb) + eps),
                2e-6);
  }
}

TEST(DenseHeadTest, LearnsSeparableClasses) {
  HeadConfig c = Small(0.2);
  c.learning_rate = 0.05;
  Rng init(1), data(2), drop(3);
  DenseHead head(c, init, at::kCPU);
  std::vector<float> xs;
  std::vector<int64_t> ys;
  for (int i = 0; i < 60; ++i) {
    const int label = i % 3;
    ys.push_back(label);
    for (int k = 0; k < 6; ++k)
      xs.push_back(static_cast<float>((k % 3 == label ? 2.0 : 0.0) + 0.3 * data.Normal()));
  }
  at::Tensor x = at::from_blob(xs.data(), {60, 6}, at::kFloat).clone();
  at::Tensor y = at::tensor(ys, at::kLong);
  for (int step = 0; step < 100; ++step) head.TrainStep(x, y, drop);
  at::Tensor pred = head.Probabilities(x).argmax(1);
  EXPECT_EQ(pred.eq(y).sum().item<int64_t>(), 60);
}

TEST(DenseHeadTest, StandardizationUsesTrainingStatistics) {
  Rng init(1);
  DenseHead head(Small(), init, at::kCPU);
  at::Tensor f = at::randn({50, 6}) * 1000 + 5000;
  f.select(1, 3).fill_(7);  // a dead feature keeps its (zero) deviation without dividing by zero
  head.FitStandardization(f);
  at::Tensor z = head.Standardize(f);
  EXPECT_LT(z.mean(0).abs().max().item<float>(), 1e-3);
  EXPECT_NEAR(z.select(1, 0).pow(2).mean().item<float>(), 1.0, 1e-3);
  EXPECT_EQ(z.select(1, 3).abs().max().item<float>(), 0.0f);
}

TEST(DenseHeadTest, CheckpointRoundTripContinuesIdentically) {
  Rng init(1);
  DenseHead a(Small(0.2), init, at::kCPU);
  a.FitStandardization(at::randn({20, 6}));
  at::Tensor x = at::randn({8, 6});
  at::Tensor y = at::tensor({0, 1, 2, 0, 1, 2, 0, 1}, at::kLong);
  Rng d1(5);
  a.TrainStep(a.Standardize(x), y, d1);
  const std::string bytes = a.Serialize(4);

  Rng other(99);
  DenseHead b(Small(0.2), other, at::kCPU);
  auto epoch = b.Restore(bytes);
  ASSERT_TRUE(epoch.ok()) << epoch.status().ToString();
  EXPECT_EQ(*epoch, 4);
  Rng d2(6), d3(6);
  a.TrainStep(a.Standardize(x), y, d2);
  b.TrainStep(b.Standardize(x), y, d3);
  EXPECT_TRUE(at::equal(a.weight(), b.weight()));
  EXPECT_TRUE(at::equal(a.Probabilities(x), b.Probabilities(x)));
}

TEST(DenseHeadTest, RejectsForeignOrDamagedCheckpoints) {
  Rng init(1);
  DenseHead a(Small(), init, at::kCPU);
  const std::string bytes = a.Serialize(1);
  HeadConfig four = Small();
  four.classes = 4;
  DenseHead b(four, init, at::kCPU);
  EXPECT_NE(b.Restore(bytes).status().message().find("3 classes"), std::string::npos);
  EXPECT_FALSE(a.Restore(bytes.substr(0, bytes.size() - 3)).ok());
  EXPECT_FALSE(a.Restore("not a checkpoint").ok());
  EXPECT_FALSE(a.Restore(bytes + "x").ok());
}

}  // namespace
}  // namespace derm::core
