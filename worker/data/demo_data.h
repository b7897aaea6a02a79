// The demo dataset: synthetic dermoscopy-like JPEGs in the tutorial's Train/ and Test/ class
// folders (its 9 class names). Each image is a skin-toned, unevenly lit background with noise and
// hairs, and one lesion whose colour, size, shape, border and texture depend on the class, with
// enough spread and overlap between classes that the task is learnable but not trivial.
// Deterministic for a seed.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"

namespace derm::data {

struct DemoDataOptions {
  std::string out_dir;  // receives Train/ and Test/
  int train_per_class = 40;
  int test_per_class = 8;
  int size = 64;    // image width (and height unless `height` is set), pixels
  int height = 0;   // > 0: drawn at size x size, then resized to size x height (e.g. 600 x 450)
  int classes = 9;  // the first N of DemoClassNames() (tests use few)
  uint64_t seed = 123;
};

// The tutorial's 9 class names, sorted as labels are.
const std::vector<std::string>& DemoClassNames();

// Writes the dataset; FAILED_PRECONDITION if out_dir already holds a Train/ folder.
Status WriteDemoData(const DemoDataOptions& options);

}  // namespace derm::data
