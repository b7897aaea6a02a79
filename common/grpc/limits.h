// Message size limits every derm process agrees on.
#pragma once

#include <cstddef>

namespace derm {

// The largest gRPC message the scheduler, workers and dermctl send or accept.
inline constexpr int kMaxMessageBytes = 64 << 20;
// What a client keeps a request under, leaving room for headers and framing.
inline constexpr size_t kMaxRequestBytes = 60 << 20;
// The longest $CUDA_VISIBLE_DEVICES a worker registers with (workers cut longer lists of GPU
// UUIDs to fit; the scheduler refuses more).
inline constexpr size_t kMaxVisibleGpusBytes = 256;

}  // namespace derm
