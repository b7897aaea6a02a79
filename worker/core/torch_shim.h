// The one place for LibTorch calls whose spelling differs between Debian's LibTorch 1.13 (CPU)
// and the official 2.x CUDA builds. Everything else in derm uses only ATen calls common to both.
#pragma once

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>

#include <string>

namespace derm::core::shim {

// Disables autograd bookkeeping for the scope (the backbone is frozen; the head's gradients are
// computed in closed form).
using InferenceGuard = c10::InferenceMode;

inline void SetThreads(int n) {
  if (n > 0) at::set_num_threads(n);
}
inline int Threads() { return at::get_num_threads(); }

inline bool CudaAvailable() { return at::globalContext().hasCUDA(); }

// Per-device tuning: cuDNN autotune on CUDA.
inline void TuneFor(const at::Device& device) {
  if (device.is_cuda()) at::globalContext().setBenchmarkCuDNN(true);
}

// theta [N,2,3] -> sampling grid [N,H,W,2] (align_corners = false).
inline at::Tensor AffineGrid(const at::Tensor& theta, at::IntArrayRef size) {
  return at::affine_grid_generator(theta, size, /*align_corners=*/false);
}

// Bilinear sampling with reflection padding (align_corners = false).
inline at::Tensor GridSampleBilinearReflect(const at::Tensor& input, const at::Tensor& grid) {
  return at::grid_sampler_2d(input, grid, /*interpolation_mode=*/0, /*padding_mode=*/2,
                             /*align_corners=*/false);
}

}  // namespace derm::core::shim
