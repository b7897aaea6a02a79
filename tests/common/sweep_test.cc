#include "common/spec/sweep.h"

#include <gtest/gtest.h>

#include <set>

namespace derm {
namespace {

TEST(SetSpecFieldTest, SetsFieldsOfEveryTypeByPath) {
  derm::v1::JobSpec spec;
  ASSERT_TRUE(SetSpecField(&spec, "train.learning_rate", "0.0003").ok());
  ASSERT_TRUE(SetSpecField(&spec, "train.batch_size", "64").ok());
  ASSERT_TRUE(SetSpecField(&spec, "model.standardize_features", "false").ok());
  ASSERT_TRUE(SetSpecField(&spec, "augment.flip", "none").ok());
  ASSERT_TRUE(SetSpecField(&spec, "data.image_size", "[96, 128]").ok());
  ASSERT_TRUE(SetSpecField(&spec, "priority", "5").ok());
  EXPECT_DOUBLE_EQ(spec.train().learning_rate(), 0.0003);
  EXPECT_EQ(spec.train().batch_size(), 64);
  EXPECT_TRUE(spec.model().has_standardize_features());
  EXPECT_FALSE(spec.model().standardize_features());
  EXPECT_EQ(spec.augment().flip(), "none");
  ASSERT_EQ(spec.data().image_size_size(), 2);
  EXPECT_EQ(spec.data().image_size(1), 128);
  EXPECT_EQ(spec.priority(), 5);
}

TEST(SetSpecFieldTest, RejectsUnknownAndUnsweepableFields) {
  derm::v1::JobSpec spec;
  EXPECT_NE(SetSpecField(&spec, "train.lr", "1").message().find("unknown spec field train.lr"),
            std::string::npos);
  EXPECT_NE(SetSpecField(&spec, "train", "1").message().find("is a section"), std::string::npos);
  EXPECT_NE(
      SetSpecField(&spec, "train.batch_size", "big").message().find("must be a whole number, got 'big'"),
      std::string::npos);
  EXPECT_FALSE(SetSpecField(&spec, "train.learning_rate", "fast").ok());
  EXPECT_FALSE(SetSpecField(&spec, "kind", "train").ok());
  EXPECT_FALSE(SetSpecField(&spec, "sweep.method", "grid").ok());
  EXPECT_FALSE(SetSpecField(&spec, "tags", "x").ok());
}

derm::v1::JobSpec Swept(const std::string& method) {
  derm::v1::JobSpec spec;
  spec.set_name("base");
  spec.mutable_sweep()->set_method(method);
  auto& p = *spec.mutable_sweep()->mutable_parameters();
  for (const char* v : {"0.001", "0.0003"}) p["train.learning_rate"].add_values(v);
  for (const char* v : {"0.2", "0.5"}) p["model.dropout"].add_values(v);
  return spec;
}

TEST(ExpandSweepTest, GridIsEveryCombinationInPathOrder) {
  auto points = ExpandSweep(Swept("grid"));
  ASSERT_TRUE(points.ok()) << points.status().ToString();
  ASSERT_EQ(points->size(), 4u);
  std::vector<std::string> names;
  for (const auto& p : *points) {
    names.push_back(p.name());
    EXPECT_FALSE(p.has_sweep());
  }
  EXPECT_EQ(names, (std::vector<std::string>{
                       "base[dropout=0.2,learning_rate=0.001]", "base[dropout=0.2,learning_rate=0.0003]",
                       "base[dropout=0.5,learning_rate=0.001]", "base[dropout=0.5,learning_rate=0.0003]"}));
  EXPECT_DOUBLE_EQ((*points)[3].model().dropout(), 0.5);
  EXPECT_DOUBLE_EQ((*points)[3].train().learning_rate(), 0.0003);
  EXPECT_EQ((*points)[2].tags().at("sweep.point"), "2");
}

TEST(ExpandSweepTest, RandomDrawsDistinctPointsBySeed) {
  auto spec = Swept("random");
  spec.mutable_sweep()->set_trials(3);
  spec.mutable_sweep()->set_seed(7);
  auto a = ExpandSweep(spec), b = ExpandSweep(spec);
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_EQ(a->size(), 3u);
  std::set<std::string> names;
  for (size_t i = 0; i < 3; ++i) {
    names.insert((*a)[i].name());
    EXPECT_EQ((*a)[i].name(), (*b)[i].name());
  }
  EXPECT_EQ(names.size(), 3u);
  spec.mutable_sweep()->set_trials(5);
  EXPECT_NE(ExpandSweep(spec).status().message().find("more than the 4 distinct points"), std::string::npos);
}

TEST(ExpandSweepTest, RejectsBadSweeps) {
  EXPECT_FALSE(ExpandSweep(Swept("bayes")).ok());
  auto empty = Swept("grid");
  empty.mutable_sweep()->clear_parameters();
  EXPECT_FALSE(ExpandSweep(empty).ok());
  auto huge = Swept("grid");
  for (int i = 0; i < 1100; ++i)
    (*huge.mutable_sweep()->mutable_parameters())["data.seed"].add_values(std::to_string(i));
  EXPECT_NE(ExpandSweep(huge).status().message().find("more than 1000"), std::string::npos);
  auto unknown = Swept("grid");
  (*unknown.mutable_sweep()->mutable_parameters())["train.nope"].add_values("1");
  EXPECT_NE(ExpandSweep(unknown).status().message().find("unknown spec field train.nope"), std::string::npos);
}

}  // namespace
}  // namespace derm

namespace derm {
namespace {

TEST(ExpandRunsTest, CrossValidationGivesOneRunPerFoldOfEachPoint) {
  derm::v1::JobSpec spec;
  spec.set_name("cv");
  spec.mutable_data()->mutable_cross_validation()->set_folds(3);
  ASSERT_TRUE(ExpandsIntoRuns(spec));
  auto runs = ExpandRuns(spec);
  ASSERT_TRUE(runs.ok()) << runs.status().message();
  ASSERT_EQ(runs->size(), 3u);
  for (int f = 0; f < 3; ++f) {
    const auto& cv = (*runs)[f].data().cross_validation();
    EXPECT_EQ(cv.fold(), f + 1);
    EXPECT_EQ(cv.group(), "cv");
    EXPECT_EQ((*runs)[f].name(), "cv[fold=" + std::to_string(f + 1) + "/3]");
    EXPECT_FALSE(ExpandsIntoRuns((*runs)[f]));  // a fold's spec is one run
  }
  // A cross-validated sweep: every point gives a group of its own.
  spec.mutable_sweep()->set_method("grid");
  (*spec.mutable_sweep()->mutable_parameters())["train.learning_rate"].add_values("0.001");
  (*spec.mutable_sweep()->mutable_parameters())["train.learning_rate"].add_values("0.01");
  runs = ExpandRuns(spec);
  ASSERT_TRUE(runs.ok()) << runs.status().message();
  ASSERT_EQ(runs->size(), 6u);
  EXPECT_EQ((*runs)[0].data().cross_validation().group(), "cv[learning_rate=0.001]");
  EXPECT_EQ((*runs)[5].name(), "cv[learning_rate=0.01][fold=3/3]");
  EXPECT_EQ((*runs)[5].tags().at("sweep.point"), "5");
}

TEST(ExpandRunsTest, RefusesBadFoldCountsAndAshaAcrossFolds) {
  derm::v1::JobSpec spec;
  spec.mutable_data()->mutable_cross_validation()->set_folds(1);
  EXPECT_NE(ExpandRuns(spec).status().message().find("folds must be between 2 and 20"), std::string::npos);
  spec.mutable_data()->mutable_cross_validation()->set_folds(5);
  spec.mutable_sweep()->set_method("grid");
  (*spec.mutable_sweep()->mutable_parameters())["train.learning_rate"].add_values("0.001");
  spec.mutable_sweep()->mutable_early_stopping()->set_type("asha");
  EXPECT_NE(ExpandRuns(spec).status().message().find("not with data.cross_validation"), std::string::npos);
}

}  // namespace
}  // namespace derm
