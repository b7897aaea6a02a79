#include "common/rng.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

namespace derm {
namespace {

TEST(RngTest, SameSeedSameSequenceAndStreamsDiffer) {
  Rng a(42), b(42), c(43);
  std::vector<uint64_t> va, vb, vc;
  for (int i = 0; i < 8; ++i) va.push_back(a.Next()), vb.push_back(b.Next()), vc.push_back(c.Next());
  EXPECT_EQ(va, vb);
  EXPECT_NE(va, vc);
  EXPECT_NE(Rng::Stream(42, 0).Next(), Rng::Stream(42, 1).Next());
  EXPECT_EQ(Rng::Stream(42, 7).Next(), Rng::Stream(42, 7).Next());
}

TEST(RngTest, RangesHold) {
  Rng r(1);
  double lo = 1, hi = 0, sum = 0;
  for (int i = 0; i < 10000; ++i) {
    const double u = r.Uniform();
    lo = std::min(lo, u), hi = std::max(hi, u), sum += u;
    const uint64_t k = r.Below(7);
    ASSERT_LT(k, 7u);
  }
  EXPECT_GE(lo, 0.0);
  EXPECT_LT(hi, 1.0);
  EXPECT_NEAR(sum / 10000, 0.5, 0.02);
}

TEST(RngTest, NormalHasUnitVariance) {
  Rng r(5);
  double s = 0, s2 = 0;
  const int n = 20000;
  for (int i = 0; i < n; ++i) {
    const double x = r.Normal();
    s += x, s2 += x * x;
  }
  EXPECT_NEAR(s / n, 0.0, 0.03);
  EXPECT_NEAR(s2 / n, 1.0, 0.05);
}

TEST(RngTest, ShuffleIsAPermutation) {
  std::vector<int> v(100);
  std::iota(v.begin(), v.end(), 0);
  Rng r(9);
  r.Shuffle(v);
  std::vector<int> sorted = v;
  std::sort(sorted.begin(), sorted.end());
  for (int i = 0; i < 100; ++i) ASSERT_EQ(sorted[i], i);
  EXPECT_NE(v[0] * 1000 + v[1], 1);  // moved from the identity
}

}  // namespace
}  // namespace derm
