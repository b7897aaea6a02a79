// One synthetic dermoscopy-like image of the demo data (worker/data/demo_data.h), shared by the
// class-folder demo and the metadata demo.
#pragma once

#include <opencv2/core.hpp>

#include "common/rng.h"

namespace derm::data {

// A size x size BGR image of a lesion of demo class `cls` (an index into DemoClassNames()) on
// skin of `skin_tone` (0 fair, 1 brown, up to 1.6 dark brown; < 0: drawn from `rng` in [0, 1)).
cv::Mat DrawDemoImage(int cls, int size, Rng& rng, double skin_tone = -1);

}  // namespace derm::data
