#include "worker/data/image_decoder.h"

#include <algorithm>
#include <cstring>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "common/crypto/sha256.h"
#include "common/parallel_for.h"
#include "worker/data/file_bytes.h"
#include "worker/data/image_header.h"

namespace derm::data {
namespace {

struct Decoded {
  bool ok = false;
  std::string sha256;
  PerceptualHash perceptual;
  std::string reason;  // when not ok
};

// Why ReadFileBytes failed, for the skipped list.
std::string ReadFailure(const FileBytes& file) {
  switch (file.error) {
    case FileBytes::Error::kNone:
      return "";
    case FileBytes::Error::kCannotOpen:
      return "no such file or not readable";
    case FileBytes::Error::kTooLarge:
      return std::to_string(file.size) + " bytes, more than the " + std::to_string(kMaxImageFileBytes >> 20) +
             " MiB an image file may have";
    case FileBytes::Error::kCannotRead:
      return "cannot be read";
  }
  return "cannot be read";
}

// Decodes `bytes` into the h x w RGB image at `slot`; the reason when it cannot.
std::string DecodeInto(std::string& bytes, int h, int w, uint8_t* slot) {
  if (const auto size = DeclaredImageSize(bytes); size && size->width * size->height > kMaxDecodedPixels) {
    return "declares " + std::to_string(size->width) + " x " + std::to_string(size->height) +
           " pixels, more than the " + std::to_string(kMaxDecodedPixels >> 20) + " MP a worker decodes";
  }
  try {
    cv::Mat buf(1, static_cast<int>(bytes.size()), CV_8U, bytes.data());
    cv::Mat bgr = cv::imdecode(buf, cv::IMREAD_COLOR);
    if (bgr.empty()) return "not a decodable image";
    cv::Mat rgb;
    cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
    cv::Mat out(h, w, CV_8UC3, slot);
    if (rgb.rows == h && rgb.cols == w) {
      rgb.copyTo(out);
    } else {
      cv::resize(rgb, out, cv::Size(w, h), 0, 0, cv::INTER_LINEAR);
    }
    return "";
  } catch (const cv::Exception& e) {
    return std::string("decode failed: ") + e.what();
  }
}

Decoded DecodeOne(const ImageEntry& entry, int h, int w, uint8_t* slot) {
  Decoded d;
  FileBytes file = ReadFileBytes(entry.path, kMaxImageFileBytes);
  if (d.reason = ReadFailure(file); !d.reason.empty()) return d;
  if (file.bytes.empty()) {
    d.reason = "empty file";
    return d;
  }
  d.sha256 = entry.sha256.empty() ? Sha256Hex(file.bytes) : entry.sha256;
  d.reason = DecodeInto(file.bytes, h, w, slot);
  d.ok = d.reason.empty();
  if (d.ok) d.perceptual = HashImage(slot, h, w);
  return d;
}

}  // namespace

StatusOr<core::ImageSet> DecodeImages(const std::vector<ImageEntry>& entries, int height, int width,
                                      int threads, std::vector<KeptImage>* kept_images,
                                      std::vector<SkippedFile>* skipped, CacheWriter* sink) {
  core::ImageSet set;
  set.height = height;
  set.width = width;
  const size_t n = entries.size(), image_bytes = static_cast<size_t>(set.image_bytes());
  if (sink) {
    set.file = sink->file();
    set.file_offset = sink->offset();
  }
  const size_t chunk = sink ? 512 : std::max<size_t>(n, 1);
  std::vector<uint8_t> buffer;
  for (size_t begin = 0; begin < n; begin += chunk) {
    const size_t end = std::min(n, begin + chunk);
    // RAM: decode in place after the images kept so far; a file: into the chunk buffer.
    const size_t base = sink ? 0 : set.pixels.size();
    std::vector<uint8_t>& dst = sink ? buffer : set.pixels;
    dst.resize(base + (end - begin) * image_bytes);
    std::vector<Decoded> results(end - begin);
    ParallelFor(begin, end, threads, [&](size_t i) {
      results[i - begin] =
          DecodeOne(entries[i], height, width, dst.data() + base + (i - begin) * image_bytes);
    });
    size_t kept = base;
    for (size_t i = begin; i < end; ++i) {
      Decoded& r = results[i - begin];
      if (!r.ok) {
        skipped->push_back({entries[i].path, std::move(r.reason)});
        continue;
      }
      const uint8_t* image = dst.data() + base + (i - begin) * image_bytes;
      if (sink) {
        DERM_RETURN_IF_ERROR(sink->Append(image, image_bytes));
      } else if (dst.data() + kept != image) {
        std::memmove(dst.data() + kept, image, image_bytes);
      }
      kept += image_bytes;
      set.labels.push_back(entries[i].label);
      set.paths.push_back(entries[i].path);
      kept_images->push_back({i, std::move(r.sha256), r.perceptual});
    }
    if (!sink) set.pixels.resize(kept);
  }
  return set;
}

}  // namespace derm::data
