#include "worker/data/leakage.h"

#include <optional>

#include "common/parallel_for.h"

namespace derm::data {
namespace {

// A pair found for an image of split a: its partner in split b and how near.
struct Hit {
  size_t j;
  bool exact;
  double distance;
};

// Image i of `ha` against every image of `hb`: exact by SHA-256; near when the hashes are within
// kCandidateBits and the pictures within kMaxPictureDistance (the picture prepared only for an
// image with a candidate).
std::vector<Hit> Hits(const ImageHash& a, const std::vector<ImageHash>& hb) {
  std::vector<Hit> out;
  std::optional<PictureMatcher> matcher;
  for (size_t j = 0; j < hb.size(); ++j) {
    if (!a.sha256.empty() && a.sha256 == hb[j].sha256) {
      out.push_back({j, true, 0});
      continue;
    }
    if (HashDistance(a.perceptual, hb[j].perceptual) > kCandidateBits) continue;
    if (!matcher) matcher.emplace(a.perceptual);
    const double d = matcher->Distance(hb[j].perceptual);
    if (d <= kMaxPictureDistance) out.push_back({j, false, d});
  }
  return out;
}

}  // namespace

Leakage FindLeakage(const Dataset& ds, int threads) {
  const core::ImageSet* sets[3] = {&ds.train, &ds.validation, &ds.test};
  Leakage out;
  std::vector<LeakedPair> near;
  for (int a = 0; a < 3; ++a) {
    for (int b = a + 1; b < 3; ++b) {
      const auto& ha = ds.hashes[a];
      std::vector<std::vector<Hit>> hits(ha.size());
      ParallelFor(0, ha.size(), threads, [&](size_t i) { hits[i] = Hits(ha[i], ds.hashes[b]); });
      for (size_t i = 0; i < ha.size(); ++i) {  // in order, as a sequential scan finds them
        for (const Hit& h : hits[i]) {
          (h.exact ? out.exact : out.near) += 1;
          std::vector<LeakedPair>& keep = h.exact ? out.pairs : near;
          if (keep.size() < kMaxLeakedPairs) {
            keep.push_back({a, b, sets[a]->paths[i], sets[b]->paths[h.j], h.exact, h.distance});
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
