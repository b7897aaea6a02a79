// Thumbnails of decoded images for the dashboard: a JPEG at most `side` pixels on its longer side.
#pragma once

#include <cstdint>
#include <string>

#include "worker/core/image_set.h"

namespace derm::data {

// Image `i` of `set` (from RAM or its cache file) as a JPEG whose longer side is at most `side`
// pixels (aspect kept); empty when the image cannot be read or encoded (nothing is thrown).
std::string JpegThumbnail(const core::ImageSet& set, int64_t i, int side);

}  // namespace derm::data
