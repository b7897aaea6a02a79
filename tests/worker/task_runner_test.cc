#include "worker/task_runner.h"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <opencv2/imgcodecs.hpp>

#include "common/crypto/sha256.h"
#include "tests/testing/fp32_tolerance.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/tiny_dataset.h"
#include "tests/worker/fake_reporter.h"
#include "worker/core/safetensors.h"
#include "worker/data/thumbnail.h"

namespace derm::worker {
namespace {

class TaskRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(
        testing::WriteTinyDataset(dir_.path(), /*classes=*/2, /*train=*/6, /*test=*/2, /*size=*/32).ok());
  }
  derm::v1::Task Task() const {
    derm::v1::Task t;
    auto* s = t.mutable_spec();
    s->mutable_data()->set_train_dir(dir_.Join("Train"));
    s->mutable_data()->set_test_dir(dir_.Join("Test"));
    s->mutable_data()->add_image_size(32);
    s->mutable_data()->add_image_size(32);
    s->mutable_train()->set_epochs(2);
    s->mutable_train()->set_batch_size(4);
    return t;
  }
  testing::TempDir dir_;
  FakeReporter reporter_;
  TaskRunner runner_{RunnerOptions{}};
};

TEST_F(TaskRunnerTest, TrainsAndReportsFactsEpochsAndPredictions) {
  TaskOutcome out = runner_.Run(Task(), &reporter_);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  ASSERT_EQ(reporter_.facts.size(), 1u);
  const auto& f = reporter_.facts[0];
  EXPECT_EQ(f.class_names_size(), 2);
  EXPECT_EQ(f.train_images() + f.validation_images(), 12);
  EXPECT_EQ(f.test_images(), 4);
  EXPECT_EQ(f.weights(), "random(seed=123)");
  EXPECT_TRUE(f.standardize_features());
  ASSERT_EQ(reporter_.epochs.size(), 2u);
  EXPECT_EQ(reporter_.epochs[1].epoch(), 2);
  EXPECT_FALSE(reporter_.checkpoints[1].empty());
  EXPECT_EQ(reporter_.epochs[1].validation().confusion().counts_size(), 4);
  EXPECT_TRUE(out.result.has_test());
  EXPECT_EQ(out.result.predictions_size(), f.validation_images() + f.test_images());
}

TEST_F(TaskRunnerTest, StoresASmallJpegThumbnailWithEachPredictionUnlessTurnedOff) {
  derm::v1::Task task = Task();
  task.mutable_spec()->mutable_train()->set_epochs(1);
  task.mutable_spec()->mutable_train()->set_thumbnails(true);
  TaskOutcome out = runner_.Run(task, &reporter_);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  ASSERT_GT(out.result.predictions_size(), 0);
  for (const auto& p : out.result.predictions()) {
    const std::string& jpeg = p.thumbnail();
    ASSERT_EQ(jpeg.substr(0, 2), "\xFF\xD8") << p.path();
    const cv::Mat image = cv::imdecode(std::vector<uint8_t>(jpeg.begin(), jpeg.end()), cv::IMREAD_COLOR);
    ASSERT_FALSE(image.empty()) << p.path();
    EXPECT_EQ(image.rows, 32) << "32-px images are not enlarged";
    EXPECT_EQ(image.cols, 32);
  }
  task.mutable_spec()->mutable_train()->set_thumbnails(false);
  FakeReporter off_by_spec;
  out = runner_.Run(task, &off_by_spec);
  ASSERT_TRUE(out.status.ok());
  for (const auto& p : out.result.predictions()) EXPECT_TRUE(p.thumbnail().empty());
  task.mutable_spec()->mutable_train()->set_thumbnails(true);
  RunnerOptions no_thumbnails;
  no_thumbnails.thumbnails = false;  // derm-worker --no-thumbnails
  TaskRunner runner(no_thumbnails);
  FakeReporter off_by_worker;
  out = runner.Run(task, &off_by_worker);
  ASSERT_TRUE(out.status.ok());
  for (const auto& p : out.result.predictions()) EXPECT_TRUE(p.thumbnail().empty());
}

TEST(ThumbnailTest, TheLongerSideIsAtMost64PixelsAndTheAspectIsKept) {
  core::ImageSet set;
  set.height = 120;
  set.width = 200;
  set.pixels.assign(static_cast<size_t>(set.image_bytes()), 128);
  set.labels = {0};
  set.paths = {"x.jpg"};
  const std::string jpeg = data::JpegThumbnail(set, 0, 64);
  const cv::Mat image = cv::imdecode(std::vector<uint8_t>(jpeg.begin(), jpeg.end()), cv::IMREAD_COLOR);
  ASSERT_FALSE(image.empty());
  EXPECT_EQ(image.cols, 64);
  EXPECT_EQ(image.rows, 38);  // 120 * 64 / 200 = 38.4
  EXPECT_EQ(data::JpegThumbnail(set, 1, 64), "") << "no such image";
}

TEST_F(TaskRunnerTest, ResumesFromACheckpoint) {
  ASSERT_TRUE(runner_.Run(Task(), &reporter_).status.ok());
  FakeReporter second;
  auto task = Task();
  task.set_resume_epoch(1);
  task.set_resume_checkpoint(reporter_.checkpoints[0]);
  ASSERT_TRUE(runner_.Run(task, &second).status.ok());
  ASSERT_EQ(second.epochs.size(), 1u);
  EXPECT_EQ(second.epochs[0].epoch(), 2);
  EXPECT_EQ(second.epochs[0].loss(), reporter_.epochs[1].loss());
  EXPECT_EQ(second.epochs[0].validation().loss(), reporter_.epochs[1].validation().loss());
}

// The validation accuracy of an outcome's validation predictions.
double PredictedValidationAccuracy(const derm::v1::RunResult& r) {
  int n = 0, right = 0;
  for (const auto& p : r.predictions()) {
    if (p.split() != "validation") continue;
    ++n;
    right += p.true_class() == p.predicted_class();
  }
  return n ? static_cast<double>(right) / n : -1;
}

TEST_F(TaskRunnerTest, StopsWhenTheSchedulerSaysAndExportsTheBestEpochsModel) {
  auto task = Task();
  task.mutable_spec()->mutable_train()->set_epochs(4);
  task.mutable_spec()->mutable_train()->mutable_early_stopping()->set_metric("val_loss");
  task.mutable_spec()->mutable_train()->mutable_early_stopping()->set_patience(1);
  reporter_.verdict = [](int32_t epoch) {  // epoch 1 stays the best; stop after epoch 2
    derm::v1::ReportEpochResponse v;
    v.set_best_epoch(1);
    v.set_stop(epoch == 2);
    return v;
  };
  TaskOutcome out = runner_.Run(task, &reporter_);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  ASSERT_EQ(reporter_.epochs.size(), 2u) << "no epoch after the stop";
  EXPECT_EQ(out.result.model_epoch(), 1);
  EXPECT_TRUE(out.result.has_test());
  EXPECT_EQ(PredictedValidationAccuracy(out.result), reporter_.epochs[0].validation().accuracy())
      << "the predictions are the best epoch's";

  // The model is exactly the one a one-epoch run exports (same seed and device).
  auto one = Task();
  one.mutable_spec()->mutable_train()->set_epochs(1);
  FakeReporter plain;
  TaskOutcome reference = runner_.Run(one, &plain);
  ASSERT_TRUE(reference.status.ok());
  EXPECT_EQ(reference.result.model_epoch(), 1);
  EXPECT_EQ(out.result.model(), reference.result.model());
  EXPECT_EQ(out.result.test().loss(), reference.result.test().loss());
}

TEST_F(TaskRunnerTest, AnAttemptStoppedEarlierTrainsNoFurtherAndKeepsTheBestCheckpointsModel) {
  auto task = Task();
  task.mutable_spec()->mutable_train()->set_epochs(2);
  ASSERT_TRUE(runner_.Run(task, &reporter_).status.ok());
  task.mutable_spec()->mutable_train()->set_epochs(5);
  task.mutable_spec()->mutable_train()->mutable_early_stopping()->set_metric("val_accuracy");
  task.mutable_spec()->mutable_train()->mutable_early_stopping()->set_patience(1);
  task.set_resume_epoch(2);
  task.set_resume_checkpoint(reporter_.checkpoints[1]);
  task.set_stop_epoch(2);
  task.set_best_epoch(1);
  task.set_best_checkpoint(reporter_.checkpoints[0]);
  FakeReporter second;
  TaskOutcome out = runner_.Run(task, &second);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_TRUE(second.epochs.empty());
  EXPECT_EQ(out.result.model_epoch(), 1);
  EXPECT_EQ(PredictedValidationAccuracy(out.result), reporter_.epochs[0].validation().accuracy());
}

TEST_F(TaskRunnerTest, TheSpecsOperatingPointsReplaceTheDefaultsAndGatesAddTheirsOnTest) {
  auto task = Task();
  task.mutable_spec()->mutable_train()->set_epochs(1);
  task.mutable_spec()->mutable_evaluation()->add_specificities(0.85);
  task.mutable_spec()->mutable_evaluation()->add_sensitivities(0.7);
  task.mutable_spec()->mutable_evaluation()->add_sensitivities(0.99);
  auto* gate = task.mutable_spec()->add_gates();
  gate->set_metric("sensitivity");
  gate->set_class_("a");
  gate->set_at_specificity(0.5);
  gate->set_min(0);
  TaskOutcome out = runner_.Run(task, &reporter_);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  const auto& validation = reporter_.epochs[0].validation().evaluation().per_class(0);
  ASSERT_EQ(validation.at_specificity_size(), 1);
  EXPECT_EQ(validation.at_specificity(0).target(), 0.85);
  ASSERT_EQ(validation.at_sensitivity_size(), 2);
  EXPECT_EQ(validation.at_sensitivity(1).target(), 0.99);
  const auto& test = out.result.test().evaluation().per_class(0);
  ASSERT_EQ(test.at_specificity_size(), 2) << "the gate's operating point too";
  EXPECT_EQ(test.at_specificity(1).target(), 0.5);
}

TEST_F(TaskRunnerTest, UsesTheTasksBackboneBatchAndRecordsIt) {
  auto task = Task();
  task.mutable_spec()->mutable_train()->set_epochs(1);
  ASSERT_TRUE(runner_.Run(task, &reporter_).status.ok());
  EXPECT_EQ(reporter_.facts[0].backbone_batch(), 256) << "BackboneBatch()'s choice for 32-px images on a CPU";
  task.set_backbone_batch(3);
  FakeReporter halved;
  TaskOutcome out = runner_.Run(task, &halved);
  ASSERT_TRUE(out.status.ok());
  EXPECT_EQ(halved.facts[0].backbone_batch(), 3);
  // Identical maths up to fp32 rounding: the backbone's kernels sum in another order per batch size.
  EXPECT_PRED2(testing::SameUpToRounding, halved.epochs[0].loss(), reporter_.epochs[0].loss());
}

TEST_F(TaskRunnerTest, ADatasetAboveTheCacheBudgetTrainsExactlyAsInRam) {
  ASSERT_TRUE(runner_.Run(Task(), &reporter_).status.ok());
  RunnerOptions streaming;
  streaming.cache_dir = dir_.Join("cache");
  streaming.cache_budget = 1024;  // bytes: far below the dataset
  TaskRunner runner(streaming);
  FakeReporter streamed;
  TaskOutcome out = runner.Run(Task(), &streamed);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  ASSERT_EQ(streamed.epochs.size(), reporter_.epochs.size());
  for (size_t e = 0; e < streamed.epochs.size(); ++e) {
    EXPECT_EQ(streamed.epochs[e].loss(), reporter_.epochs[e].loss());
    EXPECT_EQ(streamed.epochs[e].validation().loss(), reporter_.epochs[e].validation().loss());
  }
  EXPECT_EQ(streamed.facts[0].dataset_fingerprint(), reporter_.facts[0].dataset_fingerprint());
}

TEST_F(TaskRunnerTest, MissingDataFailsWithoutRetryAndNamesTheFolder) {
  auto task = Task();
  task.mutable_spec()->mutable_data()->set_train_dir(dir_.Join("missing"));
  TaskOutcome out = runner_.Run(task, &reporter_);
  EXPECT_EQ(out.status.code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(out.retryable);
  EXPECT_NE(out.status.message().find(dir_.Join("missing")), std::string::npos);
  EXPECT_TRUE(reporter_.facts.empty());
}

TEST_F(TaskRunnerTest, PathsOutsideTheDataRootsOrNotRegularFilesFailWithoutRetry) {
  RunnerOptions o;
  o.roots = data::DataRoots::Create({dir_.Join("Train")}).value();
  TaskRunner confined(o);
  TaskOutcome out = confined.Run(Task(), &reporter_);  // Test/ is outside the one root
  EXPECT_EQ(out.status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(out.status.message(), "data.test_dir " + dir_.Join("Test") +
                                      " is outside the worker's data roots (derm-worker --data-root)");
  EXPECT_FALSE(out.retryable);
  derm::v1::Task t = Task();
  t.mutable_spec()->mutable_data()->set_train_dir("/proc");
  EXPECT_EQ(confined.Run(t, &reporter_).status.code(), StatusCode::kInvalidArgument);
  t = Task();
  t.mutable_spec()->mutable_model()->set_weights("/dev/zero");
  out = runner_.Run(t, &reporter_);  // no roots: any path, but only a regular file
  EXPECT_EQ(out.status.message(), "model.weights /dev/zero is not a regular file");
  EXPECT_FALSE(out.retryable);
  EXPECT_TRUE(reporter_.epochs.empty());
}

TEST_F(TaskRunnerTest, AWeightsFileFarLargerThanWeightsIsNotRead) {
  const std::string huge = dir_.Join("huge.safetensors");
  testing::WriteFile(huge, "");
  std::filesystem::resize_file(huge, uintmax_t{3} << 30);  // sparse: no disk used
  derm::v1::Task t = Task();
  t.mutable_spec()->mutable_model()->set_weights(huge);
  TaskOutcome out = runner_.Run(t, &reporter_);
  EXPECT_EQ(out.status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(out.status.message(),
            "model.weights " + huge + " is 3221225472 bytes; weights files are at most 2 GiB");
  EXPECT_FALSE(out.retryable);
}

// Runs in a child process (a death test's re-run) whose address space is capped at what it uses
// plus 768 MiB: the random weights and the data fit, a 1024 x 1024 backbone pass of 8 images does
// not, so the attempt fails as out of memory, naming the batch. Exits 0 when the outcome says so.
// The cap has room both ways: on the 2-core Xeon VM every cap from +384 MiB to +1.5 GiB failed in
// the backbone, and +3 GiB trained.
void RunOutOfMemory(const derm::v1::Task& task) {
  RunnerOptions options;
  options.threads = 1;
  options.decode_threads = 1;
  TaskRunner runner(options);
  FakeReporter reporter;
  struct rlimit cap;
  getrlimit(RLIMIT_AS, &cap);
  std::ifstream status("/proc/self/status");
  std::string line;
  size_t used_kb = 0;
  while (std::getline(status, line)) {
    if (line.rfind("VmSize:", 0) == 0) used_kb = std::stoul(line.substr(7));
  }
  cap.rlim_cur = (used_kb << 10) + (size_t{768} << 20);
  setrlimit(RLIMIT_AS, &cap);
  TaskOutcome out = runner.Run(task, &reporter);
  std::fprintf(stderr, "outcome: %s, out of memory with %d\n", out.status.ToString().c_str(),
               out.out_of_memory_backbone_batch);
  std::exit(out.out_of_memory_backbone_batch == task.backbone_batch() && out.retryable ? 0 : 1);
}

TEST_F(TaskRunnerTest, AnAttemptThatRunsOutOfMemorySaysSoWithItsBackboneBatch) {
  auto task = Task();
  task.mutable_spec()->mutable_data()->clear_image_size();
  task.mutable_spec()->mutable_data()->add_image_size(1024);
  task.mutable_spec()->mutable_data()->add_image_size(1024);
  task.set_backbone_batch(8);
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(RunOutOfMemory(task), ::testing::ExitedWithCode(0), "out of memory with 8");
}

TEST_F(TaskRunnerTest, CancellationAndFencedReportsStopTheTask) {
  reporter_.cancel = true;
  EXPECT_EQ(runner_.Run(Task(), &reporter_).status.code(), StatusCode::kCancelled);
  FakeReporter fenced;
  fenced.epoch_status = FailedPrecondition("attempt 1 is not running");
  TaskOutcome out = runner_.Run(Task(), &fenced);
  EXPECT_EQ(out.status.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(fenced.epochs.size(), 1u) << "no training after the scheduler refused a report";
}

TEST_F(TaskRunnerTest, LoadsSafetensorsWeightsAndRecordsTheirHash) {
  auto bytes = core::SerializeSafetensors(core::ResNet50::RandomWeights(5));
  ASSERT_TRUE(bytes.ok());
  testing::WriteFile(dir_.Join("w.safetensors"), *bytes);
  auto task = Task();
  task.mutable_spec()->mutable_model()->set_weights(dir_.Join("w.safetensors"));
  task.mutable_spec()->mutable_train()->set_epochs(1);
  TaskOutcome out = runner_.Run(task, &reporter_);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  const auto& f = reporter_.facts.at(0);
  EXPECT_EQ(f.weights(), dir_.Join("w.safetensors"));
  EXPECT_EQ(f.weights_sha256(), Sha256Hex(*bytes));
  EXPECT_FALSE(f.standardize_features()) << "pretrained weights keep the tutorial's head";
}

TEST_F(TaskRunnerTest, BadWeightsFilesFailClearly) {
  auto task = Task();
  testing::WriteFile(dir_.Join("bad.safetensors"), "garbage!");
  task.mutable_spec()->mutable_model()->set_weights(dir_.Join("bad.safetensors"));
  TaskOutcome out = runner_.Run(task, &reporter_);
  EXPECT_EQ(out.status.code(), StatusCode::kInvalidArgument) << out.status.ToString();
  EXPECT_FALSE(out.retryable);
  EXPECT_NE(out.status.message().find("bad.safetensors"), std::string::npos);

  core::TensorMap partial = core::ResNet50::RandomWeights(5);
  partial.erase("layer4.2.conv3.weight");
  testing::WriteFile(dir_.Join("partial.safetensors"), core::SerializeSafetensors(partial).value());
  task.mutable_spec()->mutable_model()->set_weights(dir_.Join("partial.safetensors"));
  out = runner_.Run(task, &reporter_);
  EXPECT_NE(out.status.message().find("missing tensor layer4.2.conv3.weight"), std::string::npos)
      << out.status.ToString();

  task.mutable_spec()->mutable_model()->set_weights(dir_.Join("none.safetensors"));
  EXPECT_EQ(runner_.Run(task, &reporter_).status.code(), StatusCode::kNotFound);
  EXPECT_TRUE(reporter_.facts.empty());
}

}  // namespace
}  // namespace derm::worker
