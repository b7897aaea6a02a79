#include "worker/data/thumbnail.h"

#include <algorithm>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <stdexcept>
#include <vector>

namespace derm::data {

std::string JpegThumbnail(const core::ImageSet& set, int64_t i, int side) {
  if (i < 0 || i >= set.size() || set.height <= 0 || set.width <= 0 || side <= 0) return "";
  std::vector<uint8_t> rgb(static_cast<size_t>(set.image_bytes()));
  try {
    set.Gather(&i, 1, rgb.data());
  } catch (const std::runtime_error&) {
    return "";
  }
  const cv::Mat image(static_cast<int>(set.height), static_cast<int>(set.width), CV_8UC3, rgb.data());
  const double scale = std::min(1.0, static_cast<double>(side) / std::max(set.height, set.width));
  const cv::Size size(std::max(1, static_cast<int>(set.width * scale + 0.5)),
                      std::max(1, static_cast<int>(set.height * scale + 0.5)));
  cv::Mat small, bgr;
  cv::resize(image, small, size, 0, 0, cv::INTER_AREA);
  cv::cvtColor(small, bgr, cv::COLOR_RGB2BGR);
  std::vector<uint8_t> jpeg;
  if (!cv::imencode(".jpg", bgr, jpeg, {cv::IMWRITE_JPEG_QUALITY, 80})) return "";
  return std::string(jpeg.begin(), jpeg.end());
}

}  // namespace derm::data
