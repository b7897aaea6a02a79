// Training-time augmentation: one random affine per image (horizontal flip, rotation, zoom),
// bilinear with reflect fill, applied to a whole batch on its device; the tutorial's
// RandomFlip("horizontal") + RandomRotation(0.1) + RandomZoom(0.1).
#pragma once

#include <ATen/ATen.h>

#include <vector>

#include "common/rng.h"

namespace derm::core {

struct AugmentConfig {
  bool flip = true;       // horizontal flip with probability 1/2
  double rotation = 0.1;  // uniform in [-rotation, +rotation] of a full turn
  double zoom = 0.1;      // scale uniform in [1 - zoom, 1 + zoom]
};

struct AffineParams {
  bool flip = false;
  double angle = 0;  // radians
  double zoom = 1;   // > 1 shows more of the image (zoom out), < 1 less (zoom in)
};

// Draws one image's parameters; always three draws from `rng`, whatever the config, so the
// stream stays aligned.
AffineParams DrawAffine(const AugmentConfig& config, Rng& rng);

// x: [N,C,H,W] float; params.size() == N. Output pixel (u,v) samples the input at
// A·(u,v) with A = zoom · R(angle) · diag(flip ? -1 : 1, 1) in normalised coordinates about the
// centre. Identity parameters return the input values exactly.
at::Tensor ApplyAffine(const at::Tensor& x, const std::vector<AffineParams>& params);

}  // namespace derm::core
