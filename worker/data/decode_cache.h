// The decoded-dataset cache file (`derm-worker --cache-dir`): "DERMCACHE3", every split's pixels
// (train, validation, test, back to back), the metadata (fingerprint, class names, skipped files,
// each split's image size, labels and paths, then each split's image hashes), then the metadata's
// length in 8 bytes. The pixels
// come first so that a dataset larger than the worker's cache budget can be streamed into the
// file while it is decoded, and read back a batch at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "common/status_or.h"
#include "worker/data/dataset.h"

namespace derm::data {

// A cache file being written, at a temporary name until Finish() renames it into place; removed
// if never finished. What is appended can be read back at once through file().
class CacheWriter {
 public:
  static StatusOr<std::unique_ptr<CacheWriter>> Create(const std::string& path);
  ~CacheWriter();

  Status Append(const uint8_t* bytes, size_t n);
  int64_t offset() const { return offset_; }  // where the next appended byte goes
  const std::shared_ptr<const core::PixelFile>& file() const { return file_; }
  // Writes the metadata of `ds` (whose pixels were appended in split order, or are in RAM and
  // appended now) and renames the file into place.
  Status Finish(const Dataset& ds);

 private:
  CacheWriter(std::string path, std::string tmp, std::shared_ptr<const core::PixelFile> file);

  const std::string path_, tmp_;
  std::shared_ptr<const core::PixelFile> file_;
  int64_t offset_ = 0;
  bool finished_ = false;
};

// Reads a cache file. The pixels are read into RAM unless they exceed `budget` bytes (> 0): then
// every split is backed by the file. NOT_FOUND when there is no file, DATA_LOSS when it is
// damaged or foreign (the caller decodes again and rewrites it).
StatusOr<Dataset> ReadCache(const std::string& path, int64_t budget);

}  // namespace derm::data
