// Leakage checks on a training run's dataset (docs/data.md): pairs of images in two different
// splits that are the same file (equal SHA-256) or near-duplicates (resized, re-encoded, slightly
// shifted, lighter or darker, or flipped copies). A validation or test image with such a twin in training
// inflates the figures as a lesion on both sides of a grouped split would.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "worker/data/dataset.h"

namespace derm::data {

// A near-duplicate: perceptual hashes within kCandidateBits of 64 bits, and grey pictures within
// kMaxPictureDistance (worker/data/perceptual_hash.h). Chosen on the demo data
// (tests/worker/data/leakage_test.cc measures both): copies of an image resized, re-encoded at
// JPEG quality 60, shifted by 3 %, brightened or flipped are within both; distinct lesions are
// never within both.
inline constexpr int kCandidateBits = 24;
inline constexpr double kMaxPictureDistance = 0.02;
inline constexpr size_t kMaxLeakedPairs = 1000;  // pairs kept with their paths; all are counted

struct LeakedPair {
  int split_a = 0, split_b = 0;  // 0 train, 1 validation, 2 test; split_a < split_b
  std::string path_a, path_b;
  bool exact = false;
  double distance = 0;  // PictureDistance (0 for exact)
};

struct Leakage {
  int64_t exact = 0, near = 0;    // every pair found
  std::vector<LeakedPair> pairs;  // the first kMaxLeakedPairs, exact ones first
};

// The cross-split pairs of `ds` (by ds.hashes and each split's paths), compared on `threads`
// threads (0: all cores); the result does not depend on the number of threads.
Leakage FindLeakage(const Dataset& ds, int threads = 0);

}  // namespace derm::data
