#include "common/spec/spec_rules.h"

#include <gtest/gtest.h>

#include "common/spec/params.h"

namespace derm {
namespace {

derm::v1::JobSpec Minimal() {
  derm::v1::JobSpec spec;
  spec.mutable_data()->set_train_dir("/data/Train");
  return spec;
}

bool HasProblem(const std::vector<SpecProblem>& ps, const std::string& field) {
  for (const auto& p : ps) {
    if (p.field == field) return true;
  }
  return false;
}

TEST(SpecRulesTest, DefaultsAreTheTutorialSettings) {
  auto spec = Minimal();
  ApplySpecDefaults(&spec);
  EXPECT_EQ(spec.kind(), "train");
  EXPECT_EQ(spec.data().image_size(0), 224);
  EXPECT_EQ(spec.data().image_size(1), 224);
  EXPECT_DOUBLE_EQ(spec.data().validation_split(), 0.2);
  EXPECT_EQ(spec.data().seed(), 123);
  EXPECT_EQ(spec.train().batch_size(), 32);
  EXPECT_EQ(spec.train().epochs(), 10);
  EXPECT_DOUBLE_EQ(spec.train().learning_rate(), 0.001);
  EXPECT_DOUBLE_EQ(spec.model().dropout(), 0.2);
  EXPECT_EQ(spec.augment().flip(), "horizontal");
  EXPECT_DOUBLE_EQ(spec.augment().rotation(), 0.1);
  EXPECT_DOUBLE_EQ(spec.augment().zoom(), 0.1);
  EXPECT_TRUE(spec.model().standardize_features()) << "random weights standardise by default";
  EXPECT_TRUE(ValidateSpec(spec).empty()) << JoinProblems(ValidateSpec(spec));
}

TEST(SpecRulesTest, PretrainedWeightsKeepTheTutorialHead) {
  auto spec = Minimal();
  spec.mutable_model()->set_weights("/models/resnet50.safetensors");
  ApplySpecDefaults(&spec);
  EXPECT_FALSE(spec.model().standardize_features());
}

TEST(SpecRulesTest, ExplicitValuesAreKept) {
  auto spec = Minimal();
  spec.mutable_train()->set_epochs(3);
  spec.mutable_model()->set_dropout(0.0);
  ApplySpecDefaults(&spec);
  EXPECT_EQ(spec.train().epochs(), 3);
  EXPECT_DOUBLE_EQ(spec.model().dropout(), 0.0);
}

TEST(SpecRulesTest, ReportsEveryProblemByField) {
  auto spec = Minimal();
  spec.mutable_data()->clear_train_dir();
  spec.mutable_data()->set_validation_split(1.5);
  spec.mutable_data()->add_image_size(10);
  spec.mutable_train()->set_batch_size(0);
  spec.mutable_train()->set_epochs(1000000000);
  spec.mutable_train()->set_learning_rate(-1);
  spec.mutable_augment()->set_flip("vertical");
  spec.set_kind("bake");
  ApplySpecDefaults(&spec);
  const auto problems = ValidateSpec(spec);
  for (const char* f : {"data.train_dir", "data.validation_split", "data.image_size", "train.batch_size",
                        "train.epochs", "train.learning_rate", "augment.flip", "kind"}) {
    EXPECT_TRUE(HasProblem(problems, f)) << f << " in " << JoinProblems(problems);
  }
  EXPECT_EQ(problems.size(), 8u) << JoinProblems(problems);
}

TEST(SpecRulesTest, FlattensEveryHyperparameter) {
  auto spec = Minimal();
  (*spec.mutable_tags())["team"] = "derm";
  ApplySpecDefaults(&spec);
  const auto params = FlattenSpec(spec);
  EXPECT_EQ(params.at("train.learning_rate"), "0.001");
  EXPECT_EQ(params.at("train.batch_size"), "32");
  EXPECT_EQ(params.at("data.image_size"), "[224, 224]");
  EXPECT_EQ(params.at("model.standardize_features"), "true");
  EXPECT_EQ(params.at("tags.team"), "derm");
  EXPECT_EQ(params.at("data.train_dir"), "/data/Train");
}

TEST(SpecRulesTest, InferSpecsTakeAModelAndAnInputAndNothingOfTraining) {
  derm::v1::JobSpec spec;
  spec.set_kind("infer");
  spec.mutable_model()->set_run_id(3);
  spec.mutable_input()->set_folder("/archive");
  ApplySpecDefaults(&spec);
  EXPECT_EQ(spec.infer().top_k(), 3);
  EXPECT_EQ(spec.infer().shard_size(), 256);
  EXPECT_EQ(spec.infer().max_errors(), 10);
  EXPECT_FALSE(spec.has_train()) << "no training defaults in an infer spec";
  EXPECT_TRUE(ValidateSpec(spec).empty()) << JoinProblems(ValidateSpec(spec));

  auto both = spec;
  both.mutable_model()->set_file("/m.dermmodel");
  EXPECT_TRUE(HasProblem(ValidateSpec(both), "model"));
  auto none = spec;
  none.mutable_model()->clear_run_id();
  EXPECT_TRUE(HasProblem(ValidateSpec(none), "model"));
  auto two_inputs = spec;
  two_inputs.mutable_input()->set_glob("/x/*.jpg");
  EXPECT_TRUE(HasProblem(ValidateSpec(two_inputs), "input"));
  auto huge = spec;
  huge.mutable_infer()->set_shard_size(1000000);
  huge.mutable_infer()->set_top_k(0);
  huge.mutable_infer()->set_max_errors(-1);
  const auto problems = ValidateSpec(huge);
  EXPECT_TRUE(HasProblem(problems, "infer.shard_size"));
  EXPECT_TRUE(HasProblem(problems, "infer.top_k"));
  EXPECT_TRUE(HasProblem(problems, "infer.max_errors"));
  auto with_data = spec;
  with_data.mutable_data()->set_train_dir("/data");
  EXPECT_TRUE(HasProblem(ValidateSpec(with_data), "kind"));

  auto train = Minimal();
  train.mutable_input()->set_folder("/archive");
  ApplySpecDefaults(&train);
  EXPECT_TRUE(HasProblem(ValidateSpec(train), "kind")) << "input is for infer jobs";
}

TEST(SpecRulesTest, ASpecIsAtMostOneMebibyteBesideItsImageList) {
  derm::v1::JobSpec spec;
  spec.mutable_data()->set_train_dir("/data/" + std::string(2 << 20, 'x'));
  ApplySpecDefaults(&spec);
  bool named = false;
  for (const auto& p : ValidateSpec(spec))
    named |= p.field == "spec" && p.message == "is larger than 1 MiB (input.paths aside)";
  EXPECT_TRUE(named);
}

}  // namespace
}  // namespace derm
