#include "worker/core/metrics.h"

#include <gtest/gtest.h>

namespace derm::core {
namespace {

TEST(MetricsTest, MatchesHandComputedValues) {
  // truth:     0 0 0 1 1 2
  // predicted: 0 0 1 1 2 2
  SplitEval e;
  e.predicted = {0, 0, 1, 1, 2, 2};
  ScoreClassification({0, 0, 0, 1, 1, 2}, 3, &e);
  EXPECT_EQ(e.confusion, (std::vector<int64_t>{2, 1, 0, 0, 1, 1, 0, 0, 1}));
  EXPECT_DOUBLE_EQ(e.accuracy, 4.0 / 6);
  EXPECT_DOUBLE_EQ(e.per_class[0].precision, 1.0);
  EXPECT_DOUBLE_EQ(e.per_class[0].recall, 2.0 / 3);
  EXPECT_DOUBLE_EQ(e.per_class[0].f1, 0.8);
  EXPECT_DOUBLE_EQ(e.per_class[1].precision, 0.5);
  EXPECT_DOUBLE_EQ(e.per_class[1].recall, 0.5);
  EXPECT_DOUBLE_EQ(e.per_class[2].precision, 0.5);
  EXPECT_DOUBLE_EQ(e.per_class[2].recall, 1.0);
  EXPECT_EQ(e.per_class[1].support, 2);
  EXPECT_DOUBLE_EQ(e.balanced_accuracy, (2.0 / 3 + 0.5 + 1.0) / 3);
}

TEST(MetricsTest, ClassesWithoutSupportDoNotCountInBalancedAccuracy) {
  SplitEval e;
  e.predicted = {0, 2};
  ScoreClassification({0, 0}, 3, &e);
  EXPECT_DOUBLE_EQ(e.balanced_accuracy, 0.5);
  EXPECT_DOUBLE_EQ(e.per_class[2].precision, 0.0);
  EXPECT_DOUBLE_EQ(e.per_class[1].f1, 0.0);
}

}  // namespace
}  // namespace derm::core
