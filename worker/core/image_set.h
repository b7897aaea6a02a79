// ImageSet: decoded images of one split, kept as uint8 RGB in memory (the tutorial's `.cache()`),
// with their labels and source paths. Thread-safety: immutable after construction.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace derm::core {

struct ImageSet {
  int64_t height = 0;
  int64_t width = 0;
  std::vector<uint8_t> pixels;  // size() * height * width * 3, NHWC, RGB
  std::vector<int32_t> labels;
  std::vector<std::string> paths;

  int64_t size() const { return static_cast<int64_t>(labels.size()); }
  const uint8_t* image(int64_t i) const { return pixels.data() + i * height * width * 3; }
};

}  // namespace derm::core
