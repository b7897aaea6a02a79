#include "worker/data/leakage.h"

#include <algorithm>

namespace derm::data {

Leakage FindLeakage(const Dataset& ds) {
  const core::ImageSet* sets[3] = {&ds.train, &ds.validation, &ds.test};
  Leakage out;
  std::vector<LeakedPair> near;
  for (int a = 0; a < 3; ++a) {
    for (int b = a + 1; b < 3; ++b) {
      const auto& ha = ds.hashes[a];
      const auto& hb = ds.hashes[b];
      for (size_t i = 0; i < ha.size(); ++i) {
        for (size_t j = 0; j < hb.size(); ++j) {
          const bool exact = !ha[i].sha256.empty() && ha[i].sha256 == hb[j].sha256;
          if (!exact && HashDistance(ha[i].perceptual, hb[j].perceptual) > kCandidateBits) continue;
          const double d = exact ? 0 : PictureDistance(ha[i].perceptual, hb[j].perceptual);
          if (!exact && d > kMaxPictureDistance) continue;
          (exact ? out.exact : out.near) += 1;
          std::vector<LeakedPair>& keep = exact ? out.pairs : near;
          if (keep.size() < kMaxLeakedPairs) {
            keep.push_back({a, b, sets[a]->paths[i], sets[b]->paths[j], exact, d});
          }
        }
      }
    }
  }
  for (auto& p : near) {
    if (out.pairs.size() >= kMaxLeakedPairs) break;
    out.pairs.push_back(std::move(p));
  }
  return out;
}

}  // namespace derm::data
