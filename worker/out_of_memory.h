// Whether an exception a training attempt threw means it ran out of memory: a CPU allocation
// (std::bad_alloc, LibTorch's "DefaultCPUAllocator: can't allocate memory") or the GPU's
// (c10::OutOfMemoryError, "CUDA out of memory"). Such an attempt is retried with half the images per backbone
// pass.
#pragma once

#include <exception>

namespace derm::worker {

bool IsOutOfMemory(const std::exception& e);

}  // namespace derm::worker
