// derm's clinical evaluation against scikit-learn's figures on fixed inputs
// (tests/fixtures/clinical_metrics.json, made by tests/fixtures/make_clinical_metrics.py), and
// the properties of what scikit-learn has no counterpart for (curves, bootstrap intervals).
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <cmath>

#include "common/eval/split_evaluation.h"
#include "common/rng.h"
#include "tests/testing/temp_dir.h"

namespace derm::eval {
namespace {

using google::protobuf::Value;

struct Case {
  int classes = 0;
  std::vector<int32_t> truth;
  std::vector<float> probabilities;
  const google::protobuf::Struct* expected = nullptr;
};

class ClinicalMetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string json =
        testing::ReadFile(std::string(DERM_SOURCE_DIR) + "/tests/fixtures/clinical_metrics.json");
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json, &fixture_).ok());
    for (const Value& c : fixture_.fields().at("cases").list_value().values()) {
      Case& k = cases_.emplace_back();
      const auto& f = c.struct_value().fields();
      k.classes = static_cast<int>(f.at("classes").number_value());
      for (const Value& t : f.at("truth").list_value().values())
        k.truth.push_back(static_cast<int32_t>(t.number_value()));
      for (const Value& row : f.at("cents").list_value().values()) {
        for (const Value& cents : row.list_value().values()) {
          k.probabilities.push_back(static_cast<float>(cents.number_value() / 100.0));
        }
      }
      k.expected = &c.struct_value();
    }
    ASSERT_EQ(cases_.size(), 3u);
  }
  double Expected(const Case& c, const std::string& name) const {
    return c.expected->fields().at(name).number_value();
  }
  google::protobuf::Struct fixture_;
  std::vector<Case> cases_;
};

TEST_F(ClinicalMetricsTest, AreasOperatingPointsAndCalibrationMatchScikitLearn) {
  for (const Case& c : cases_) {
    SCOPED_TRACE(std::to_string(c.truth.size()) + " images, " + std::to_string(c.classes) + " classes");
    const SplitEvaluation e = EvaluateSplit(c.probabilities, c.truth, c.classes, EvaluationOptions{});
    ASSERT_EQ(e.classes.size(), static_cast<size_t>(c.classes));
    const auto& per_class = c.expected->fields().at("per_class").list_value().values();
    for (int k = 0; k < c.classes; ++k) {
      const auto& want = per_class[k].struct_value().fields();
      // Areas depend only on the order of the scores, which float32 and float64 share here.
      EXPECT_NEAR(e.classes[k].roc_auc, want.at("roc_auc").number_value(), 1e-12) << "class " << k;
      EXPECT_NEAR(e.classes[k].average_precision, want.at("average_precision").number_value(), 1e-12) << k;
      for (size_t t = 0; t < 3; ++t) {
        EXPECT_NEAR(e.classes[k].at_specificity[t].sensitivity,
                    want.at("sensitivity_at_specificity").list_value().values(t).number_value(), 1e-12)
            << "class " << k << " specificity target " << t;
        EXPECT_NEAR(e.classes[k].at_sensitivity[t].specificity,
                    want.at("specificity_at_sensitivity").list_value().values(t).number_value(), 1e-12)
            << "class " << k << " sensitivity target " << t;
      }
    }
    EXPECT_NEAR(e.macro_roc_auc, Expected(c, "macro_roc_auc"), 1e-12);
    EXPECT_NEAR(e.weighted_roc_auc, Expected(c, "weighted_roc_auc"), 1e-12);
    // float32 probabilities against scikit-learn's float64 (and its renormalised rows): a few
    // float32 ulps of each log.
    EXPECT_NEAR(e.calibration.nll, Expected(c, "nll"), 1e-6);
    EXPECT_NEAR(e.calibration.brier, Expected(c, "brier"), 1e-6);
    EXPECT_NEAR(e.calibration.ece, Expected(c, "ece"), 1e-9);
    int64_t binned = 0;
    for (const auto& b : e.calibration.bins) binned += b.count;
    EXPECT_EQ(binned, static_cast<int64_t>(c.truth.size()));
    EXPECT_EQ(e.calibration.bins.size(), 15u);
  }
}

TEST_F(ClinicalMetricsTest, CurvesRunFromCornerToCornerAndAreThinned) {
  const Case& c = cases_[1];  // 200 images, 9 classes
  EvaluationOptions o;
  o.curve_points = 11;
  const SplitEvaluation e = EvaluateSplit(c.probabilities, c.truth, c.classes, o);
  for (const ClassEvaluation& k : e.classes) {
    ASSERT_LE(k.roc.x.size(), 11u);
    EXPECT_EQ(k.roc.x.front(), 0);
    EXPECT_EQ(k.roc.y.front(), 0);
    EXPECT_EQ(k.roc.x.back(), 1);
    EXPECT_EQ(k.roc.y.back(), 1);
    EXPECT_TRUE(std::is_sorted(k.roc.x.begin(), k.roc.x.end()));
    EXPECT_EQ(k.precision_recall.x.back(), 1) << "recall reaches 1 at the lowest threshold";
  }
}

TEST(BinaryScoresTest, UndefinedAreasAreNaNAndAPerfectRankingScoresOne) {
  EXPECT_TRUE(std::isnan(BinaryScores({0.1, 0.9}, {true, true}).RocAuc()));
  EXPECT_TRUE(std::isnan(BinaryScores({0.1, 0.9}, {false, false}).AveragePrecision()));
  EXPECT_TRUE(std::isnan(BinaryScores({0.1, 0.9}, {false, false}).AtSpecificity(0.9).sensitivity));
  const BinaryScores perfect({0.1, 0.2, 0.8, 0.9}, {false, false, true, true});
  EXPECT_EQ(perfect.RocAuc(), 1);
  EXPECT_EQ(perfect.AveragePrecision(), 1);
  EXPECT_EQ(perfect.AtSpecificity(0.95).sensitivity, 1);
  EXPECT_EQ(perfect.AtSpecificity(0.95).threshold, 0.8);
  const BinaryScores ties({0.5, 0.5, 0.5, 0.5}, {false, true, false, true});
  EXPECT_EQ(ties.RocAuc(), 0.5);
}

TEST(BootstrapTest, IntervalsAreSeededCoverTheEstimateAndNarrowWithMoreImages) {
  const auto mean_of = [](const std::vector<double>& values) {
    return [&values](const std::vector<size_t>& sample) {
      double sum = 0;
      for (size_t i : sample) sum += values[i];
      return sum / static_cast<double>(sample.size());
    };
  };
  std::vector<double> small(50), large(2000);
  for (size_t i = 0; i < small.size(); ++i) small[i] = i % 3 == 0;
  for (size_t i = 0; i < large.size(); ++i) large[i] = i % 3 == 0;
  const Interval a = Bootstrap(small.size(), mean_of(small), 1000, 7);
  const Interval b = Bootstrap(small.size(), mean_of(small), 1000, 7);
  EXPECT_EQ(a.lower, b.lower) << "same seed, same interval";
  EXPECT_EQ(a.upper, b.upper);
  EXPECT_NE(a.lower, Bootstrap(small.size(), mean_of(small), 1000, 8).lower);
  EXPECT_LT(a.lower, a.estimate);
  EXPECT_GT(a.upper, a.estimate);
  const Interval wide = a, narrow = Bootstrap(large.size(), mean_of(large), 1000, 7);
  // The standard error of a proportion p = 1/3 is sqrt(p(1-p)/n): about 0.067 for 50 images and
  // 0.011 for 2,000, so the 95 % interval is about 4 of them wide.
  EXPECT_NEAR(wide.upper - wide.lower, 4 * 0.0667, 0.06);
  EXPECT_NEAR(narrow.upper - narrow.lower, 4 * 0.0105, 0.01);
  EXPECT_EQ(Quantile({1, 2, 3, 4}, 0.5), 2.5);
}

TEST(ResampledAucTest, EveryResampleEqualsBinaryScoresOverTheSampledItems) {
  // 200 items with scores in whole hundredths (ties within and across classes), repeats in the
  // samples; the O(n) count must equal the sorted rank computation up to rounding.
  Rng rng(5);
  std::vector<double> scores;
  std::vector<bool> positive;
  for (int i = 0; i < 200; ++i) {
    scores.push_back(static_cast<double>(rng.Below(30)) / 100);
    positive.push_back(rng.Below(4) == 0);
  }
  ResampledAuc resampled(scores, positive);
  for (int r = 0; r < 50; ++r) {
    std::vector<size_t> sample(r == 0 ? 200 : 1 + rng.Below(200));
    for (size_t i = 0; i < sample.size(); ++i) sample[i] = r == 0 ? i : rng.Below(200);
    std::vector<double> s;
    std::vector<bool> p;
    for (size_t i : sample) {
      s.push_back(scores[i]);
      p.push_back(positive[i]);
    }
    const double expected = BinaryScores(s, p).RocAuc();
    if (std::isnan(expected)) {
      EXPECT_TRUE(std::isnan(resampled.Of(sample))) << "sample " << r;
    } else {
      EXPECT_NEAR(resampled.Of(sample), expected, 1e-12) << "sample " << r;
    }
  }
  EXPECT_TRUE(std::isnan(resampled.Of({0, 0, 0}))) << "one item: no positive or no negative";
}

TEST(SplitEvaluationTest, BootstrapsAccuracyBalancedAccuracyAndEachClassAuc) {
  // 3 classes, 300 images, each right with probability 0.8.
  std::vector<float> p;
  std::vector<int32_t> truth;
  for (int i = 0; i < 300; ++i) {
    truth.push_back(i % 3);
    const int guess = i % 5 == 0 ? (i + 1) % 3 : i % 3;
    for (int k = 0; k < 3; ++k) p.push_back(k == guess ? 0.6f : 0.2f);
  }
  EvaluationOptions o;
  o.bootstrap_resamples = 200;
  o.seed = 123;
  const SplitEvaluation e = EvaluateSplit(p, truth, 3, o);
  ASSERT_TRUE(e.bootstrapped);
  EXPECT_NEAR(e.accuracy.estimate, 0.8, 1e-12);
  EXPECT_LT(e.accuracy.lower, 0.8);
  EXPECT_GT(e.accuracy.upper, 0.8);
  EXPECT_NEAR(e.balanced_accuracy.estimate, 0.8, 1e-12);
  for (const auto& k : e.classes) {
    EXPECT_EQ(k.roc_auc_interval.resamples, 200);
    EXPECT_LE(k.roc_auc_interval.lower, k.roc_auc);
    EXPECT_GE(k.roc_auc_interval.upper, k.roc_auc);
  }
}

}  // namespace
}  // namespace derm::eval
