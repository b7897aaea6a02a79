// The stopping rules as pure functions: patience, ASHA's rungs and cutoff.
#include "scheduler/stopping_rules.h"

#include <gtest/gtest.h>

namespace derm::scheduler {
namespace {

TEST(PatienceTest, StopsPatienceEpochsAfterTheFirstBestEpoch) {
  // val_loss: epoch 2 is best; 3 and 4 do not improve on it (4 only ties).
  const std::vector<std::pair<int32_t, double>> loss = {{1, 1.0}, {2, 0.8}, {3, 0.9}, {4, 0.8}};
  auto v = Patience({loss.begin(), loss.begin() + 3}, /*higher_is_better=*/false, 2);
  EXPECT_EQ(v.best_epoch, 2);
  EXPECT_FALSE(v.stop) << "one epoch without improvement";
  v = Patience(loss, false, 2);
  EXPECT_EQ(v.best_epoch, 2) << "a tie is no improvement";
  EXPECT_TRUE(v.stop);
  EXPECT_FALSE(Patience(loss, false, 3).stop);
  // The same values as an accuracy: epoch 1 is best, and 3 epochs without improving stop at 3.
  v = Patience(loss, /*higher_is_better=*/true, 3);
  EXPECT_EQ(v.best_epoch, 1);
  EXPECT_TRUE(v.stop);
  EXPECT_EQ(Patience({}, true, 1).best_epoch, 0);
  EXPECT_FALSE(Patience({}, true, 1).stop);
}

TEST(AshaTest, RungsAreGraceTimesFactorPowersBelowTheLastEpoch) {
  Asha a;
  EXPECT_EQ(AshaRungs(a, 27), (std::vector<int32_t>{1, 3, 9}));
  EXPECT_EQ(AshaRungs(a, 28), (std::vector<int32_t>{1, 3, 9, 27}));
  a.grace_epochs = 2;
  a.reduction_factor = 2;
  EXPECT_EQ(AshaRungs(a, 10), (std::vector<int32_t>{2, 4, 8}));
  EXPECT_TRUE(AshaRungs(a, 2).empty());
}

TEST(AshaTest, TheSpecsDefaultsAreFilledIn) {
  derm::v1::SweepEarlyStopping spec;
  spec.set_type("asha");
  const Asha a = AshaOf(spec);
  EXPECT_EQ(a.metric, "val_accuracy");
  EXPECT_EQ(a.grace_epochs, 1);
  EXPECT_EQ(a.reduction_factor, 3);
  spec.set_metric("val_loss");
  spec.set_grace_epochs(4);
  spec.set_reduction_factor(2);
  EXPECT_EQ(AshaOf(spec).metric, "val_loss");
  EXPECT_EQ(AshaOf(spec).grace_epochs, 4);
  EXPECT_EQ(AshaOf(spec).reduction_factor, 2);
}

TEST(AshaTest, TheCutoffIsNumpysInterpolatedPercentile) {
  // numpy.percentile(v, 100 * (1 - 1/3)): [0.1, 0.2, 0.3, 0.4] -> 0.3; [1, 2] -> 1.6667;
  // [0.3, 0.5] -> 0.4333; one value -> itself.
  EXPECT_NEAR(*AshaCutoff({0.4, 0.1, 0.3, 0.2}, 3), 0.3, 1e-12);
  EXPECT_NEAR(*AshaCutoff({2, 1}, 3), 1 + 2.0 / 3, 1e-12);
  EXPECT_NEAR(*AshaCutoff({0.5, 0.3}, 3), 0.3 + 0.2 * 2 / 3, 1e-12);
  EXPECT_EQ(*AshaCutoff({0.7}, 3), 0.7);
  // Factor 2 is the median.
  EXPECT_NEAR(*AshaCutoff({1, 2, 3, 4}, 2), 2.5, 1e-12);
  EXPECT_FALSE(AshaCutoff({}, 3).has_value()) << "no other trial at the rung: the trial goes on";
}

}  // namespace
}  // namespace derm::scheduler
