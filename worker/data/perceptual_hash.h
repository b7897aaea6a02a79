// What the leakage checks compare to find near-duplicates across a dataset's splits
// (worker/data/leakage.h), computed from each decoded image on its decoding thread:
// - a 64-bit perceptual hash: the signs, against their median, of the 8 x 8 lowest frequencies
//   of the discrete cosine transform of the image's 32 x 32 grey version (DC left out), as seen
//   and for the three mirrorings (which negate the odd frequencies along their axes), so that a
//   Hamming distance finds candidates in 64 bits;
// - the 32 x 32 grey image itself, to confirm a candidate: a copy correlates with its original
//   (normalised, best over the four mirrorings and shifts of up to 2 pixels, about 6 %) almost
//   perfectly, while distinct lesions on similar skin do not.
// Either alone confuses distinct demo lesions or misses shifted copies (measured in
// tests/worker/data/leakage_test.cc). OpenCV's exceptions stop here.
#pragma once

#include <array>
#include <cstdint>

namespace derm::data {

inline constexpr int kThumbSide = 32;

struct PerceptualHash {
  // As seen, mirrored left-right, upside down, and both (rotated half a turn). All 0: unknown.
  uint64_t bits[4] = {0, 0, 0, 0};
  std::array<uint8_t, kThumbSide * kThumbSide> grey{};
  bool known() const { return bits[0] | bits[1] | bits[2] | bits[3]; }
};

// The hash of the height x width RGB image at `rgb`.
PerceptualHash HashImage(const uint8_t* rgb, int height, int width);

// The fewest bits in which `a` as seen differs from `b` seen any of its four ways (0..64); 65
// when either is unknown.
int HashDistance(const PerceptualHash& a, const PerceptualHash& b);

// 1 minus the best normalised correlation of the centre of a's grey image with b's, over b's four
// mirrorings and shifts of up to 2 pixels (0: the same picture; 2 when either is unknown).
double PictureDistance(const PerceptualHash& a, const PerceptualHash& b);

// PictureDistance from one image to many: a's centre is prepared once in its four mirrorings
// (mirroring the template instead of b gives the same correlations), so each b costs one
// conversion and four correlations. Thread-safety: Distance may be called from several threads.
class PictureMatcher {
 public:
  static constexpr int kShift = 2;
  static constexpr int kCentre = kThumbSide - 2 * kShift;

  explicit PictureMatcher(const PerceptualHash& a);
  double Distance(const PerceptualHash& b) const;

 private:
  bool known_;
  std::array<std::array<float, kCentre * kCentre>, 4> templates_{};
};

}  // namespace derm::data
