// The image paths of an inference job's input (spec `input`): every image file under a folder,
// the files a glob pattern matches, or the lines of a list file. The scheduler lists the input
// once at submission and splits it into shards.
#pragma once

#include <string>
#include <vector>

#include "common/status_or.h"
#include "derm/v1/spec.pb.h"

namespace derm {

// At most this many images per job.
inline constexpr size_t kMaxInferImages = 5'000'000;

// Absolute, lexically normal paths, sorted (folder, glob) or in file order (list), without
// duplicates. Folder and glob keep image file names only (.jpg .jpeg .png .bmp, any case); a list
// file's every line counts (blank lines and lines starting with # aside), so a listed file that
// is missing or not an image is reported per image by the worker. INVALID_ARGUMENT naming the
// field when the folder or list file is missing, nothing matches, or there are too many.
StatusOr<std::vector<std::string>> ListInput(const derm::v1::InputSpec& input);

}  // namespace derm
