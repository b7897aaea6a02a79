#include "worker/core/augment.h"

#include <cmath>

namespace derm::core {

AffineParams DrawAffine(const AugmentConfig& c, Rng& rng) {
  const double f = rng.Uniform(), r = rng.Uniform(-1, 1), z = rng.Uniform(-1, 1);
  AffineParams p;
  p.flip = c.flip && f < 0.5;
  p.angle = r * c.rotation * 2 * M_PI;
  p.zoom = 1 + z * c.zoom;
  return p;
}

at::Tensor ApplyAffine(const at::Tensor& x, const std::vector<AffineParams>& params) {
  const int64_t n = x.size(0);
  at::Tensor theta = at::zeros({n, 2, 3}, at::kFloat);
  auto t = theta.accessor<float, 3>();
  for (int64_t i = 0; i < n; ++i) {
    const AffineParams& p = params[i];
    const double c = std::cos(p.angle) * p.zoom, s = std::sin(p.angle) * p.zoom;
    const double fx = p.flip ? -1.0 : 1.0;
    t[i][0][0] = static_cast<float>(c * fx);
    t[i][0][1] = static_cast<float>(-s);
    t[i][1][0] = static_cast<float>(s * fx);
    t[i][1][1] = static_cast<float>(c);
  }
  const at::Tensor grid = at::affine_grid_generator(theta.to(x.device()), x.sizes(), /*align_corners=*/false);
  return at::grid_sampler_2d(x, grid, /*interpolation_mode=bilinear*/ 0, /*padding_mode=reflection*/ 2,
                             /*align_corners=*/false);
}

}  // namespace derm::core
