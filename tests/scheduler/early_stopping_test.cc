// The scheduler's early stopping (train.early_stopping and ASHA across a sweep) and its retries
// after running out of memory, with fake workers.
#include <gtest/gtest.h>

#include "tests/scheduler/scheduler_fixture.h"

namespace derm::scheduler {
namespace {

class EarlyStoppingTest : public SchedulerTest {
 protected:
  // Reports `epoch` of the attempt with this validation loss and accuracy, and a checkpoint.
  StatusOr<derm::v1::ReportEpochResponse> Epoch(int64_t attempt, int32_t epoch, double val_loss,
                                                double val_accuracy) {
    derm::v1::ReportEpochRequest req;
    req.set_attempt_id(attempt);
    req.mutable_metrics()->set_epoch(epoch);
    req.mutable_metrics()->mutable_validation()->set_loss(val_loss);
    req.mutable_metrics()->mutable_validation()->set_accuracy(val_accuracy);
    req.set_checkpoint("checkpoint-" + std::to_string(epoch));
    return scheduler_->ReportEpoch(Signed(req));
  }
  Status Complete(int64_t attempt, int32_t model_epoch) {
    derm::v1::CompleteTaskRequest done;
    done.set_attempt_id(attempt);
    done.mutable_result()->set_model("model");
    done.mutable_result()->set_model_epoch(model_epoch);
    return scheduler_->CompleteTask(Signed(done));
  }
  Status Fail(int64_t attempt, int32_t out_of_memory_batch) {
    derm::v1::FailTaskRequest fail;
    fail.set_attempt_id(attempt);
    fail.set_reason("training failed: out of memory");
    fail.set_retryable(true);
    fail.set_out_of_memory_backbone_batch(out_of_memory_batch);
    return scheduler_->FailTask(Signed(fail));
  }
};

derm::v1::JobSpec PatienceSpec() {
  derm::v1::JobSpec spec = TrainSpec("patient", 10);
  spec.mutable_train()->mutable_early_stopping()->set_metric("val_loss");
  spec.mutable_train()->mutable_early_stopping()->set_patience(2);
  return spec;
}

TEST_F(EarlyStoppingTest, PatienceStopsTheRunAndItsModelIsTheBestEpochs) {
  const int64_t job = Submit(PatienceSpec());
  const int64_t w = Worker();
  const auto task = Acquire(w);
  const double losses[] = {1.0, 0.8, 0.9, 0.85};
  for (int e = 1; e <= 3; ++e) {
    auto v = Epoch(task.attempt_id(), e, losses[e - 1], 0.5);
    ASSERT_TRUE(v.ok()) << v.status().ToString();
    EXPECT_FALSE(v->stop()) << "epoch " << e;
    EXPECT_EQ(v->best_epoch(), e == 1 ? 1 : 2);
  }
  auto v = Epoch(task.attempt_id(), 4, losses[3], 0.5);
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->stop());
  EXPECT_EQ(v->best_epoch(), 2);
  EXPECT_EQ(v->reason(), "val_loss has not improved for 2 epochs since epoch 2 (patience 2)");

  // Nothing past the stop is stored; a model of another epoch than the best is refused.
  EXPECT_EQ(Epoch(task.attempt_id(), 5, 0.1, 0.9).status().code(), StatusCode::kFailedPrecondition);
  const Status last = Complete(task.attempt_id(), 4);
  EXPECT_EQ(last.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(last.message(), "the model is of epoch 4, but this run's is epoch 2 (its best)");
  EXPECT_EQ(Complete(task.attempt_id(), 0).code(), StatusCode::kInvalidArgument) << "0 means the last epoch";
  ASSERT_TRUE(Complete(task.attempt_id(), 2).ok());
  EXPECT_EQ(State(job), derm::v1::SUCCEEDED);
  auto run = scheduler_->reads().GetRun(task.run_id());
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(run->epochs_size(), 4);
  EXPECT_EQ(run->stopped_epoch(), 4);
  EXPECT_EQ(run->stop_reason(), v->reason());
  EXPECT_EQ(run->model_epoch(), 2);
  auto model = scheduler_->reads().GetModel(task.run_id());
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  EXPECT_EQ(model->data(), "model");
}

TEST_F(EarlyStoppingTest, AnAttemptAfterTheStopTrainsNoFurtherAndGetsTheBestCheckpoint) {
  Submit(PatienceSpec());
  const int64_t w = Worker();
  const auto task = Acquire(w);
  for (int e = 1; e <= 4; ++e) ASSERT_TRUE(Epoch(task.attempt_id(), e, e == 2 ? 0.5 : 1.0, 0.5).ok());
  ASSERT_TRUE(Fail(task.attempt_id(), 0).ok());  // the worker died before completing
  clock_.Advance(10000);                         // the retry's backoff
  const auto again = Acquire(w);
  ASSERT_EQ(again.job_id(), task.job_id());
  EXPECT_EQ(again.resume_epoch(), 4);
  EXPECT_EQ(again.stop_epoch(), 4);
  EXPECT_EQ(again.best_epoch(), 2);
  EXPECT_EQ(again.best_checkpoint(), "checkpoint-2");
  ASSERT_TRUE(Complete(again.attempt_id(), 2).ok());
}

TEST_F(EarlyStoppingTest, WithoutEarlyStoppingARunCompletesOnlyAfterItsLastEpoch) {
  const int64_t job = Submit(TrainSpec("plain", 3));
  const auto task = Acquire(Worker());
  for (int e = 1; e <= 2; ++e) {
    auto v = Epoch(task.attempt_id(), e, 1.0 / e, 0.5);
    ASSERT_TRUE(v.ok());
    EXPECT_FALSE(v->stop());
    EXPECT_EQ(v->best_epoch(), 0) << "no best epoch without train.early_stopping";
  }
  const Status early = Complete(task.attempt_id(), 0);
  EXPECT_EQ(early.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(early.message(), "the run has 2 of its 3 epochs: it cannot complete yet");
  ASSERT_TRUE(Epoch(task.attempt_id(), 3, 0.3, 0.5).ok());
  EXPECT_EQ(Complete(task.attempt_id(), 2).code(), StatusCode::kInvalidArgument) << "the last epoch's model";
  ASSERT_TRUE(Complete(task.attempt_id(), 3).ok());
  EXPECT_EQ(State(job), derm::v1::SUCCEEDED);
  EXPECT_EQ(scheduler_->reads().GetRun(task.run_id())->model_epoch(), 3);
  EXPECT_EQ(scheduler_->reads().GetRun(task.run_id())->stopped_epoch(), 0);
}

// A sweep of three trials, 9 epochs each, ASHA with rungs at epochs 1 and 3 (factor 3).
TEST_F(EarlyStoppingTest, AshaStopsTrialsOutsideTheBestThirdOfTheirRung) {
  derm::v1::JobSpec spec = TrainSpec("asha", 9);
  spec.mutable_sweep()->set_method("grid");
  for (const char* lr : {"0.001", "0.002", "0.003"})
    (*spec.mutable_sweep()->mutable_parameters())["train.learning_rate"].add_values(lr);
  spec.mutable_sweep()->mutable_early_stopping()->set_type("asha");
  auto submitted = scheduler_->Submit(spec, "", "tester");
  ASSERT_TRUE(submitted.ok()) << submitted.status().ToString();
  std::vector<derm::v1::Task> trials;
  for (int i = 0; i < 3; ++i) trials.push_back(Acquire(Worker()));

  // Rung 1 (epoch 1): the first trial has no one to compare with; the second is below the first.
  auto v = Epoch(trials[0].attempt_id(), 1, 1.0, 0.5);
  ASSERT_TRUE(v.ok());
  EXPECT_FALSE(v->stop());
  v = Epoch(trials[1].attempt_id(), 1, 1.0, 0.3);
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->stop());
  EXPECT_EQ(
      v->reason(),
      "ASHA: val_accuracy 0.3000 at rung 1 (epoch 1) is outside the best 1/3 of the 1 other trial(s) there "
      "(cutoff 0.5000)");
  // The third beats the cutoff of {0.5, 0.3}: 0.3 + (2/3)(0.2) = 0.4333.
  v = Epoch(trials[2].attempt_id(), 1, 1.0, 0.45);
  ASSERT_TRUE(v.ok());
  EXPECT_FALSE(v->stop());
  // Epoch 2 is no rung: nothing is compared.
  v = Epoch(trials[2].attempt_id(), 2, 1.0, 0.1);
  ASSERT_TRUE(v.ok());
  EXPECT_FALSE(v->stop());
  // The stopped trial completes at its rung; its worker can take the next job.
  ASSERT_TRUE(Complete(trials[1].attempt_id(), 1).ok());
  EXPECT_EQ(State(trials[1].job_id()), derm::v1::SUCCEEDED);
  EXPECT_EQ(scheduler_->reads().GetRun(trials[1].run_id())->stopped_epoch(), 1);
  EXPECT_EQ(Epoch(trials[1].attempt_id(), 2, 1.0, 0.9).status().code(), StatusCode::kFailedPrecondition);
}

TEST_F(EarlyStoppingTest, SweepEarlyStoppingIsValidatedBySubmit) {
  derm::v1::JobSpec spec = TrainSpec("asha", 9);
  spec.mutable_sweep()->set_method("grid");
  (*spec.mutable_sweep()->mutable_parameters())["train.learning_rate"].add_values("0.001");
  auto* e = spec.mutable_sweep()->mutable_early_stopping();
  e->set_type("hyperband");
  EXPECT_EQ(scheduler_->Submit(spec, "", "tester").status().message(),
            "sweep.early_stopping.type must be \"asha\", got \"hyperband\"");
  e->set_type("asha");
  e->set_metric("train_loss");
  EXPECT_EQ(scheduler_->Submit(spec, "", "tester").status().code(), StatusCode::kInvalidArgument);
  e->set_metric("val_loss");
  e->set_reduction_factor(1);
  EXPECT_EQ(scheduler_->Submit(spec, "", "tester").status().message(),
            "sweep.early_stopping.reduction_factor must be between 2 and 100");
  auto patience = PatienceSpec();
  patience.mutable_train()->mutable_early_stopping()->set_patience(0);
  patience.mutable_train()->mutable_early_stopping()->set_metric("loss");
  const auto refused = scheduler_->Submit(patience, "", "tester");
  ASSERT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("train.early_stopping.metric: must be val_loss, val_accuracy or "
                                            "val_balanced_accuracy, got \"loss\""),
            std::string::npos)
      << refused.status().message();
  EXPECT_NE(refused.status().message().find("train.early_stopping.patience"), std::string::npos);
  auto points = TrainSpec("points", 1);
  points.mutable_evaluation()->add_specificities(1.5);
  EXPECT_NE(scheduler_->Submit(points, "", "tester")
                .status()
                .message()
                .find("evaluation.specificities: must be between 0 and 1, got 1.5"),
            std::string::npos);
}

TEST_F(EarlyStoppingTest, AnAttemptOutOfMemoryIsRetriedWithHalfTheBackboneBatchRecorded) {
  const int64_t job = Submit(TrainSpec("big", 2));
  const int64_t w = Worker();
  const auto first = Acquire(w);
  EXPECT_EQ(first.backbone_batch(), 0) << "the worker's own choice";
  ASSERT_TRUE(Fail(first.attempt_id(), 64).ok());
  EXPECT_EQ(State(job), derm::v1::QUEUED);
  EXPECT_NE(scheduler_->reads().GetJob(job)->message().find("out of memory with 64 images per backbone pass: "
                                                            "the next attempt gets 32"),
            std::string::npos)
      << scheduler_->reads().GetJob(job)->message();
  clock_.Advance(10000);
  const auto second = Acquire(w);
  ASSERT_EQ(second.job_id(), job);
  EXPECT_EQ(second.backbone_batch(), 32);
  ASSERT_TRUE(Fail(second.attempt_id(), 32).ok());
  clock_.Advance(10000);
  const auto third = Acquire(w);
  EXPECT_EQ(third.backbone_batch(), 16);
  auto rows = scheduler_->reads().Query([] {
    derm::v1::QueryRequest q;
    q.set_sql("SELECT backbone_batch, out_of_memory FROM attempts ORDER BY id");
    return q;
  }());
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  ASSERT_EQ(rows->rows_size(), 3);
  EXPECT_EQ(rows->rows(0).values(0), "64");
  EXPECT_EQ(rows->rows(0).values(1), "1");
  EXPECT_EQ(rows->rows(1).values(0), "32");
  EXPECT_EQ(rows->rows(2).values(0), "16");
  EXPECT_EQ(rows->rows(2).values(1), "0");
}

TEST_F(EarlyStoppingTest, AnOutOfMemoryBatchOutOfBoundsIsRefusedAndTheAttemptKeepsItsLease) {
  const int64_t job = Submit(TrainSpec("forged", 2));
  const auto task = Acquire(Worker());
  for (int32_t batch : {-1, 1 << 30}) {
    const Status st = Fail(task.attempt_id(), batch);
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << batch;
    EXPECT_NE(st.message().find("out_of_memory_backbone_batch must be between 0 and 65536"),
              std::string::npos);
  }
  EXPECT_EQ(State(job), derm::v1::RUNNING);
  ASSERT_TRUE(Fail(task.attempt_id(), 8).ok());
}

TEST_F(EarlyStoppingTest, OutOfMemoryWithOneImagePerPassIsNotRetried) {
  const int64_t job = Submit(TrainSpec("huge", 2));
  const auto task = Acquire(Worker());
  ASSERT_TRUE(Fail(task.attempt_id(), 1).ok());
  EXPECT_EQ(State(job), derm::v1::FAILED);
  EXPECT_NE(scheduler_->reads().GetJob(job)->message().find("out of memory with 1 image per backbone pass"),
            std::string::npos);
}

}  // namespace
}  // namespace derm::scheduler
