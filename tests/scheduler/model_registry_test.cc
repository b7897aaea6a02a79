// The model registry through the Scheduler: versions, stages, the gate rule for production, forced
// promotions recorded, and inference specs naming a registered model.
#include <gtest/gtest.h>

#include "tests/scheduler/scheduler_fixture.h"

namespace derm::scheduler {
namespace {

class ModelRegistryTest : public SchedulerTest {
 protected:
  // A SUCCEEDED one-epoch run with a model; with `gate_max` a gate on ECE (the run's is 0.1).
  int64_t FinishedRun(std::optional<double> gate_max) {
    derm::v1::JobSpec spec = TrainSpec("run", 1);
    if (gate_max) {
      spec.mutable_data()->set_test_dir("/data/Test");
      auto* g = spec.add_gates();
      g->set_metric("ece");
      g->set_max(*gate_max);
    }
    Submit(spec);
    const auto task = Acquire(Worker());
    derm::v1::ReportEpochRequest epoch;
    epoch.set_attempt_id(task.attempt_id());
    epoch.mutable_metrics()->set_epoch(1);
    epoch.set_checkpoint("checkpoint");
    EXPECT_TRUE(scheduler_->ReportEpoch(Signed(epoch)).ok());
    derm::v1::CompleteTaskRequest done;
    done.set_attempt_id(task.attempt_id());
    done.mutable_result()->set_model("model of run " + std::to_string(task.run_id()));
    if (gate_max) {
      auto* test = done.mutable_result()->mutable_test();
      test->mutable_confusion()->add_class_names("a");
      test->mutable_confusion()->add_counts(1);
      test->mutable_evaluation()->set_ece(0.1);
      test->mutable_evaluation()->add_per_class()->set_class_name("a");
    }
    EXPECT_TRUE(scheduler_->CompleteTask(Signed(done)).ok());
    return task.run_id();
  }
  StatusOr<derm::v1::ModelVersion> Register(int64_t run, const std::string& name) {
    derm::v1::RegisterModelRequest r;
    r.set_run_id(run);
    r.set_name(name);
    return scheduler_->RegisterModel(r, "alice");
  }
  StatusOr<derm::v1::ModelVersion> Promote(int32_t version, const std::string& stage, bool force = false,
                                           bool may_force = false) {
    derm::v1::PromoteModelRequest r;
    r.set_name("melanoma-screen");
    r.set_version(version);
    r.set_stage(stage);
    r.set_force(force);
    r.set_reason("review 12");
    return scheduler_->PromoteModel(r, may_force ? "admin" : "bob", may_force);
  }
};

TEST_F(ModelRegistryTest, VersionsAreNumberedPerNameAndOnlyFinishedRunsWithAModelRegister) {
  const int64_t a = FinishedRun(std::nullopt), b = FinishedRun(std::nullopt);
  auto v1 = Register(a, "melanoma-screen");
  ASSERT_TRUE(v1.ok()) << v1.status().ToString();
  EXPECT_EQ(v1->version(), 1);
  EXPECT_EQ(v1->stage(), "none");
  EXPECT_EQ(v1->registered_by(), "alice");
  EXPECT_EQ(Register(b, "melanoma-screen")->version(), 2);
  EXPECT_EQ(Register(a, "other")->version(), 1);
  EXPECT_EQ(Register(999, "melanoma-screen").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(Register(a, "bad name!").status().message(),
            "name: must be 1-100 characters of letters, digits, '.', '_' and '-'");
  Submit(TrainSpec("queued", 1));
  const auto queued = scheduler_->reads().ListRuns([] { return derm::v1::ListRunsRequest(); }());
  ASSERT_TRUE(queued.ok());
  const int64_t unfinished = queued->runs(0).run_id();
  const auto refused = Register(unfinished, "melanoma-screen");
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(refused.status().message(),
            "run " + std::to_string(unfinished) +
                " is QUEUED without a model: only a SUCCEEDED training run's model "
                "can be registered");
  auto all = scheduler_->ListModelVersions({});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->versions_size(), 3);
}

TEST_F(ModelRegistryTest, ProductionNeedsEveryGatePassedUnlessAnAdminForcesItRecorded) {
  ASSERT_TRUE(Register(FinishedRun(std::nullopt), "melanoma-screen").ok());  // v1: no gates
  ASSERT_TRUE(Register(FinishedRun(0.05), "melanoma-screen").ok());          // v2: ECE 0.1 > 0.05
  ASSERT_TRUE(Register(FinishedRun(0.2), "melanoma-screen").ok());           // v3: passed

  auto refused = Promote(1, "production");
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find("has no gates: production needs every gate passed"),
            std::string::npos)
      << refused.status().message();
  refused = Promote(2, "production");
  EXPECT_NE(refused.status().message().find("passed 0 of its 1 gates"), std::string::npos);
  EXPECT_EQ(Promote(2, "production", /*force=*/true).status().code(), StatusCode::kPermissionDenied);
  EXPECT_TRUE(Promote(2, "staging").ok()) << "staging needs no gates";

  auto v3 = Promote(3, "production");
  ASSERT_TRUE(v3.ok()) << v3.status().ToString();
  EXPECT_EQ(v3->stage(), "production");
  EXPECT_EQ(v3->gates_passed(), 1);
  ASSERT_EQ(v3->history_size(), 1);
  EXPECT_FALSE(v3->history(0).forced());
  EXPECT_EQ(v3->history(0).changed_by(), "bob");
  EXPECT_EQ(v3->history(0).reason(), "review 12");

  // An admin forces v2: v3 is archived, both changes recorded.
  auto v2 = Promote(2, "production", true, /*may_force=*/true);
  ASSERT_TRUE(v2.ok()) << v2.status().ToString();
  ASSERT_EQ(v2->history_size(), 2);
  EXPECT_EQ(v2->history(1).from_stage(), "staging");
  EXPECT_TRUE(v2->history(1).forced());
  EXPECT_EQ(v2->history(1).changed_by(), "admin");
  derm::v1::ListModelVersionsRequest list;
  list.set_name("melanoma-screen");
  auto versions = scheduler_->ListModelVersions(list);
  ASSERT_TRUE(versions.ok());
  EXPECT_EQ(versions->versions(2).stage(), "archived");
  EXPECT_EQ(versions->versions(2).history(1).reason(), "replaced by version 2");
  EXPECT_EQ(Promote(2, "production").status().code(), StatusCode::kFailedPrecondition) << "already there";
  EXPECT_EQ(Promote(2, "live").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Promote(9, "staging").status().code(), StatusCode::kNotFound);
}

TEST_F(ModelRegistryTest, AnInferenceSpecNamingAStageGetsThatVersionsRunRecorded) {
  const int64_t run = FinishedRun(0.2);
  ASSERT_TRUE(Register(run, "melanoma-screen").ok());
  derm::v1::JobSpec infer;
  infer.set_kind("infer");
  infer.mutable_model()->set_name("melanoma-screen");
  infer.mutable_model()->set_stage("production");
  infer.mutable_input()->add_paths("/data/a.jpg");
  const auto none = scheduler_->Submit(infer, "", "tester");
  EXPECT_EQ(none.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(none.status().message(), "model melanoma-screen has no version in production");
  ASSERT_TRUE(Promote(1, "production").ok());
  auto job = scheduler_->Submit(infer, "", "tester");
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  EXPECT_EQ(job->job().spec().model().run_id(), run);
  EXPECT_EQ(job->job().spec().model().version(), 1);
  EXPECT_EQ(job->job().spec().model().stage(), "production");
  // A retry uses the recorded version, whatever production holds by then.
  infer.mutable_model()->set_version(1);
  infer.mutable_model()->set_run_id(run + 100);
  EXPECT_EQ(scheduler_->Submit(infer, "", "tester").status().code(), StatusCode::kInvalidArgument)
      << "a run id that is not the version's";
  infer.mutable_model()->clear_stage();
  infer.mutable_model()->clear_version();
  infer.mutable_model()->clear_run_id();
  EXPECT_EQ(scheduler_->Submit(infer, "", "tester").status().code(), StatusCode::kInvalidArgument)
      << "a name needs a version or a stage";
}

}  // namespace
}  // namespace derm::scheduler
