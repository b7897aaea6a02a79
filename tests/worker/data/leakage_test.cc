#include "worker/data/leakage.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "tests/testing/temp_dir.h"
#include "worker/data/dataset.h"
#include "worker/data/demo_image.h"

namespace derm::data {
namespace {

namespace fs = std::filesystem;

// The perceptual hash of `bgr` as the worker computes it: JPEG-decoded, resized to 64 x 64 RGB.
PerceptualHash Hash(const cv::Mat& bgr, int quality = 92) {
  std::vector<uint8_t> jpeg;
  cv::imencode(".jpg", bgr, jpeg, {cv::IMWRITE_JPEG_QUALITY, quality});
  cv::Mat decoded = cv::imdecode(jpeg, cv::IMREAD_COLOR), rgb, small;
  cv::cvtColor(decoded, rgb, cv::COLOR_BGR2RGB);
  cv::resize(rgb, small, cv::Size(64, 64), 0, 0, cv::INTER_LINEAR);
  return HashImage(small.data, 64, 64);
}

cv::Mat Lesion(int i, int size = 128) {
  Rng rng = Rng::Stream(99, static_cast<uint64_t>(i));
  return DrawDemoImage(i % 9, size, rng);
}

// The copies a leaked dataset holds: resized, re-encoded, shifted, lighter, mirrored, flipped.
std::vector<cv::Mat> Copies(const cv::Mat& img) {
  std::vector<cv::Mat> out;
  cv::Mat m;
  cv::resize(img, m, cv::Size(), 0.75, 0.75, cv::INTER_AREA);
  out.push_back(m);
  const cv::Mat shift = (cv::Mat_<double>(2, 3) << 1, 0, 0.03 * img.cols, 0, 1, -0.03 * img.rows);
  cv::warpAffine(img, m, shift, img.size(), cv::INTER_LINEAR, cv::BORDER_REFLECT_101);
  out.push_back(m.clone());
  img.convertTo(m, -1, 1.0, 12);
  out.push_back(m.clone());
  cv::flip(img, m, 1);
  out.push_back(m.clone());
  cv::flip(img, m, 0);
  out.push_back(m.clone());
  cv::flip(img, m, -1);
  out.push_back(m.clone());
  return out;
}

// A pair is a near-duplicate when both its hash distance and its picture distance are small.
bool Near(const PerceptualHash& a, const PerceptualHash& b) {
  return HashDistance(a, b) <= kCandidateBits && PictureDistance(a, b) <= kMaxPictureDistance;
}

TEST(PerceptualHashTest, CopiesAreNearAndDistinctDemoLesionsAreNot) {
  constexpr int kLesions = 270;  // 30 of each demo class
  std::vector<PerceptualHash> distinct;
  int worst_bits = 0, missed = 0;
  double worst_picture = 0;
  for (int i = 0; i < kLesions; ++i) {
    const cv::Mat img = Lesion(i);
    const PerceptualHash h = Hash(img);
    distinct.push_back(h);
    std::vector<PerceptualHash> copies = {Hash(img, 60)};  // re-encoded
    for (const cv::Mat& copy : Copies(img)) copies.push_back(Hash(copy));
    for (const auto& c : copies) {
      worst_bits = std::max(worst_bits, HashDistance(h, c));
      worst_picture = std::max(worst_picture, PictureDistance(h, c));
      missed += !Near(h, c);
    }
  }
  int64_t candidates = 0, near = 0;
  double closest = 2;
  for (size_t a = 0; a < distinct.size(); ++a) {
    for (size_t b = a + 1; b < distinct.size(); ++b) {
      if (HashDistance(distinct[a], distinct[b]) > kCandidateBits) continue;
      ++candidates;
      closest = std::min(closest, PictureDistance(distinct[a], distinct[b]));
      near += Near(distinct[a], distinct[b]);
    }
  }
  // The figures docs/data.md quotes.
  std::cout << "copies: at most " << worst_bits << " bits and picture distance " << worst_picture << "; "
            << kLesions * (kLesions - 1) / 2 << " pairs of distinct lesions: " << candidates
            << " candidates, the closest at picture distance " << closest << ", " << near << " near\n";
  EXPECT_EQ(missed, 0);
  EXPECT_EQ(near, 0) << "false positives among distinct lesions";
}

TEST(PerceptualHashTest, AnUnknownHashIsNeverNear) {
  const PerceptualHash unknown;
  const PerceptualHash h = Hash(Lesion(1));
  EXPECT_EQ(HashDistance(unknown, h), 65);
  EXPECT_EQ(PictureDistance(h, unknown), 2);
  EXPECT_EQ(HashDistance(h, h), 0);
  EXPECT_NEAR(PictureDistance(h, h), 0, 1e-4);  // float32 correlation
}

// A dataset with planted duplicates: Train/ holds 24 distinct lesions; Test/ holds a byte-for-byte
// copy of one, a resized, a shifted and a flipped copy of three others, and 8 lesions of its own.
TEST(LeakageTest, FindsPlantedDuplicatesAcrossSplitsAndNothingElse) {
  testing::TempDir dir;
  const auto write = [&](const std::string& rel, const cv::Mat& img) {
    fs::create_directories(fs::path(dir.Join(rel)).parent_path());
    ASSERT_TRUE(cv::imwrite(dir.Join(rel), img, {cv::IMWRITE_JPEG_QUALITY, 92}));
  };
  for (int i = 0; i < 24; ++i)
    write("Train/c" + std::to_string(i % 2) + "/l" + std::to_string(i) + ".jpg", Lesion(i, 96));
  fs::create_directories(dir.Join("Test/c0"));
  fs::copy_file(dir.Join("Train/c0/l0.jpg"), dir.Join("Test/c0/exact.jpg"));
  const std::vector<cv::Mat> c1 = Copies(Lesion(1, 96)), c2 = Copies(Lesion(2, 96)),
                             c3 = Copies(Lesion(3, 96));
  write("Test/c1/resized.jpg", c1[0]);
  write("Test/c0/shifted.jpg", c2[1]);
  write("Test/c1/flipped.jpg", c3[3]);
  for (int i = 100; i < 108; ++i)
    write("Test/c" + std::to_string(i % 2) + "/new" + std::to_string(i) + ".jpg", Lesion(i, 96));
  DatasetOptions o;
  o.train_dir = dir.Join("Train");
  o.test_dir = dir.Join("Test");
  o.height = o.width = 64;
  o.validation_split = 0.25;
  auto ds = LoadDataset(o);
  ASSERT_TRUE(ds.ok()) << ds.status().message();
  const Leakage leak = FindLeakage(*ds);
  EXPECT_EQ(leak.exact, 1);
  EXPECT_EQ(leak.near, 3);
  std::map<std::string, std::string> twin;  // test file -> its training (or validation) twin
  for (const auto& p : leak.pairs) {
    EXPECT_EQ(p.split_b, 2);
    twin[fs::path(p.path_b).filename().string()] = fs::path(p.path_a).filename().string();
    EXPECT_EQ(p.exact, p.distance == 0);
  }
  EXPECT_EQ(twin, (std::map<std::string, std::string>{{"exact.jpg", "l0.jpg"},
                                                      {"resized.jpg", "l1.jpg"},
                                                      {"shifted.jpg", "l2.jpg"},
                                                      {"flipped.jpg", "l3.jpg"}}));
  EXPECT_EQ(leak.pairs.front().path_b, dir.Join("Test/c0/exact.jpg"));  // exact pairs first
}

}  // namespace
}  // namespace derm::data
