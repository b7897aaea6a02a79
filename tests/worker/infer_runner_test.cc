// Inference shards on the worker: a model trained by a TaskRunner classifies images exactly as
// the same model computed in-process does; unreadable images are reported with their reason.
#include "worker/infer_runner.h"

#include <ATen/Context.h>
#include <c10/core/InferenceMode.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <numeric>

#include "tests/testing/fp32_tolerance.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/tiny_dataset.h"
#include "tests/worker/fake_reporter.h"
#include "worker/core/feature_extractor.h"
#include "worker/core/safetensors.h"
#include "worker/core/trainer.h"
#include "worker/data/dataset.h"
#include "worker/task_runner.h"

namespace derm::worker {
namespace {

class InferRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(
        testing::WriteTinyDataset(dir_.path(), /*classes=*/3, /*train=*/6, /*test=*/3, /*size=*/32).ok());
    derm::v1::Task train;
    auto* s = train.mutable_spec();
    s->mutable_data()->set_train_dir(dir_.Join("Train"));
    s->mutable_data()->add_image_size(32);
    s->mutable_data()->add_image_size(32);
    s->mutable_train()->set_epochs(2);
    s->mutable_train()->set_batch_size(4);
    train.set_run_id(17);
    TaskOutcome trained = runner_.Run(train, &reporter_);
    ASSERT_TRUE(trained.status.ok()) << trained.status.ToString();
    model_ = trained.result.model();
    ASSERT_FALSE(model_.empty());
  }
  // Every Test image, plus a corrupt one and a missing one.
  derm::v1::Task Shard() {
    testing::WriteFile(dir_.Join("Test/corrupt.jpg"), "not a jpeg");
    derm::v1::Task t;
    t.set_shard(4);
    t.set_model(model_);
    auto* s = t.mutable_spec();
    s->set_kind("infer");
    s->mutable_model()->set_run_id(17);
    s->mutable_input()->set_folder(dir_.Join("Test"));
    s->mutable_infer()->set_top_k(2);
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir_.Join("Test"))) {
      if (e.is_regular_file()) t.add_inputs(e.path().string());
    }
    t.add_inputs(dir_.Join("Test/missing.jpg"));
    return t;
  }

  testing::TempDir dir_;
  FakeReporter reporter_;
  RunnerOptions options_ = [] {
    RunnerOptions o;
    o.backbone_batch = 4;  // several batches per shard: the decode/compute overlap is exercised
    return o;
  }();
  TaskRunner runner_{options_};
  std::string model_;
};

TEST_F(InferRunnerTest, PredictsLikeTheTrainedModelInProcessAndListsUnreadableImages) {
  derm::v1::Task task = Shard();
  task.mutable_spec()->mutable_infer()->set_probabilities(true);
  task.mutable_spec()->mutable_infer()->set_features(true);
  TaskOutcome out = runner_.Run(task, &reporter_);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  const derm::v1::ShardResult& r = out.shard;
  ASSERT_EQ(r.predictions_size(), 9);
  ASSERT_EQ(r.errors_size(), 2);
  for (const auto& e : r.errors()) {
    if (e.path() == dir_.Join("Test/corrupt.jpg")) {
      EXPECT_EQ(e.reason(), "not a decodable image");
    } else {
      EXPECT_EQ(e.path(), dir_.Join("Test/missing.jpg"));
      EXPECT_EQ(e.reason(), "no such file or not readable");
    }
  }
  EXPECT_EQ(r.class_names_size(), 3);
  EXPECT_EQ(r.model_sha256().size(), 64u);

  // The same model, computed here from the model file with the core alone.
  auto loaded = core::LoadModel(model_, at::kCPU);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->info.source_run_id, 17);
  EXPECT_EQ(loaded->info.weights, "random(seed=123)");
  core::BackboneOptions bo;
  bo.channels_last = true;
  auto net = core::ResNet50::Create(core::ResNet50::RandomWeights(loaded->info.backbone_seed), at::kCPU, bo);
  ASSERT_TRUE(net.ok());
  std::vector<std::string> paths;
  for (const auto& p : r.predictions()) paths.push_back(p.path());
  data::DecodedFiles images = data::DecodeFiles(paths, 32, 32, 1);
  ASSERT_EQ(images.images.size(), 9);
  const core::FeatureExtractor features(*net, core::TrainConfig().backbone_batch);
  std::vector<int64_t> idx(9);
  std::iota(idx.begin(), idx.end(), 0);
  c10::InferenceMode guard;
  at::Tensor f = features.Features(images.images, idx);
  at::Tensor probs = loaded->head->Probabilities(loaded->head->Standardize(f)).contiguous();
  for (int i = 0; i < 9; ++i) {
    const auto& p = r.predictions(i);
    EXPECT_EQ(p.sha256(), images.sha256[i]);
    ASSERT_EQ(p.top_classes_size(), 2);
    // Another class only where the two are tied up to rounding.
    EXPECT_NEAR(probs[i][p.top_classes(0)].item<float>(), probs[i].max().item<float>(),
                testing::kProbabilityTolerance)
        << p.path();
    EXPECT_GE(p.top_probabilities(0), p.top_probabilities(1));
    ASSERT_EQ(p.probabilities_size(), 3);
    for (int c = 0; c < 3; ++c) {
      EXPECT_NEAR(p.probabilities(c), probs[i][c].item<float>(), testing::kProbabilityTolerance) << p.path();
    }
    ASSERT_EQ(p.features().size(), 2048 * sizeof(float));
    std::vector<float> features(2048);
    std::memcpy(features.data(), p.features().data(), p.features().size());
    const at::Tensor got = at::from_blob(features.data(), {2048});
    EXPECT_LE((got - f[i]).abs().max().item<float>(),
              testing::kFp32RelTolerance * f[i].abs().max().item<float>())
        << p.path();
  }
}

TEST_F(InferRunnerTest, InputsOutsideTheDataRootsOrNotRegularFilesAreErrorsNotReads) {
  testing::WriteFile(dir_.Join("secret.jpg"), "the host's file");
  RunnerOptions o = options_;
  o.roots = data::DataRoots::Create({dir_.Join("Test")}).value();
  TaskRunner confined(o);
  derm::v1::Task task = Shard();
  task.add_inputs(dir_.Join("secret.jpg"));
  task.add_inputs("/dev/zero");
  TaskOutcome out = confined.Run(task, &reporter_);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_EQ(out.shard.predictions_size(), 9);
  std::map<std::string, std::string> reasons;
  for (const auto& e : out.shard.errors()) reasons[e.path()] = e.reason();
  EXPECT_EQ(
      reasons[dir_.Join("secret.jpg")],
      "input " + dir_.Join("secret.jpg") + " is outside the worker's data roots (derm-worker --data-root)");
  EXPECT_EQ(reasons["/dev/zero"],
            "input /dev/zero is outside the worker's data roots (derm-worker --data-root)");
  EXPECT_EQ(reasons[dir_.Join("Test/missing.jpg")], "no such file or not readable");
  EXPECT_EQ(runner_.Run(task, &reporter_).shard.errors_size(), 4)
      << "without roots /dev/zero is still refused";
}

TEST_F(InferRunnerTest, AModelFileWorksAndABadOneFailsWithoutRetry) {
  derm::v1::Task task = Shard();
  task.clear_model();
  task.mutable_spec()->mutable_model()->clear_run_id();
  testing::WriteFile(dir_.Join("m.dermmodel"), model_);
  task.mutable_spec()->mutable_model()->set_file(dir_.Join("m.dermmodel"));
  TaskOutcome out = runner_.Run(task, &reporter_);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_EQ(out.shard.predictions_size(), 9);
  EXPECT_TRUE(out.shard.predictions(0).features().empty());
  EXPECT_EQ(out.shard.predictions(0).probabilities_size(), 0);

  testing::WriteFile(dir_.Join("m.dermmodel"), model_.substr(0, model_.size() / 2));
  out = runner_.Run(task, &reporter_);
  EXPECT_EQ(out.status.code(), StatusCode::kInvalidArgument) << out.status.ToString();
  EXPECT_NE(out.status.message().find("model file"), std::string::npos);
  EXPECT_FALSE(out.retryable);
}

TEST_F(InferRunnerTest, BackboneWeightsMustBeTheOnesTheModelWasTrainedWith) {
  auto loaded = core::LoadModel(model_, at::kCPU);
  ASSERT_TRUE(loaded.ok());
  testing::WriteFile(dir_.Join("w.safetensors"),
                     core::SerializeSafetensors(core::ResNet50::RandomWeights(5)).value());
  core::ModelInfo info = loaded->info;
  info.weights = "/elsewhere/resnet50.safetensors";
  info.weights_sha256 = std::string(64, '0');
  derm::v1::Task task = Shard();
  task.set_model(core::ExportModel(*loaded->head, info).value());
  TaskOutcome out = runner_.Run(task, &reporter_);
  EXPECT_EQ(out.status.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(out.status.message().find("/elsewhere/resnet50.safetensors"), std::string::npos)
      << out.status.ToString();

  task.mutable_spec()->mutable_model()->set_weights(dir_.Join("w.safetensors"));
  out = runner_.Run(task, &reporter_);
  EXPECT_EQ(out.status.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(out.status.message().find("but the model was trained with weights of SHA-256 000000"),
            std::string::npos)
      << out.status.ToString();
  EXPECT_FALSE(out.retryable);
}

TEST_F(InferRunnerTest, OnCudaPredictsLikeOnTheCpu) {
  if (!at::hasCUDA()) GTEST_SKIP() << "no CUDA device";
  const TaskOutcome cpu = runner_.Run(Shard(), &reporter_);
  ASSERT_TRUE(cpu.status.ok()) << cpu.status.ToString();
  for (bool bf16 : {false, true}) {
    RunnerOptions o;
    o.device = "cuda";
    o.bf16 = bf16;
    TaskRunner cuda_runner(o);
    const TaskOutcome gpu = cuda_runner.Run(Shard(), &reporter_);
    ASSERT_TRUE(gpu.status.ok()) << gpu.status.ToString();
    ASSERT_EQ(gpu.shard.predictions_size(), cpu.shard.predictions_size());
    EXPECT_EQ(gpu.shard.errors_size(), 2);
    int same = 0;
    for (int i = 0; i < cpu.shard.predictions_size(); ++i) {
      const auto &a = cpu.shard.predictions(i), &b = gpu.shard.predictions(i);
      EXPECT_EQ(a.path(), b.path());
      EXPECT_NEAR(a.top_probabilities(0), b.top_probabilities(0), bf16 ? 0.05 : 1e-3) << a.path();
      same += a.top_classes(0) == b.top_classes(0);
    }
    EXPECT_GE(same, cpu.shard.predictions_size() - (bf16 ? 1 : 0)) << "bf16 " << bf16;
  }
}

TEST_F(InferRunnerTest, ACancelledShardStopsBetweenBatches) {
  reporter_.cancel = true;
  TaskOutcome out = runner_.Run(Shard(), &reporter_);
  EXPECT_EQ(out.status.code(), StatusCode::kCancelled);
}

}  // namespace
}  // namespace derm::worker
