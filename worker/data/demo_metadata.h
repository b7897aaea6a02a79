// The demo dataset with a metadata table, shaped like HAM10000 (docs/data.md): synthetic lesions
// of the demo's classes, each photographed 1 to max_views times (every view a shifted, rotated,
// rescaled and sometimes flipped copy of one lesion, so views of a lesion look alike and a
// per-image split leaks), patients with one or more lesions, and age, sex, site and Fitzpatrick
// skin type, some correlated with the class (melanoma older, basal cell carcinoma on the face) and
// skin type darkening the skin, so that subgroup figures differ. Deterministic for a seed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace derm::data {

struct DemoMetadataOptions {
  std::string out_dir;  // receives HAM10000_metadata.csv and images/
  int lesions_per_class = 20;
  int max_views = 4;
  int size = 64;
  int classes = 9;  // the first N of DemoClassNames()
  uint64_t seed = 123;
};

// The table's dx code of each demo class, in DemoClassNames() order.
const std::vector<std::string>& DemoClassCodes();

// Writes the table and the images; FAILED_PRECONDITION if the table already exists.
Status WriteDemoMetadata(const DemoMetadataOptions& options);

}  // namespace derm::data
