// Image dimensions from a file's header, read before anything is decoded, so an image that
// would decode to gigabytes (a 1.1 MB PNG declaring 20000 x 20000 pixels) is refused first.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace derm::data {

struct ImageSize {
  int64_t width = 0, height = 0;
};

// The width and height a PNG, JPEG or BMP file declares; nullopt for other or truncated headers
// (the decoder then has the last word).
std::optional<ImageSize> DeclaredImageSize(std::string_view bytes);

// Images above this many pixels are not decoded (24 MP dermoscopy photographs are far below it).
inline constexpr int64_t kMaxDecodedPixels = int64_t{64} << 20;
// Image files above this many bytes are not read.
inline constexpr uintmax_t kMaxImageFileBytes = uintmax_t{256} << 20;

}  // namespace derm::data
