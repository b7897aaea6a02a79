// Runs every ```sql block of docs/schema.md against a database that has a finished run.
#include <gtest/gtest.h>

#include <regex>

#include "common/spec/spec_rules.h"
#include "store/read_query.h"
#include "store/sqlite.h"
#include "store/store.h"
#include "tests/testing/temp_dir.h"

namespace derm::store {
namespace {

std::vector<std::string> DocumentedQueries() {
  const std::string doc = testing::ReadFile(std::string(DERM_SOURCE_DIR) + "/docs/schema.md");
  std::vector<std::string> queries;
  const std::regex block("```sql\\n([\\s\\S]*?)```");
  for (std::sregex_iterator it(doc.begin(), doc.end(), block), end; it != end; ++it) {
    queries.push_back((*it)[1]);
  }
  return queries;
}

TEST(DocsQueriesTest, EveryExampleQueryRunsAndReturnsRows) {
  const auto queries = DocumentedQueries();
  ASSERT_GE(queries.size(), 8u);
  testing::TempDir dir;
  auto store = Store::Open(dir.Join("r.db")).value();
  derm::v1::JobSpec spec;
  spec.set_name("docs");
  spec.mutable_data()->set_train_dir("/d");
  auto* cv = spec.mutable_data()->mutable_cross_validation();  // fold 1 of a 2-fold group
  cv->set_folds(2);
  cv->set_fold(1);
  cv->set_group("docs");
  ApplySpecDefaults(&spec);
  spec.mutable_train()->set_epochs(1);
  auto job =
      store->jobs().InsertSweep(spec, {spec}, "", "tester", 1).value().second.front();  // sweep 1, one point
  const int64_t worker = store->workers().Insert({}, "tester", 1).value();
  const int64_t attempt = store->attempts().Start(job.id(), worker, 2).value();
  derm::v1::RunFacts facts;
  facts.set_dataset_fingerprint("abc123");
  facts.add_class_names("a");
  facts.add_class_names("b");
  auto* skipped = facts.add_skipped();
  skipped->set_path("/d/a/x.txt");
  skipped->set_reason("not an image file type");
  facts.set_train_groups(3);
  facts.set_validation_groups(1);
  facts.set_group_column("lesion_id");
  facts.set_leakage_checked(true);
  facts.set_exact_duplicate_pairs(1);
  auto* leak = facts.add_leaked_pairs();
  leak->set_exact(true);
  leak->set_split_a("train");
  leak->set_path_a("/d/a/2.jpg");
  leak->set_split_b("validation");
  leak->set_path_b("/d/a/1.jpg");
  ASSERT_TRUE(store->run_writer().RecordFacts(job.run_id(), facts, 3).ok());
  derm::v1::EpochMetrics m;
  m.set_epoch(1);
  for (const char* name : {"a", "b"}) {
    m.mutable_validation()->mutable_confusion()->add_class_names(name);
    m.mutable_validation()->add_per_class()->set_class_name(name);
  }
  for (int64_t c : {3, 1, 0, 2}) m.mutable_validation()->mutable_confusion()->add_counts(c);
  auto* ev = m.mutable_validation()->mutable_evaluation();  // the clinical evaluation's tables
  for (const char* name : {"a", "b"}) {
    auto* c = ev->add_per_class();
    c->set_class_name(name);
    c->set_roc_auc(0.8);
    auto* p = c->add_at_specificity();
    p->set_target(0.9);
    p->set_sensitivity(0.7);
    c->mutable_roc()->add_x(0);
    c->mutable_roc()->add_y(0);
  }
  ev->add_reliability()->set_count(4);
  auto* interval = ev->mutable_accuracy_interval();
  interval->set_resamples(1000);
  interval->set_level(0.95);
  ASSERT_TRUE(store->run_writer().RecordEpoch(job.run_id(), attempt, m, "checkpoint", 4).ok());
  ASSERT_TRUE(store->history().RecordStop(job.run_id(), 1, "val_loss has not improved for 3 epochs", 4).ok());
  derm::v1::RunResult result;
  *result.mutable_test() = m.validation();
  result.set_model("model");
  auto* p = result.add_predictions();
  p->set_split("validation");
  p->set_path("/d/a/1.jpg");
  p->set_true_class(0);
  p->set_predicted_class(1);
  p->set_probability(0.9f);
  p->add_probabilities(0.1f);
  p->add_probabilities(0.9f);
  derm::v1::GateResult gate;
  gate.set_gate("ece <= 0.05");
  gate.set_value(0.08);
  ASSERT_TRUE(store->run_writer().RecordResult(job.run_id(), 1, result, 5, {gate}).ok());
  ASSERT_TRUE(store->attempts()
                  .End(job.id(), attempt, AttemptState::kSucceeded, derm::v1::SUCCEEDED, "completed", 6)
                  .ok());
  ASSERT_TRUE(store->models().Register("melanoma-screen", job.run_id(), "tester", 6).ok());
  ASSERT_TRUE(store->models().SetStage("melanoma-screen", 1, "production", false, "reviewer", "", 6).ok());

  // Job 2: an inference job with one finished shard.
  derm::v1::JobSpec infer;
  infer.set_kind("infer");
  infer.mutable_model()->set_run_id(job.run_id());
  infer.mutable_input()->set_folder("/archive");
  ApplySpecDefaults(&infer);
  const auto infer_job =
      store->shards().InsertJob(infer, "", "tester", {{"/archive/1.jpg", "/archive/2.jpg"}}, 7).value();
  ASSERT_EQ(infer_job.id(), 2);
  const int64_t shard_attempt = store->shards().StartAttempt(2, 0, worker, 8).value();
  derm::v1::ShardResult shard;
  shard.add_class_names("a");
  shard.add_class_names("b");
  auto* q = shard.add_predictions();
  q->set_path("/archive/1.jpg");
  q->add_top_classes(1);
  q->add_top_probabilities(0.8f);
  q->add_top_classes(0);
  q->add_top_probabilities(0.2f);
  auto* e = shard.add_errors();
  e->set_path("/archive/2.jpg");
  e->set_reason("not a decodable image");
  ASSERT_TRUE(store->shards().Complete(2, 0, shard_attempt, job.run_id(), shard, 9).ok());

  for (const auto& sql : queries) {  // as dermctl query runs them: every function they use is allowed
    auto result = RunReadOnlyQuery(dir.Join("r.db"), sql, {});
    ASSERT_TRUE(result.ok()) << sql << "\n" << result.status().ToString();
    EXPECT_FALSE(result->rows.empty()) << "no rows from:\n" << sql;
  }
}

}  // namespace
}  // namespace derm::store
