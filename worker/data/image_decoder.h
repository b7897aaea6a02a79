// Decoding image files into an ImageSet: each file is read (bounded), hashed unless its hash is
// known, checked against the pixel limit, decoded by OpenCV and resized to the set's size, on a
// thread pool. Files that cannot be read or decoded are reported with the reason, never dropped
// silently. OpenCV's exceptions stop here.
#pragma once

#include <string>
#include <vector>

#include "common/status_or.h"
#include "worker/core/image_set.h"
#include "worker/data/decode_cache.h"
#include "worker/data/image_listing.h"
#include "worker/data/perceptual_hash.h"

namespace derm::data {

// An image DecodeImages kept: which entry it came from, and its file's SHA-256.
struct KeptImage {
  size_t entry;
  std::string sha256;
  PerceptualHash perceptual;  // of the decoded, resized image
};

// Decodes `entries` to height x width RGB on `threads` threads (0: all cores); undecodable files
// go to `skipped`, the others to `kept` in order. With `sink` the images are appended to the cache
// file being written (in chunks, so RAM holds one chunk) and the set is backed by it; else they
// are kept in RAM, and the call cannot fail.
StatusOr<core::ImageSet> DecodeImages(const std::vector<ImageEntry>& entries, int height, int width,
                                      int threads, std::vector<KeptImage>* kept,
                                      std::vector<SkippedFile>* skipped, CacheWriter* sink = nullptr);

}  // namespace derm::data
