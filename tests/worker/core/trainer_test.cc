#include "worker/core/trainer.h"

#include <gtest/gtest.h>

#include "tests/testing/fp32_tolerance.h"

namespace derm::core {
namespace {

using derm::testing::SameUpToRounding;

// Three classes of 32x32 images: reddish, greenish and bluish, with noise.
ImageSet Colours(int per_class, uint64_t seed) {
  ImageSet set;
  set.height = set.width = 32;
  Rng rng(seed);
  for (int i = 0; i < per_class * 3; ++i) {
    const int label = i % 3;
    set.labels.push_back(label);
    set.paths.push_back("img" + std::to_string(i));
    for (int p = 0; p < 32 * 32; ++p) {
      for (int c = 0; c < 3; ++c) {
        const double base = c == label ? 170 : 70;
        set.pixels.push_back(static_cast<uint8_t>(std::clamp(base + 40 * rng.Normal(), 0.0, 255.0)));
      }
    }
  }
  return set;
}

class TrainerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    net_ = new ResNet50(ResNet50::Create(ResNet50::RandomWeights(1), at::kCPU).value());
  }
  static void TearDownTestSuite() { delete net_; }

  TrainConfig Config() const {
    TrainConfig c;
    c.epochs = 3;
    c.batch_size = 8;
    c.standardize = true;
    c.backbone_batch = 16;
    c.seed = 11;
    return c;
  }
  std::vector<EpochResult> Train(const TrainConfig& c, const std::string& resume = "") {
    std::vector<EpochResult> epochs;
    TrainHooks hooks;
    hooks.on_epoch = [&](const EpochResult& r) {
      epochs.push_back(r);
      return AfterEpoch::kContinue;
    };
    auto outcome = Trainer(*net_, c, 3).Run(train_, val_, nullptr, resume, hooks);
    EXPECT_TRUE(outcome.ok()) << outcome.status().ToString();
    return epochs;
  }

  static ResNet50* net_;
  ImageSet train_ = Colours(10, 1), val_ = Colours(4, 2);
};
ResNet50* TrainerTest::net_ = nullptr;

TEST_F(TrainerTest, LearnsAndReportsEveryEpoch) {
  auto epochs = Train(Config());
  ASSERT_EQ(epochs.size(), 3u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(epochs[i].epoch, i + 1);
  const SplitEval& v = epochs.back().validation;
  EXPECT_GT(v.accuracy, 0.6);
  int64_t total = 0;
  for (int64_t c : v.confusion) total += c;
  EXPECT_EQ(total, val_.size());
  EXPECT_EQ(v.predicted.size(), static_cast<size_t>(val_.size()));
  EXPECT_GT(epochs.back().images_per_second, 0);
}

TEST_F(TrainerTest, SameSeedSameMetricsAndResumeMatchesUninterrupted) {
  auto full = Train(Config());
  auto again = Train(Config());
  ASSERT_EQ(full.size(), again.size());
  for (size_t i = 0; i < full.size(); ++i) {
    EXPECT_EQ(full[i].loss, again[i].loss);
    EXPECT_EQ(full[i].validation.loss, again[i].validation.loss);
  }
  auto resumed = Train(Config(), full[0].checkpoint);
  ASSERT_EQ(resumed.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(resumed[i].epoch, full[i + 1].epoch);
    EXPECT_EQ(resumed[i].loss, full[i + 1].loss);
    EXPECT_EQ(resumed[i].accuracy, full[i + 1].accuracy);
    EXPECT_EQ(resumed[i].validation.loss, full[i + 1].validation.loss);
    EXPECT_EQ(resumed[i].validation.confusion, full[i + 1].validation.confusion);
  }
}

// Chunking changes only the order of the backbone's sums (tests/testing/fp32_tolerance.h); a
// chunking bug (an image dropped, repeated or given another's label) moves the losses by far
// more: dropping one training image of 30 moves the training loss by 20-40 %, checked below.
TEST_F(TrainerTest, BackboneChunkSizeDoesNotChangeTheMaths) {
  TrainConfig tiny = Config(), small = Config(), large = Config();
  tiny.backbone_batch = 3;  // smaller than the head's batch of 8: several passes per step
  small.backbone_batch = 8;
  large.backbone_batch = 32;
  auto a = Train(small), b = Train(large), c = Train(tiny);
  ASSERT_EQ(a.size(), b.size());
  ASSERT_EQ(c.size(), b.size());
  for (size_t i = 0; i < b.size(); ++i) {
    EXPECT_PRED2(SameUpToRounding, a[i].loss, b[i].loss) << "epoch " << i + 1;
    EXPECT_PRED2(SameUpToRounding, a[i].validation.loss, b[i].validation.loss) << "epoch " << i + 1;
    EXPECT_PRED2(SameUpToRounding, c[i].loss, b[i].loss) << "epoch " << i + 1;
    EXPECT_PRED2(SameUpToRounding, c[i].validation.loss, b[i].validation.loss) << "epoch " << i + 1;
  }

  // The tolerance is tight enough to see one image fewer.
  train_.pixels.erase(train_.pixels.end() - 32 * 32 * 3, train_.pixels.end());
  train_.labels.pop_back();
  train_.paths.pop_back();
  auto fewer = Train(large);
  ASSERT_EQ(fewer.size(), b.size());
  for (size_t i = 0; i < b.size(); ++i) {
    EXPECT_FALSE(SameUpToRounding(fewer[i].loss, b[i].loss)) << "epoch " << i + 1;
  }
}

TEST_F(TrainerTest, ADivergingRunFailsAtOnceNamingTheEpoch) {
  TrainConfig c = Config();
  c.learning_rate = 1e38;  // the first Adam steps move every weight by about 1e38
  int reported = 0;
  TrainHooks hooks;
  hooks.on_epoch = [&](const EpochResult&) {
    ++reported;
    return AfterEpoch::kContinue;
  };
  auto outcome = Trainer(*net_, c, 3).Run(train_, val_, nullptr, "", hooks);
  ASSERT_EQ(outcome.status().code(), StatusCode::kOutOfRange) << outcome.status().ToString();
  EXPECT_NE(outcome.status().message().find(" became "), std::string::npos) << outcome.status().message();
  EXPECT_NE(outcome.status().message().find(" at epoch " + std::to_string(reported + 1) +
                                            ": training diverged (a lower train.learning_rate may help)"),
            std::string::npos)
      << outcome.status().message();
}

TEST_F(TrainerTest, ReportsProgressAfterEveryChunk) {
  std::vector<std::pair<int32_t, int64_t>> seen;
  TrainHooks hooks;
  hooks.on_progress = [&](int32_t epoch, int64_t done, int64_t total, double seconds) {
    EXPECT_EQ(total, train_.size());
    EXPECT_GE(seconds, 0);
    seen.push_back({epoch, done});
  };
  ASSERT_TRUE(Trainer(*net_, Config(), 3).Run(train_, val_, nullptr, "", hooks).ok());
  // 30 images in chunks of 16: 16, 30 per epoch, for 3 epochs.
  EXPECT_EQ(seen,
            (std::vector<std::pair<int32_t, int64_t>>{{1, 16}, {1, 30}, {2, 16}, {2, 30}, {3, 16}, {3, 30}}));
}

TEST_F(TrainerTest, StopsWithinABatchWhenAsked) {
  int polls = 0;
  TrainHooks hooks;
  hooks.should_stop = [&] { return ++polls > 1; };
  auto outcome = Trainer(*net_, Config(), 3).Run(train_, val_, nullptr, "", hooks);
  EXPECT_EQ(outcome.status().code(), StatusCode::kCancelled);
  EXPECT_EQ(polls, 2);
}

TEST_F(TrainerTest, RejectsEmptySplitsAndForeignCheckpoints) {
  ImageSet empty;
  empty.height = empty.width = 32;
  EXPECT_EQ(Trainer(*net_, Config(), 3).Run(empty, val_, nullptr, "", {}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(Trainer(*net_, Config(), 3).Run(train_, val_, nullptr, "garbage", {}).status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace derm::core
