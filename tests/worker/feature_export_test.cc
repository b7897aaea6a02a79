#include "worker/feature_export.h"

#include <gtest/gtest.h>

#include <sstream>

#include "tests/testing/temp_dir.h"
#include "tests/testing/tiny_dataset.h"
#include "worker/core/head.h"

namespace derm::worker {
namespace {

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::stringstream ss(text);
  for (std::string l; std::getline(ss, l);) lines.push_back(l);
  return lines;
}

size_t Fields(const std::string& line) { return std::count(line.begin(), line.end(), ',') + 1; }

class FeatureExportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(
        testing::WriteTinyDataset(dir_.path(), /*classes=*/2, /*train=*/2, /*test=*/0, /*size=*/32).ok());
    testing::WriteFile(dir_.Join("Train/readme.txt"), "not an image");
    options_.images = dir_.Join("Train");
    options_.out = dir_.Join("features.csv");
    options_.height = options_.width = 32;
  }
  testing::TempDir dir_;
  FeatureExportOptions options_;
};

TEST_F(FeatureExportTest, WritesOneRowOfFeaturesPerImage) {
  int64_t n = 0;
  ASSERT_TRUE(ExportFeatures(options_, &n).ok());
  EXPECT_EQ(n, 4);
  auto lines = Lines(testing::ReadFile(options_.out));
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[0].substr(0, 12), "path,f0,f1,f");
  EXPECT_EQ(Fields(lines[1]), 1u + 2048u);
  EXPECT_NE(lines[1].find("actinic keratosis/img_00000.jpg"), std::string::npos);
}

TEST_F(FeatureExportTest, AddsPredictionsWithATrainedHead) {
  core::HeadConfig hc;
  hc.classes = 2;
  Rng rng(1);
  core::DenseHead head(hc, rng, at::kCPU);
  testing::WriteFile(dir_.Join("head.bin"), head.Serialize(3));
  options_.head = dir_.Join("head.bin");
  options_.class_names = {"actinic keratosis", "basal cell carcinoma"};
  ASSERT_TRUE(ExportFeatures(options_).ok());
  auto lines = Lines(testing::ReadFile(options_.out));
  EXPECT_EQ(lines[0].rfind("path,predicted,probability,p_actinic keratosis,p_basal cell carcinoma,f0,f1,", 0),
            0u)
      << lines[0].substr(0, 100);
  EXPECT_EQ(Fields(lines[1]), 5u + 2048u);

  options_.class_names = {"a", "b", "c"};
  EXPECT_NE(ExportFeatures(options_).message().find("2 classes"), std::string::npos);
  options_.head = dir_.Join("missing.bin");
  EXPECT_EQ(ExportFeatures(options_).code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace derm::worker
