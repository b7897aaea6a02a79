#include "worker/data/image_header.h"

#include <gtest/gtest.h>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <string>
#include <vector>

#include "tests/testing/temp_dir.h"
#include "tests/testing/tiny_dataset.h"
#include "worker/data/dataset.h"

namespace derm::data {
namespace {

std::string Encoded(const std::string& ext, int width, int height) {
  std::vector<uchar> out;
  EXPECT_TRUE(cv::imencode(ext, cv::Mat(height, width, CV_8UC3, cv::Scalar(10, 200, 30)), out));
  return std::string(out.begin(), out.end());
}

// The start of a PNG that declares width x height; nothing after its IHDR chunk's fields.
std::string PngHeader(uint32_t width, uint32_t height) {
  std::string b("\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR", 16);
  for (uint32_t v : {width, height}) {
    for (int shift = 24; shift >= 0; shift -= 8) b += static_cast<char>((v >> shift) & 0xFF);
  }
  return b + std::string("\x08\x02\0\0\0", 5);
}

TEST(ImageHeaderTest, ReadsTheDeclaredSizeOfPngJpegAndBmp) {
  for (const std::string ext : {".png", ".jpg", ".bmp"}) {
    const auto size = DeclaredImageSize(Encoded(ext, 37, 21));
    ASSERT_TRUE(size.has_value()) << ext;
    EXPECT_EQ(size->width, 37) << ext;
    EXPECT_EQ(size->height, 21) << ext;
  }
  const auto huge = DeclaredImageSize(PngHeader(20000, 20000));
  ASSERT_TRUE(huge.has_value());
  EXPECT_EQ(huge->width * huge->height, 400000000);
  EXPECT_FALSE(DeclaredImageSize("GIF89a").has_value());
  EXPECT_FALSE(DeclaredImageSize(std::string("\xff\xd8\xff", 3)).has_value()) << "cut short";
}

TEST(ImageHeaderTest, AnImageDeclaringTooManyPixelsIsSkippedBeforeDecoding) {
  testing::TempDir dir;
  ASSERT_TRUE(
      testing::WriteTinyDataset(dir.path(), /*classes=*/2, /*train=*/4, /*test=*/0, /*size=*/32).ok());
  testing::WriteFile(dir.Join("Train/basal cell carcinoma/bomb.png"),
                     PngHeader(20000, 20000));  // would decode to 1.2 GB
  DatasetOptions o;
  o.train_dir = dir.Join("Train");
  o.height = o.width = 32;
  auto ds = LoadDataset(o);
  ASSERT_TRUE(ds.ok()) << ds.status().ToString();
  ASSERT_EQ(ds->skipped.size(), 1u);
  EXPECT_EQ(ds->skipped[0].reason, "declares 20000 x 20000 pixels, more than the 64 MP a worker decodes");
  EXPECT_EQ(ds->train.size() + ds->validation.size(), 8);
}

}  // namespace
}  // namespace derm::data
