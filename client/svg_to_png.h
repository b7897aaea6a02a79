// Rasterising dermctl's SVG plots to PNG (an adapter over librsvg and cairo).
#pragma once

#include <string>

#include "common/status.h"

namespace derm::client {

// Renders `svg` at its own size, scaled by `scale`, on white, and writes a PNG file to `path`.
Status WriteSvgAsPng(const std::string& svg, const std::string& path, double scale = 1.5);

}  // namespace derm::client
