#include "worker/core/augment.h"

#include <gtest/gtest.h>

#include <cmath>

namespace derm::core {
namespace {

// Values up to 80 sampled at coordinates a few ulps off the pixel centres: fp32 errors stay below
// 1e-5, so 1e-4 (and 1e-3 after a rotation) holds on every CPU, while a wrong sample is off by 1.
at::Tensor Ramp(int64_t h, int64_t w) {
  return at::arange(h * w, at::kFloat).view({1, 1, h, w}).repeat({2, 3, 1, 1});
}

TEST(AugmentTest, IdentityParametersReturnTheInput) {
  at::Tensor x = Ramp(8, 10);
  at::Tensor y = ApplyAffine(x, {AffineParams{}, AffineParams{}});
  EXPECT_LT((y - x).abs().max().item<float>(), 1e-4);
}

TEST(AugmentTest, FlipMirrorsHorizontally) {
  at::Tensor x = Ramp(6, 7);
  AffineParams flip;
  flip.flip = true;
  at::Tensor y = ApplyAffine(x, {flip, AffineParams{}});
  EXPECT_LT((y[0] - x[0].flip({2})).abs().max().item<float>(), 1e-4);
  EXPECT_LT((y[1] - x[1]).abs().max().item<float>(), 1e-4) << "only the first image is flipped";
}

TEST(AugmentTest, ZoomOutFillsByReflectionNotZeros) {
  // A constant image stays constant under any affine map with reflect fill; zero padding would
  // darken the corners.
  at::Tensor x = at::full({1, 3, 16, 16}, 100.0f);
  AffineParams p;
  p.zoom = 1.1;
  p.angle = 0.1 * 2 * M_PI;
  at::Tensor y = ApplyAffine(x, {p});
  EXPECT_LT((y - 100.0f).abs().max().item<float>(), 1e-3);
}

TEST(AugmentTest, RotationTurnsTheImage) {
  // A quarter turn of a square image moves the top-left pixel to a different corner.
  at::Tensor x = Ramp(4, 4).slice(0, 0, 1);
  AffineParams p;
  p.angle = M_PI / 2;
  at::Tensor y = ApplyAffine(x, {p});
  std::vector<float> corners = {x[0][0][0][3].item<float>(), x[0][0][3][0].item<float>()};
  const float got = y[0][0][0][0].item<float>();
  EXPECT_TRUE(std::abs(got - corners[0]) < 1e-3 || std::abs(got - corners[1]) < 1e-3) << got;
}

TEST(AugmentTest, DrawsStayInTheirRanges) {
  AugmentConfig c;
  Rng rng(3);
  int flips = 0;
  for (int i = 0; i < 2000; ++i) {
    AffineParams p = DrawAffine(c, rng);
    ASSERT_LE(std::abs(p.angle), 0.1 * 2 * M_PI + 1e-12);
    ASSERT_GE(p.zoom, 0.9);
    ASSERT_LE(p.zoom, 1.1);
    flips += p.flip;
  }
  EXPECT_GT(flips, 850);
  EXPECT_LT(flips, 1150);
  c.flip = false;
  for (int i = 0; i < 100; ++i) ASSERT_FALSE(DrawAffine(c, rng).flip);
}

}  // namespace
}  // namespace derm::core
