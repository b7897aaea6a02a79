#include "scheduler/run_comparison.h"

#include <gtest/gtest.h>

namespace derm::scheduler {
namespace {

TEST(McNemarTest, ExactBinomialForFewDisagreements) {
  // b = 3, c = 12: p = 2 * (C(15,0) + C(15,1) + C(15,2) + C(15,3)) / 2^15 = 2 * 576 / 32768.
  auto t = McNemar(3, 12);
  EXPECT_TRUE(t.exact());
  EXPECT_NEAR(t.p_value(), 0.03515625, 1e-12);
  // b = 7, c = 17 (n = 24, still exact): 2 * sum_{k<=7} C(24,k) / 2^24.
  EXPECT_NEAR(McNemar(7, 17).p_value(), 0.06391465663909912, 1e-12);
  EXPECT_DOUBLE_EQ(McNemar(0, 0).p_value(), 1.0);
  EXPECT_DOUBLE_EQ(McNemar(2, 2).p_value(), 1.0) << "capped at 1";
}

TEST(McNemarTest, ChiSquareWithContinuityCorrection) {
  // b = 10, c = 30: chi2 = (|10 - 30| - 1)^2 / 40 = 9.025, p = erfc(sqrt(9.025 / 2)).
  auto t = McNemar(10, 30);
  EXPECT_FALSE(t.exact());
  EXPECT_DOUBLE_EQ(t.statistic(), 9.025);
  EXPECT_NEAR(t.p_value(), 0.0026641, 1e-6);
  EXPECT_EQ(t.only_a_correct(), 10);
  EXPECT_EQ(t.only_b_correct(), 30);
}

derm::v1::RunReport Report(int64_t id, const std::string& lr, const std::string& fingerprint) {
  derm::v1::RunReport r;
  r.set_run_id(id);
  (*r.mutable_params())["train.learning_rate"] = lr;
  (*r.mutable_params())["train.batch_size"] = "32";
  r.mutable_facts()->set_dataset_fingerprint(fingerprint);
  return r;
}

TEST(CompareRunReportsTest, DiffersOnlyWhereParamsDifferAndPairsByImage) {
  derm::v1::CompareRunsResponse out;
  *out.add_runs() = Report(1, "0.001", "fp");
  *out.add_runs() = Report(2, "0.0003", "fp");
  Predictions a = {{"x1", {0, 0}}, {"x2", {1, 1}}, {"x3", {2, 0}}, {"x4", {1, 1}}, {"x5", {0, 1}}};
  Predictions b = {{"x1", {0, 1}}, {"x2", {1, 0}}, {"x3", {2, 2}}, {"x4", {1, 1}}, {"x5", {0, 1}}};
  CompareRunReports({a, b}, &out);
  EXPECT_EQ(std::vector<std::string>(out.differing_params().begin(), out.differing_params().end()),
            std::vector<std::string>{"train.learning_rate"});
  ASSERT_EQ(out.tests_size(), 1);
  EXPECT_EQ(out.tests(0).paired_images(), 5);
  EXPECT_EQ(out.tests(0).only_a_correct(), 2);  // x1, x2
  EXPECT_EQ(out.tests(0).only_b_correct(), 1);  // x3
  EXPECT_TRUE(out.warnings().empty());
}

TEST(CompareRunReportsTest, WarnsAboutDifferentDataAndUnpairedImages) {
  derm::v1::CompareRunsResponse out;
  *out.add_runs() = Report(1, "0.001", "fp1");
  *out.add_runs() = Report(2, "0.001", "fp2");
  *out.add_runs() = Report(3, "0.001", "fp1");
  Predictions a = {{"x1", {0, 0}}, {"x2", {1, 1}}};
  Predictions b = {{"y1", {0, 0}}};
  Predictions c = {{"x1", {0, 1}}};
  CompareRunReports({a, b, c}, &out);
  EXPECT_TRUE(out.differing_params().empty());
  ASSERT_EQ(out.tests_size(), 1) << "only runs 1 and 3 share images";
  EXPECT_EQ(out.tests(0).run_a(), 1);
  EXPECT_EQ(out.tests(0).run_b(), 3);
  std::string all;
  for (const auto& w : out.warnings()) all += w + "\n";
  EXPECT_NE(all.find("different data or splits"), std::string::npos) << all;
  EXPECT_NE(all.find("share no validation images"), std::string::npos) << all;
  EXPECT_NE(all.find("share only 1 validation images"), std::string::npos) << all;
}

TEST(PairedAccuracyDifferenceTest, IsBMinusAOnTheSameImagesWithAnIntervalAroundIt) {
  std::vector<std::pair<bool, bool>> right;
  for (int i = 0; i < 100; ++i) right.emplace_back(i % 2 == 0, i % 4 != 3);  // A 50 %, B 75 %
  const derm::v1::Interval d = PairedAccuracyDifference(right, 7);
  EXPECT_DOUBLE_EQ(d.estimate(), 0.25);
  EXPECT_LT(d.lower(), 0.25);
  EXPECT_GT(d.upper(), 0.25);
  EXPECT_GT(d.lower(), 0.0) << "B is better on 25 of 100 images and never worse";
  EXPECT_EQ(d.resamples(), 1000);
  EXPECT_EQ(PairedAccuracyDifference(right, 7).lower(), d.lower()) << "seeded";
  // Two runs right and wrong on the same images: no difference, and no uncertainty about it.
  std::vector<std::pair<bool, bool>> same;
  for (int i = 0; i < 50; ++i) same.emplace_back(i % 3 == 0, i % 3 == 0);
  const derm::v1::Interval none = PairedAccuracyDifference(same, 7);
  EXPECT_EQ(none.estimate(), 0);
  EXPECT_EQ(none.lower(), 0);
  EXPECT_EQ(none.upper(), 0);
}

}  // namespace
}  // namespace derm::scheduler
