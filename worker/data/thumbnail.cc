#include "worker/data/thumbnail.h"

#include <algorithm>
#include <exception>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <vector>

namespace derm::data {

std::string JpegThumbnail(const core::ImageSet& set, int64_t i, int side) {
  if (i < 0 || i >= set.size() || set.height <= 0 || set.width <= 0 || side <= 0) return "";
  std::vector<uint8_t> rgb(static_cast<size_t>(set.image_bytes()));
  std::vector<uint8_t> jpeg;
  // Gather throws std::runtime_error on a cache file that cannot be read, OpenCV cv::Exception on
  // what it cannot do: a thumbnail is optional, so either gives none rather than a failed task.
  try {
    set.Gather(&i, 1, rgb.data());
    const cv::Mat image(static_cast<int>(set.height), static_cast<int>(set.width), CV_8UC3, rgb.data());
    const double scale = std::min(1.0, static_cast<double>(side) / std::max(set.height, set.width));
    const cv::Size size(std::max(1, static_cast<int>(set.width * scale + 0.5)),
                        std::max(1, static_cast<int>(set.height * scale + 0.5)));
    cv::Mat small, bgr;
    cv::resize(image, small, size, 0, 0, cv::INTER_AREA);
    cv::cvtColor(small, bgr, cv::COLOR_RGB2BGR);
    if (!cv::imencode(".jpg", bgr, jpeg, {cv::IMWRITE_JPEG_QUALITY, 80})) return "";
  } catch (const std::exception&) {
    return "";
  }
  return std::string(jpeg.begin(), jpeg.end());
}

}  // namespace derm::data
