// Message size limits every derm process agrees on.
#pragma once

#include <cstddef>

namespace derm {

// The largest gRPC message the scheduler, workers and dermctl send or accept.
inline constexpr int kMaxMessageBytes = 64 << 20;
// What a client keeps a request under, leaving room for headers and framing.
inline constexpr size_t kMaxRequestBytes = 60 << 20;

}  // namespace derm
