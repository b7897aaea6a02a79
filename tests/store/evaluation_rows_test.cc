// A split's clinical evaluation survives the database: what a worker reports with an epoch and
// with the result is what GetRun gives back, NaN (undefined) figures included.
#include <gtest/gtest.h>

#include <cmath>

#include "common/spec/spec_rules.h"
#include "store/store.h"
#include "tests/testing/temp_dir.h"

namespace derm::store {
namespace {

derm::v1::Evaluation Sample(bool intervals) {
  derm::v1::Evaluation e;
  for (int k = 0; k < 2; ++k) {
    auto* c = e.add_per_class();
    c->set_class_name(k ? "melanoma" : "nevus");
    c->set_positives(k ? 0 : 5);
    c->set_roc_auc(k ? NAN : 0.75);  // no melanoma in this split: undefined
    c->set_average_precision(k ? NAN : 0.5);
    for (double target : {0.8, 0.9}) {
      auto* p = c->add_at_specificity();
      p->set_target(target);
      p->set_threshold(0.25 + k);
      p->set_sensitivity(0.6);
      p->set_specificity(target + 0.01);
      *c->add_at_sensitivity() = *p;
    }
    for (double x : {0.0, 0.5, 1.0}) {
      c->mutable_roc()->add_x(x);
      c->mutable_roc()->add_y(x * x);
      c->mutable_precision_recall()->add_x(x);
      c->mutable_precision_recall()->add_y(1 - x / 2);
    }
    if (intervals) {
      auto* i = c->mutable_roc_auc_interval();
      i->set_estimate(c->roc_auc());
      i->set_lower(0.6);
      i->set_upper(0.9);
      i->set_resamples(1000);
      i->set_seed(123);
      i->set_level(0.95);
    }
  }
  e.set_macro_roc_auc(0.75);
  e.set_weighted_roc_auc(0.75);
  e.set_ece(0.1);
  e.set_nll(1.2);
  e.set_brier(0.6);
  for (int b = 0; b < 15; ++b) {
    auto* r = e.add_reliability();
    r->set_lower(b / 15.0);
    r->set_upper((b + 1) / 15.0);
    r->set_count(b % 3);
    r->set_confidence(b % 3 ? (b + 0.5) / 15 : 0);
    r->set_accuracy(b % 3 ? 0.5 : 0);
  }
  if (intervals) {
    for (auto* i : {e.mutable_accuracy_interval(), e.mutable_balanced_accuracy_interval()}) {
      i->set_estimate(0.7);
      i->set_lower(0.6);
      i->set_upper(0.8);
      i->set_resamples(1000);
      i->set_seed(123);
      i->set_level(0.95);
    }
  }
  return e;
}

TEST(EvaluationRowsTest, WhatIsReportedIsReadBackNaNIncluded) {
  testing::TempDir dir;
  auto store = Store::Open(dir.Join("r.db")).value();
  derm::v1::JobSpec spec;
  spec.mutable_data()->set_train_dir("/d");
  ApplySpecDefaults(&spec);
  spec.mutable_train()->set_epochs(1);
  const auto job = store->jobs().InsertSweep(spec, {spec}, "", "tester", 1).value().second.front();
  const int64_t worker = store->workers().Insert({}, "tester", 1).value();
  const int64_t attempt = store->attempts().Start(job.id(), worker, 2).value();
  derm::v1::EpochMetrics m;
  m.set_epoch(1);
  for (const char* name : {"nevus", "melanoma"}) {
    m.mutable_validation()->mutable_confusion()->add_class_names(name);
    m.mutable_validation()->add_per_class()->set_class_name(name);
  }
  for (int64_t c : {3, 1, 0, 0}) m.mutable_validation()->mutable_confusion()->add_counts(c);
  *m.mutable_validation()->mutable_evaluation() = Sample(false);
  ASSERT_TRUE(store->run_writer().RecordEpoch(job.run_id(), attempt, m, "", 3).ok());
  derm::v1::RunResult result;
  *result.mutable_test() = m.validation();
  *result.mutable_test()->mutable_evaluation() = Sample(true);
  ASSERT_TRUE(store->run_writer().RecordResult(job.run_id(), 1, result, 4).ok());

  const auto report = store->runs().Get(job.run_id()).value();
  // Text form: NaN prints as "nan", so undefined figures compare equal; doubles round-trip exactly.
  EXPECT_EQ(Sample(false).DebugString(), report.epochs(0).validation().evaluation().DebugString());
  EXPECT_EQ(Sample(true).DebugString(), report.result().test().evaluation().DebugString());
  EXPECT_TRUE(std::isnan(report.result().test().evaluation().per_class(1).roc_auc()));
}

}  // namespace
}  // namespace derm::store
