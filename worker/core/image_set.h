// ImageSet: decoded images of one split as uint8 RGB (the tutorial's `.cache()`), with their labels
// and source paths. The pixels are in RAM, or, for a dataset larger than the worker's cache budget,
// in a decoded-dataset cache file that each batch is read from (Gather), so they need not fit.
// Thread-safety: immutable after construction; Gather may be called from several threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace derm::core {

// An open file holding images, closed with its last user.
class PixelFile {
 public:
  explicit PixelFile(int fd) : fd_(fd) {}
  ~PixelFile();
  PixelFile(const PixelFile&) = delete;
  PixelFile& operator=(const PixelFile&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

struct ImageSet {
  int64_t height = 0;
  int64_t width = 0;
  std::vector<uint8_t> pixels;            // in RAM: size() * height * width * 3, NHWC, RGB; else empty
  std::shared_ptr<const PixelFile> file;  // set: image i is at file_offset + i * image_bytes()
  int64_t file_offset = 0;
  std::vector<int32_t> labels;
  std::vector<std::string> paths;

  int64_t size() const { return static_cast<int64_t>(labels.size()); }
  int64_t image_bytes() const { return height * width * 3; }
  // In RAM only.
  const uint8_t* image(int64_t i) const { return pixels.data() + i * image_bytes(); }
  // Copies images idx[0..n) to dst (n * image_bytes() bytes), from RAM or from the file; throws
  // std::runtime_error when the file cannot be read.
  void Gather(const int64_t* idx, size_t n, uint8_t* dst) const;
};

}  // namespace derm::core
