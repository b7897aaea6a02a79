// Early stopping, ASHA and the model registry with a real scheduler, worker and dermctl: the
// scheduler's answer to each epoch reaches the worker over gRPC, and what it decided is stored.
#include <gtest/gtest.h>

#include "store/sqlite.h"
#include "tests/testing/cluster.h"

namespace derm {
namespace {

using testing::QueryInt;
using testing::QueryText;
using testing::RunCommand;

class ExperimentsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(cluster_.StartScheduler()) << cluster_.SchedulerLog();
    cluster_.StartWorker();
  }
  std::string Spec(const std::string& train, const std::string& extra = "") const {
    return "kind: train\nname: tiny\ndata:\n  train_dir: " + cluster_.data("Train") +
           "\n  test_dir: " + cluster_.data("Test") + "\n  image_size: [32, 32]\ntrain: " + train + "\n" +
           extra;
  }
  testing::CommandResult Dermctl(std::vector<std::string> args) {
    args.insert(args.begin(),
                {DERMCTL_BIN, "--server", cluster_.address(), "--token-file", cluster_.admin_token_file()});
    return RunCommand(args);
  }
  std::unique_ptr<store::Database> Db() {
    return std::move(store::Database::Open(cluster_.db(), true).value());
  }

  testing::TempDir dir_;
  testing::Cluster cluster_{dir_};
};

TEST_F(ExperimentsTest, PatienceStopsARealRunAndItsModelTestSplitAndPredictionsAreTheBestEpochs) {
  // At a learning rate of 1e-9 no prediction changes: epoch 2 does not improve on epoch 1.
  testing::WriteFile(dir_.Join("patient.yaml"),
                     Spec("{epochs: 6, batch_size: 4, learning_rate: 1.0e-9, early_stopping: {metric: "
                          "val_accuracy, patience: 1}}"));
  auto r = Dermctl({"submit", dir_.Join("patient.yaml"), "--wait"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto db = Db();
  EXPECT_EQ(QueryInt(db.get(), "SELECT count(*) FROM epoch_metrics WHERE run_id = 1"), 2)
      << "no epoch after the stop";
  EXPECT_EQ(QueryInt(db.get(), "SELECT stopped_epoch FROM runs WHERE id = 1"), 2);
  EXPECT_EQ(QueryInt(db.get(), "SELECT model_epoch FROM runs WHERE id = 1"), 1);
  EXPECT_EQ(QueryText(db.get(), "SELECT stop_reason FROM runs WHERE id = 1"),
            "val_accuracy has not improved for 1 epochs since epoch 1 (patience 1)");
  EXPECT_EQ(
      QueryInt(db.get(), "SELECT count(*) FROM artifacts WHERE run_id = 1 AND kind = 'model' AND epoch = 1"),
      1);
  EXPECT_GT(QueryInt(db.get(),
                     "SELECT count(*) FROM class_metrics WHERE run_id = 1 AND split = 'test' AND epoch = 1"),
            0);
  // The stored validation predictions are epoch 1's: their accuracy is epoch 1's.
  EXPECT_EQ(
      QueryText(db.get(),
                "SELECT round(avg(true_class = predicted_class), 6) FROM predictions WHERE run_id = 1 "
                "AND split = 'validation'"),
      QueryText(db.get(), "SELECT round(val_accuracy, 6) FROM epoch_metrics WHERE run_id = 1 AND epoch = 1"));
  r = Dermctl({"describe", "run", "1"});
  EXPECT_NE(r.out.find("stopped early after epoch 2: val_accuracy has not improved"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("model: epoch 1 (the best by train.early_stopping)"), std::string::npos) << r.out;
  // compare shows the stop and the model epoch beside a run without them.
  testing::WriteFile(dir_.Join("plain.yaml"), Spec("{epochs: 2, batch_size: 4}"));
  ASSERT_EQ(Dermctl({"submit", dir_.Join("plain.yaml"), "--wait"}).exit_code, 0);
  r = Dermctl({"compare", "1", "2", "-o", "csv"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\nstopped early after epoch,2,\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\nmodel epoch,1,\n"), std::string::npos) << r.out;
}

TEST_F(ExperimentsTest, AshaStopsATrialBelowTheRungCutoffAndTheWorkerTakesTheNext) {
  // One worker: trial 1 runs first and always goes on (nobody else at rung 1); trial 2 stops at
  // epoch 1 exactly when its validation accuracy there is below trial 1's (the cutoff of one
  // value is that value). A learning rate of 1e-9 leaves trial 2 at its initial head's accuracy.
  testing::WriteFile(dir_.Join("asha.yaml"),
                     Spec("{epochs: 3, batch_size: 4}",
                          "sweep:\n  method: grid\n  parameters: {train.learning_rate: [0.01, 1.0e-9]}\n"
                          "  early_stopping: {type: asha, grace_epochs: 1, reduction_factor: 3}\n"));
  auto r = Dermctl({"submit", dir_.Join("asha.yaml"), "--wait"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto db = Db();
  EXPECT_EQ(QueryInt(db.get(), "SELECT count(*) FROM jobs WHERE state = 'SUCCEEDED'"), 2);
  EXPECT_EQ(QueryInt(db.get(), "SELECT count(*) FROM runs WHERE id = 1 AND stopped_epoch IS NULL"), 1);
  EXPECT_EQ(QueryInt(db.get(), "SELECT count(*) FROM epoch_metrics WHERE run_id = 1"), 3);
  const bool below =
      QueryInt(db.get(),
               "SELECT (SELECT val_accuracy FROM epoch_metrics WHERE run_id = 2 AND epoch = 1) "
               "< (SELECT val_accuracy FROM epoch_metrics WHERE run_id = 1 AND epoch = 1)") == 1;
  EXPECT_EQ(QueryInt(db.get(), "SELECT count(*) FROM epoch_metrics WHERE run_id = 2"), below ? 1 : 3);
  if (below) {
    EXPECT_EQ(QueryInt(db.get(), "SELECT stopped_epoch FROM runs WHERE id = 2"), 1);
    EXPECT_EQ(QueryText(db.get(), "SELECT substr(stop_reason, 1, 19) FROM runs WHERE id = 2"),
              "ASHA: val_accuracy ");
    EXPECT_EQ(QueryInt(db.get(), "SELECT model_epoch FROM runs WHERE id = 2"), 1);
  } else {
    ADD_FAILURE() << "trial 2 (learning rate 1e-9) was not below trial 1 at epoch 1: this test no longer "
                     "exercises a stop";
  }
}

TEST_F(ExperimentsTest, ARegisteredModelInProductionClassifiesByNameAndTheVersionIsRecorded) {
  testing::WriteFile(dir_.Join("gated.yaml"),
                     Spec("{epochs: 1, batch_size: 4}", "gates: [{metric: accuracy, min: 0}]\n"));
  testing::WriteFile(dir_.Join("plain.yaml"), Spec("{epochs: 1, batch_size: 4}"));
  ASSERT_EQ(Dermctl({"submit", dir_.Join("gated.yaml"), "--wait"}).exit_code, 0);
  ASSERT_EQ(Dermctl({"submit", dir_.Join("plain.yaml"), "--wait"}).exit_code, 0);
  auto r = Dermctl({"model", "register", "1", "--name", "screen"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "screen version 1 (run 1, gates 1/1 passed): none\n");
  ASSERT_EQ(Dermctl({"model", "register", "2", "--name", "screen"}).exit_code, 0);
  r = Dermctl({"model", "promote", "screen", "2", "--stage", "production"});
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_EQ(r.err,
            "dermctl: screen version 2 (run 2) has no gates: production needs every gate passed (an admin "
            "may force it)\n");
  r = Dermctl({"model", "promote", "screen", "1", "--stage", "production", "--reason", "ok"});
  ASSERT_EQ(r.exit_code, 0) << r.err;

  testing::WriteFile(dir_.Join("infer.yaml"),
                     "kind: infer\nmodel: {name: screen, stage: production}\ninput: {folder: " +
                         cluster_.data("Test") + "}\n");
  r = Dermctl({"submit", dir_.Join("infer.yaml"), "--wait"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = Dermctl({"model", "list", "screen", "-o", "csv"});
  EXPECT_NE(r.out.find("screen,1,1,production,1/1 passed,"), std::string::npos) << r.out;
  auto db = Db();
  EXPECT_EQ(QueryInt(db.get(), "SELECT count(*) FROM predictions WHERE job_id = 3 AND run_id = 1"),
            QueryInt(db.get(), "SELECT test_images FROM runs WHERE id = 1"));
  EXPECT_EQ(QueryText(db.get(), "SELECT changed_by || ':' || reason FROM model_stage_changes"), "admin:ok");
}

}  // namespace
}  // namespace derm
