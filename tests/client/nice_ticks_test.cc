#include "client/nice_ticks.h"

#include <gtest/gtest.h>

#include <cmath>

namespace derm::client {
namespace {

std::vector<std::string> Labels(const Ticks& t) {
  std::vector<std::string> out;
  for (double v : t.values) out.push_back(t.Label(v));
  return out;
}

TEST(NiceTicksTest, AccuracyAxisGetsTenthsNotTheDataEnds) {
  const Ticks t = NiceTicks(0.194, 0.893);
  EXPECT_EQ(Labels(t), (std::vector<std::string>{"0.0", "0.2", "0.4", "0.6", "0.8", "1.0"}));
  EXPECT_DOUBLE_EQ(t.lo, 0.0);
  EXPECT_DOUBLE_EQ(t.hi, 1.0);
}

TEST(NiceTicksTest, StepsAreOneTwoOrFiveTimesAPowerOfTen) {
  EXPECT_EQ(Labels(NiceTicks(0.41, 2.2)),
            (std::vector<std::string>{"0.0", "0.5", "1.0", "1.5", "2.0", "2.5"}));
  EXPECT_EQ(Labels(NiceTicks(0, 1234)), (std::vector<std::string>{"0", "500", "1000", "1500"}));
  EXPECT_EQ(Labels(NiceTicks(0.0312, 0.0341)),
            (std::vector<std::string>{"0.031", "0.032", "0.033", "0.034", "0.035"}));
  for (const auto& [lo, hi] : {std::pair{0.194, 0.893}, {-3.0, 7.0}, {1e-5, 3e-5}, {100.0, 100.5}}) {
    const Ticks t = NiceTicks(lo, hi);
    EXPECT_LE(t.lo, lo);
    EXPECT_GE(t.hi, hi);
    EXPECT_GE(t.values.size(), 3u);
    EXPECT_LE(t.values.size(), 11u);
    const double mantissa = t.step / std::pow(10.0, std::floor(std::log10(t.step)));
    EXPECT_TRUE(std::fabs(mantissa - 1) < 1e-9 || std::fabs(mantissa - 2) < 1e-9 ||
                std::fabs(mantissa - 5) < 1e-9)
        << t.step;
  }
}

TEST(NiceTicksTest, AFlatSeriesGetsARangeAroundIt) {
  const Ticks t = NiceTicks(5, 5);
  EXPECT_LT(t.lo, 5);
  EXPECT_GT(t.hi, 5);
  EXPECT_EQ(NiceTicks(-0.2, 0.2).Label(-1e-17), "0.0") << "no negative zero";
}

}  // namespace
}  // namespace derm::client
