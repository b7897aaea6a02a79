#include "worker/data/demo_data.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "tests/testing/temp_dir.h"

namespace derm::data {
namespace {

namespace fs = std::filesystem;

size_t Count(const fs::path& dir) {
  return static_cast<size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

TEST(DemoDataTest, WritesTheTutorialsClassFoldersDeterministically) {
  testing::TempDir a, b;
  DemoDataOptions o;
  o.train_per_class = 3;
  o.test_per_class = 1;
  o.size = 40;
  o.out_dir = a.path();
  ASSERT_TRUE(WriteDemoData(o).ok());
  o.out_dir = b.path();
  ASSERT_TRUE(WriteDemoData(o).ok());
  EXPECT_EQ(Count(a.Join("Train")), 9u);
  EXPECT_EQ(Count(a.Join("Test")), 9u);
  EXPECT_TRUE(fs::is_directory(a.Join("Train/pigmented benign keratosis")));
  EXPECT_EQ(Count(a.Join("Train/melanoma")), 3u);
  const std::string file = "Train/nevus/img_00002.jpg";
  EXPECT_EQ(testing::ReadFile(a.Join(file)), testing::ReadFile(b.Join(file)));
  EXPECT_NE(testing::ReadFile(a.Join(file)), testing::ReadFile(a.Join("Train/nevus/img_00001.jpg")));
}

TEST(DemoDataTest, RefusesToOverwriteAndBadSizes) {
  testing::TempDir dir;
  DemoDataOptions o;
  o.out_dir = dir.path();
  o.train_per_class = 1;
  o.test_per_class = 0;
  o.classes = 2;
  ASSERT_TRUE(WriteDemoData(o).ok());
  EXPECT_EQ(Count(dir.Join("Train")), 2u);
  EXPECT_FALSE(fs::exists(dir.Join("Test")));
  EXPECT_EQ(WriteDemoData(o).code(), StatusCode::kFailedPrecondition);
  o.out_dir = dir.Join("other");
  o.size = 5;
  EXPECT_EQ(WriteDemoData(o).code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace derm::data
