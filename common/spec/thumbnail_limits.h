// Bounds of the thumbnails workers store with a run's predictions (RunResult's
// Prediction.thumbnail), read by the worker that makes them and the scheduler that checks them.
#pragma once

#include <cstddef>

namespace derm {

inline constexpr int kThumbnailSide = 64;                // pixels, the longer side at most
inline constexpr int kMaxThumbnailsPerRun = 2000;        // validation images first, then test
inline constexpr size_t kMaxThumbnailBytes = 16 * 1024;  // one JPEG

}  // namespace derm
