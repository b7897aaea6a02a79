#include "scheduler/downsample.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "scheduler/run_curves.h"

namespace derm::scheduler {
namespace {

TEST(DownsampleTest, ShortSeriesAreKeptWhole) {
  EXPECT_EQ(MinMaxBuckets({3, 1, 2}, 4), (std::vector<size_t>{0, 1, 2}));
  EXPECT_TRUE(MinMaxBuckets({}, 4).empty());
}

TEST(DownsampleTest, LongSeriesKeepEachBucketsExtremesSoSpikesSurvive) {
  std::vector<double> v(10000, 1.0);
  for (size_t i = 0; i < v.size(); ++i) v[i] = 1.0 + 0.001 * static_cast<double>(i % 7);
  v[4321] = 50;   // a spike
  v[8765] = -20;  // a dip
  const std::vector<size_t> keep = MinMaxBuckets(v, 100);
  EXPECT_LE(keep.size(), 100u);
  EXPECT_GE(keep.size(), 50u);
  EXPECT_TRUE(std::is_sorted(keep.begin(), keep.end()));
  EXPECT_EQ(std::adjacent_find(keep.begin(), keep.end()), keep.end()) << "no index twice";
  EXPECT_NE(std::find(keep.begin(), keep.end(), 4321u), keep.end());
  EXPECT_NE(std::find(keep.begin(), keep.end(), 8765u), keep.end());
}

TEST(DownsampleTest, CurvesCarryEveryFigureWithItsEpochs) {
  std::vector<store::EpochPoint> points;
  for (int e = 1; e <= 1000; ++e) points.push_back({e, 1.0 / e, 0.5, 2.0 / e, e == 500 ? 0.99 : 0.6, 100});
  const derm::v1::RunCurves c = BuildRunCurves(7, points, 40);
  EXPECT_EQ(c.run_id(), 7);
  EXPECT_EQ(c.epochs(), 1000);
  ASSERT_EQ(c.series_size(), 5);
  const auto& val = c.series(3);
  EXPECT_EQ(val.name(), "val_accuracy");
  EXPECT_LE(val.epochs_size(), 40);
  EXPECT_EQ(val.epochs_size(), val.values_size());
  const auto best = std::max_element(val.values().begin(), val.values().end());
  EXPECT_EQ(*best, 0.99);
  EXPECT_EQ(val.epochs(static_cast<int>(best - val.values().begin())), 500);
}

}  // namespace
}  // namespace derm::scheduler
