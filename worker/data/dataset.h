// Loading an image-folder dataset the way Keras' image_dataset_from_directory does: class =
// sub-folder, labels by sorted folder name, a deterministic train/validation split by seed, and
// an optional separate test folder. Every image is read and decoded once (on a thread pool,
// worker/data/image_decoder.h), resized to the spec's size and kept as uint8 RGB. Files that are
// not images or cannot be decoded are reported with a reason and skipped, never silently dropped.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/status_or.h"
#include "worker/core/image_set.h"
#include "worker/data/data_roots.h"
#include "worker/data/image_listing.h"
#include "worker/data/perceptual_hash.h"
#include "worker/data/table_dataset.h"

namespace derm::data {

struct DatasetOptions {
  std::string train_dir;
  std::string test_dir;  // optional
  // Set: the images and labels of a labels table instead of train_dir's class folders, split by
  // group (worker/data/table_dataset.h); validation_split is then of the whole table.
  std::optional<TableData> table;
  double validation_split = 0.2;
  // Cross-validation (folds >= 2): validate on fold `fold` (1..folds) of the images, grouped and
  // stratified (common/table/group_split.h AssignSplits), instead of validation_split.
  int folds = 0, fold = 0;
  uint64_t seed = 123;
  int height = 224, width = 224;
  int threads = 0;            // decode threads; 0 = hardware concurrency
  int samples_per_class = 0;  // > 0: balance the training split with augmented copies
  // Non-empty: decoded datasets are kept here, keyed by the files' contents, labels, split and
  // image size, so a repeated run reads and hashes the files but skips decoding them.
  std::string cache_dir;
  // > 0 (with cache_dir): a dataset whose decoded images take more bytes than this is decoded
  // straight into its cache file and read from it a batch at a time instead of kept in RAM.
  int64_t cache_budget = 0;
  // Decoded images (balancing copies included) kept in RAM at most; a dataset that needs more is
  // refused (INVALID_ARGUMENT) unless the cache takes it. 0: half the machine's memory.
  int64_t memory_budget = 0;
  // Files found in the folders are read only when DataRoots::FileRefusal allows them (links out of
  // the roots, devices and FIFOs are listed as skipped); the folders themselves are checked by
  // the caller.
  DataRoots roots;
};

// What identifies an image's content: its file's SHA-256 and the perceptual hash of its decoded
// pixels (worker/data/perceptual_hash.h), for the leakage checks (worker/data/leakage.h).
struct ImageHash {
  std::string sha256;
  PerceptualHash perceptual;
};

struct Dataset {
  std::vector<std::string> class_names;
  core::ImageSet train, validation, test;
  // Per split (train, validation, test), the hashes of its images read from files, in order
  // (training's balancing copies, appended after them, have none).
  std::vector<ImageHash> hashes[3];
  std::vector<SkippedFile> skipped;
  // SHA-256 over every used file's relative path, label, split and content hash (and the
  // labels table's bytes).
  std::string fingerprint;
  // From a labels table: distinct groups per split (train, validation, test), the group column
  // ("" when split per image) and warnings for the run's facts.
  int64_t groups[3] = {0, 0, 0};
  std::string group_column;
  std::vector<std::string> warnings;
  std::vector<std::string> attribute_names;
  std::unordered_map<std::string, std::vector<std::string>> attributes;  // by image path
};

// INVALID_ARGUMENT naming the folder when a folder is missing or empty, a class folder has no
// images, or the test folder has classes the training folder lacks; also when nothing decodes.
// A table's problems name its line; more unreadable listed images than table->max_errors fail.
StatusOr<Dataset> LoadDataset(const DatasetOptions& options);

// Decodes every image under `dir` (recursively, sorted by path; labels -1) for feature export
// and inference. Non-image and undecodable files go to `skipped`.
StatusOr<core::ImageSet> LoadImageFolder(const std::string& dir, int height, int width, int threads,
                                         std::vector<SkippedFile>* skipped);

// Decoded images of an explicit list of files (labels -1), in list order, with each file's
// SHA-256; files that cannot be read or decoded go to `errors` with the reason. Decodes on
// `threads` threads (0 = all cores).
struct DecodedFiles {
  core::ImageSet images;
  std::vector<std::string> sha256;  // per image in `images`
  std::vector<SkippedFile> errors;
};
DecodedFiles DecodeFiles(const std::vector<std::string>& paths, int height, int width, int threads);

}  // namespace derm::data
