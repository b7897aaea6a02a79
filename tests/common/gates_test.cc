// Spec gates: which are valid, and their verdicts on a test split's metrics.
#include "common/spec/gates.h"

#include <gtest/gtest.h>

#include <cmath>

#include "common/spec/spec_rules.h"

namespace derm {
namespace {

derm::v1::Gate Gate(const std::string& cls, const std::string& metric) {
  derm::v1::Gate g;
  g.set_class_(cls);
  g.set_metric(metric);
  return g;
}

derm::v1::JobSpec TrainSpec() {
  derm::v1::JobSpec spec;
  spec.mutable_data()->set_train_dir("/d/Train");
  spec.mutable_data()->set_test_dir("/d/Test");
  ApplySpecDefaults(&spec);
  return spec;
}

// A test split of two classes: melanoma with an operating point at specificity 0.9.
derm::v1::SplitMetrics TestSplit() {
  derm::v1::SplitMetrics m;
  m.set_accuracy(0.8);
  m.set_balanced_accuracy(0.75);
  for (const char* name : {"nevus", "melanoma"}) {
    auto* pc = m.add_per_class();
    pc->set_class_name(name);
    pc->set_recall(0.7);
    auto* c = m.mutable_evaluation()->add_per_class();
    c->set_class_name(name);
    c->set_roc_auc(std::string(name) == "melanoma" ? 0.92 : NAN);
    auto* p = c->add_at_specificity();
    p->set_target(0.9);
    p->set_sensitivity(0.86);
  }
  m.mutable_evaluation()->set_ece(0.04);
  return m;
}

TEST(GatesTest, EachGateIsJudgedOnItsFigure) {
  derm::v1::JobSpec spec = TrainSpec();
  auto* g = spec.add_gates();
  *g = Gate("melanoma", "sensitivity");
  g->set_at_specificity(0.9);
  g->set_min(0.85);
  g = spec.add_gates();
  *g = Gate("", "ece");
  g->set_max(0.03);
  g = spec.add_gates();
  *g = Gate("melanoma", "roc_auc");
  g->set_min(0.9);
  g->set_max(0.95);
  g = spec.add_gates();
  *g = Gate("nevus", "roc_auc");  // undefined on this split
  g->set_min(0.5);
  g = spec.add_gates();
  *g = Gate("basal cell carcinoma", "recall");
  g->set_min(0.5);
  g = spec.add_gates();
  *g = Gate("melanoma", "sensitivity");
  g->set_at_specificity(0.95);  // not computed
  g->set_min(0.5);
  ASSERT_TRUE(ValidateSpec(spec).empty()) << JoinProblems(ValidateSpec(spec));

  const derm::v1::SplitMetrics test = TestSplit();
  const auto r = EvaluateGates(spec, &test);
  ASSERT_EQ(r.size(), 6u);
  EXPECT_EQ(r[0].gate(), "melanoma sensitivity at specificity 0.9 >= 0.85");
  EXPECT_TRUE(r[0].passed());
  EXPECT_DOUBLE_EQ(r[0].value(), 0.86);
  EXPECT_EQ(r[1].gate(), "ece <= 0.03");
  EXPECT_FALSE(r[1].passed());
  EXPECT_DOUBLE_EQ(r[1].value(), 0.04);
  EXPECT_EQ(r[2].gate(), "melanoma roc_auc >= 0.9 and <= 0.95");
  EXPECT_TRUE(r[2].passed());
  EXPECT_FALSE(r[3].passed());
  EXPECT_EQ(r[3].reason(), "the figure is undefined on the test split");
  EXPECT_FALSE(r[4].passed());
  EXPECT_EQ(r[4].reason(), "the run has no class 'basal cell carcinoma'");
  EXPECT_FALSE(r[5].passed());
  EXPECT_TRUE(std::isnan(r[5].value()));
  const auto none = EvaluateGates(spec, nullptr);
  EXPECT_FALSE(none[0].passed());
  EXPECT_EQ(none[0].reason(), "the run has no test split");
}

TEST(GatesTest, LeakedPairsGateCountsTheRunsDuplicatesAcrossSplits) {
  derm::v1::JobSpec spec = TrainSpec();
  auto* g = spec.add_gates();
  *g = Gate("", "leaked_pairs");
  g->set_max(0);
  ASSERT_TRUE(ValidateSpec(spec).empty()) << JoinProblems(ValidateSpec(spec));
  const derm::v1::SplitMetrics test = TestSplit();
  const auto clean = EvaluateGates(spec, &test, 0);
  EXPECT_EQ(clean[0].gate(), "leaked_pairs <= 0");
  EXPECT_TRUE(clean[0].passed());
  const auto leaky = EvaluateGates(spec, &test, 3);
  EXPECT_FALSE(leaky[0].passed());
  EXPECT_DOUBLE_EQ(leaky[0].value(), 3);
}

TEST(GatesTest, InvalidGatesAreNamedByField) {
  const auto problems = [](const derm::v1::Gate& g, bool test_dir = true) {
    derm::v1::JobSpec spec = TrainSpec();
    if (!test_dir) spec.mutable_data()->clear_test_dir();
    *spec.add_gates() = g;
    return JoinProblems(ValidateSpec(spec));
  };
  derm::v1::Gate g = Gate("", "accuracy");
  g.set_min(0.8);
  EXPECT_EQ(problems(g), "");
  EXPECT_NE(problems(g, false).find("gates: are checked on the test split: they need data.test_dir"),
            std::string::npos);
  EXPECT_NE(problems(Gate("", "auroc")).find("gates[0].metric: must be one of"), std::string::npos);
  g = Gate("", "roc_auc");
  g.set_min(0.5);
  EXPECT_NE(problems(g).find("gates[0].class: is required for roc_auc"), std::string::npos);
  g = Gate("melanoma", "ece");
  g.set_max(0.1);
  EXPECT_NE(problems(g).find("gates[0].class: is not used by ece"), std::string::npos);
  g = Gate("melanoma", "sensitivity");
  g.set_min(0.8);
  EXPECT_NE(problems(g).find("gates[0].at_specificity: is required for sensitivity"), std::string::npos);
  g.set_at_specificity(1.5);
  EXPECT_NE(problems(g).find("gates[0].at_specificity: must be between 0 and 1"), std::string::npos);
  EXPECT_NE(problems(Gate("", "accuracy")).find("gates[0]: needs min or max"), std::string::npos);
  derm::v1::JobSpec infer;
  infer.set_kind("infer");
  infer.mutable_model()->set_run_id(1);
  infer.mutable_input()->add_paths("/a.jpg");
  ApplySpecDefaults(&infer);
  *infer.add_gates() = Gate("", "accuracy");
  EXPECT_NE(JoinProblems(ValidateSpec(infer)).find("gates: are for training jobs"), std::string::npos);
}

}  // namespace
}  // namespace derm
