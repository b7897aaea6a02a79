#include "worker/data/perceptual_hash.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

namespace derm::data {

PerceptualHash HashImage(const uint8_t* rgb, int height, int width) {
  PerceptualHash h;
  try {
    const cv::Mat image(height, width, CV_8UC3, const_cast<uint8_t*>(rgb));
    cv::Mat grey, small, f, d;
    cv::cvtColor(image, grey, cv::COLOR_RGB2GRAY);
    cv::resize(grey, small, cv::Size(kThumbSide, kThumbSide), 0, 0, cv::INTER_AREA);
    std::memcpy(h.grey.data(), small.data, h.grey.size());
    small.convertTo(f, CV_32F);
    cv::dct(f, d);
    for (int variant = 0; variant < 4; ++variant) {
      std::array<float, 64> c;
      for (int v = 0; v < 8; ++v) {
        for (int u = 0; u < 8; ++u) {
          const bool negate = ((variant & 1) && (u & 1)) ^ ((variant & 2) && (v & 1));
          c[static_cast<size_t>(v * 8 + u)] = negate ? -d.at<float>(v, u) : d.at<float>(v, u);
        }
      }
      std::array<float, 63> ac;
      std::copy(c.begin() + 1, c.end(), ac.begin());
      std::nth_element(ac.begin(), ac.begin() + 31, ac.end());
      const float median = ac[31];
      uint64_t bits = 1;  // bit 0 (DC) set: a known hash is never all zero
      for (size_t i = 1; i < 64; ++i) bits |= static_cast<uint64_t>(c[i] > median) << i;
      h.bits[variant] = bits;
    }
  } catch (const cv::Exception&) {
    return PerceptualHash();  // unknown: never a near-duplicate of anything
  }
  return h;
}

int HashDistance(const PerceptualHash& a, const PerceptualHash& b) {
  if (!a.known() || !b.known()) return 65;
  int best = 64;
  for (uint64_t v : b.bits) best = std::min(best, std::popcount(a.bits[0] ^ v));
  return best;
}

double PictureDistance(const PerceptualHash& a, const PerceptualHash& b) {
  return PictureMatcher(a).Distance(b);
}

PictureMatcher::PictureMatcher(const PerceptualHash& a) : known_(a.known()) {
  if (!known_) return;
  try {
    const cv::Mat grey(kThumbSide, kThumbSide, CV_8U, const_cast<uint8_t*>(a.grey.data()));
    cv::Mat centre;
    grey(cv::Rect(kShift, kShift, kCentre, kCentre)).convertTo(centre, CV_32F);
    for (int variant = 0; variant < 4; ++variant) {
      // As seen, mirrored left-right (flip code 1), upside down (0), or both (-1).
      cv::Mat out(kCentre, kCentre, CV_32F, templates_[static_cast<size_t>(variant)].data());
      if (variant == 0) {
        centre.copyTo(out);
      } else {
        cv::flip(centre, out, variant == 1 ? 1 : variant == 2 ? 0 : -1);
      }
    }
  } catch (const cv::Exception&) {
    known_ = false;
  }
}

double PictureMatcher::Distance(const PerceptualHash& b) const {
  if (!known_ || !b.known()) return 2;
  try {
    const cv::Mat grey(kThumbSide, kThumbSide, CV_8U, const_cast<uint8_t*>(b.grey.data()));
    cv::Mat image, scores;
    grey.convertTo(image, CV_32F);
    double best = -1;
    for (const auto& t : templates_) {
      const cv::Mat templ(kCentre, kCentre, CV_32F, const_cast<float*>(t.data()));
      cv::matchTemplate(image, templ, scores, cv::TM_CCOEFF_NORMED);
      double top = 0;
      cv::minMaxLoc(scores, nullptr, &top);
      best = std::max(best, top);
    }
    return 1 - best;
  } catch (const cv::Exception&) {
    return 2;
  }
}

}  // namespace derm::data
