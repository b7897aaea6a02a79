#include "worker/data/demo_data.h"

#include <cmath>
#include <filesystem>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "common/rng.h"
#include "worker/data/demo_image.h"

namespace derm::data {
namespace {

namespace fs = std::filesystem;

enum class Texture { kNone, kScales, kVessels, kRing, kVariegated, kMottled, kCysts, kCrust, kLobules };

struct ClassLook {
  cv::Scalar rgb;           // mean lesion colour
  double colour_jitter;     // per-channel spread
  double size_lo, size_hi;  // radius as a fraction of the image side
  double aspect_hi;         // max ratio of the axes
  double irregular;         // border roughness
  double blur;              // border softness, fraction of radius
  Texture texture;
  cv::Scalar texture_rgb;
};

// Indexed like DemoClassNames().
const ClassLook kLooks[9] = {
    {{196, 110, 105}, 22, 0.16, 0.26, 1.3, 0.18, 0.30, Texture::kScales, {236, 225, 215}},  // actinic
                                                                                            // keratosis
    {{214, 160, 160}, 20, 0.16, 0.28, 1.2, 0.08, 0.15, Texture::kVessels, {170, 30, 40}},   // basal cell
                                                                                            // carcinoma
    {{150, 100, 75}, 20, 0.10, 0.18, 1.2, 0.06, 0.20, Texture::kRing, {205, 170, 150}},     // dermatofibroma
    {{70, 45, 35}, 25, 0.24, 0.38, 1.6, 0.35, 0.08, Texture::kVariegated, {80, 95, 130}},   // melanoma
    {{120, 80, 55}, 20, 0.14, 0.24, 1.2, 0.04, 0.06, Texture::kNone, {0, 0, 0}},            // nevus
    {{140, 100, 70}, 25, 0.18, 0.30, 1.5, 0.14, 0.10, Texture::kMottled, {95, 65, 45}},    // pigmented benign
                                                                                           // keratosis
    {{115, 85, 60}, 22, 0.18, 0.30, 1.4, 0.10, 0.04, Texture::kCysts, {225, 210, 180}},    // seborrheic
                                                                                           // keratosis
    {{200, 105, 100}, 22, 0.18, 0.30, 1.4, 0.22, 0.15, Texture::kCrust, {230, 215, 150}},  // squamous cell
                                                                                           // carcinoma
    {{165, 40, 70}, 25, 0.10, 0.20, 1.3, 0.10, 0.10, Texture::kLobules, {120, 30, 80}},    // vascular lesion
};

cv::Scalar Bgr(const cv::Scalar& rgb) { return {rgb[2], rgb[1], rgb[0]}; }

cv::Scalar Jitter(const cv::Scalar& rgb, double spread, Rng& rng) {
  const double shade = rng.Uniform(-spread, spread);  // overall lighter/darker
  cv::Scalar out;
  for (int c = 0; c < 3; ++c)
    out[c] = std::clamp(rgb[c] + shade + rng.Uniform(-spread, spread) * 0.5, 0.0, 255.0);
  return out;
}

std::vector<cv::Point> Outline(cv::Point2d centre, double radius, double aspect, double angle,
                               double irregular, Rng& rng) {
  double amp[5], phase[5];
  for (int k = 0; k < 5; ++k) {
    amp[k] = rng.Uniform(0, irregular) / (k + 1);
    phase[k] = rng.Uniform(0, 2 * M_PI);
  }
  std::vector<cv::Point> pts;
  const int n = 72;
  for (int i = 0; i < n; ++i) {
    const double t = 2 * M_PI * i / n;
    double r = 1;
    for (int k = 0; k < 5; ++k) r += amp[k] * std::sin((k + 2) * t + phase[k]);
    const double x = r * radius * aspect * std::cos(t), y = r * radius * std::sin(t);
    pts.emplace_back(cvRound(centre.x + x * std::cos(angle) - y * std::sin(angle)),
                     cvRound(centre.y + x * std::sin(angle) + y * std::cos(angle)));
  }
  return pts;
}

void DrawTexture(const ClassLook& look, cv::Mat& img, const cv::Mat& mask, cv::Point2d c, double r,
                 Rng& rng) {
  const cv::Scalar colour = Bgr(Jitter(look.texture_rgb, 15, rng));
  auto inside = [&](double fr) {
    const double a = rng.Uniform(0, 2 * M_PI), d = std::sqrt(rng.Uniform()) * r * fr;
    return cv::Point(cvRound(c.x + d * std::cos(a)), cvRound(c.y + d * std::sin(a)));
  };
  const int s = img.cols;
  cv::Mat layer = img.clone();
  switch (look.texture) {
    case Texture::kNone:
      return;
    case Texture::kScales:
      for (int i = 0; i < 14; ++i)
        cv::circle(layer, inside(0.9), std::max(1, s / 48), colour, -1, cv::LINE_AA);
      break;
    case Texture::kVessels:
      for (int i = 0; i < 5; ++i) cv::line(layer, inside(0.9), inside(0.9), colour, 1, cv::LINE_AA);
      break;
    case Texture::kRing:
      cv::circle(layer, cv::Point(cvRound(c.x), cvRound(c.y)), std::max(1, cvRound(r * 0.45)), colour, -1,
                 cv::LINE_AA);
      break;
    case Texture::kVariegated:
      for (int i = 0; i < 3; ++i) {
        cv::circle(layer, inside(0.6), std::max(1, cvRound(r * rng.Uniform(0.2, 0.4))), colour, -1,
                   cv::LINE_AA);
      }
      cv::circle(layer, inside(0.5), std::max(1, cvRound(r * 0.2)), cv::Scalar(20, 20, 25), -1, cv::LINE_AA);
      break;
    case Texture::kMottled:
      for (int i = 0; i < 10; ++i)
        cv::circle(layer, inside(0.9), std::max(1, s / 32), colour, -1, cv::LINE_AA);
      break;
    case Texture::kCysts:
      for (int i = 0; i < 8; ++i)
        cv::circle(layer, inside(0.85), std::max(1, s / 64), colour, -1, cv::LINE_AA);
      break;
    case Texture::kCrust:
      cv::ellipse(layer, inside(0.3), cv::Size(std::max(1, cvRound(r * 0.4)), std::max(1, cvRound(r * 0.3))),
                  rng.Uniform(0, 180), 0, 360, colour, -1, cv::LINE_AA);
      break;
    case Texture::kLobules:
      for (int i = 0; i < 4; ++i) {
        cv::circle(layer, inside(1.0), std::max(1, cvRound(r * rng.Uniform(0.35, 0.6))), colour, -1,
                   cv::LINE_AA);
      }
      break;
  }
  if (look.texture == Texture::kLobules) {
    img = layer;  // lobules extend the lesion itself
  } else {
    layer.copyTo(img, mask);
  }
}

}  // namespace

cv::Mat DrawDemoImage(int cls, int size, Rng& rng, double skin_tone) {
  const ClassLook& look = kLooks[cls];
  // Skin: a tone between fair and brown (or the one given), lit unevenly.
  const double drawn = rng.Uniform();
  const double tone = skin_tone >= 0 ? skin_tone : drawn;
  const cv::Scalar skin(235 - 80 * tone, 195 - 75 * tone, 170 - 70 * tone);
  cv::Mat img(size, size, CV_8UC3, Bgr(Jitter(skin, 8, rng)));
  cv::Mat light(size, size, CV_32F);
  const double gx = rng.Uniform(-0.15, 0.15), gy = rng.Uniform(-0.15, 0.15);
  for (int y = 0; y < size; ++y) {
    for (int x = 0; x < size; ++x)
      light.at<float>(y, x) =
          static_cast<float>(1 + gx * (x - size / 2.0) / size + gy * (y - size / 2.0) / size);
  }
  std::vector<cv::Mat> ch;
  cv::split(img, ch);
  for (auto& c : ch) {
    c.convertTo(c, CV_32F);
    c = c.mul(light);
    c.convertTo(c, CV_8U);
  }
  cv::merge(ch, img);

  // The lesion.
  const double radius = rng.Uniform(look.size_lo, look.size_hi) * size;
  const cv::Point2d centre(size / 2.0 + rng.Uniform(-0.1, 0.1) * size,
                           size / 2.0 + rng.Uniform(-0.1, 0.1) * size);
  const auto outline =
      Outline(centre, radius, rng.Uniform(1.0, look.aspect_hi), rng.Uniform(0, M_PI), look.irregular, rng);
  cv::Mat mask = cv::Mat::zeros(size, size, CV_8U);
  cv::fillPoly(mask, std::vector<std::vector<cv::Point>>{outline}, cv::Scalar(255), cv::LINE_AA);
  cv::Mat lesion = img.clone();
  lesion.setTo(Bgr(Jitter(look.rgb, look.colour_jitter, rng)), mask);
  DrawTexture(look, lesion, mask, centre, radius, rng);
  // Soft border: blend lesion over skin through a blurred mask.
  cv::Mat alpha;
  mask.convertTo(alpha, CV_32F, 1.0 / 255);
  const int k = std::max(1, cvRound(radius * look.blur)) * 2 + 1;
  cv::GaussianBlur(alpha, alpha, cv::Size(k, k), 0);
  if (look.texture == Texture::kLobules) cv::max(alpha, 0, alpha);
  cv::Mat a3, skin_f, lesion_f;
  cv::merge(std::vector<cv::Mat>{alpha, alpha, alpha}, a3);
  img.convertTo(skin_f, CV_32FC3);
  lesion.convertTo(lesion_f, CV_32FC3);
  cv::Mat blended = lesion_f.mul(a3) + skin_f.mul(cv::Scalar(1, 1, 1) - a3);
  if (look.texture == Texture::kLobules) blended = lesion_f;
  blended.convertTo(img, CV_8UC3);

  // Hairs and sensor noise.
  const int hairs = static_cast<int>(rng.Below(4));
  for (int i = 0; i < hairs; ++i) {
    cv::Point a(static_cast<int>(rng.Below(size)), 0), b(static_cast<int>(rng.Below(size)), size - 1);
    if (rng.Uniform() < 0.5) std::swap(a.x, a.y), std::swap(b.x, b.y);
    cv::line(img, a, b, cv::Scalar(40, 35, 30), 1, cv::LINE_AA);
  }
  cv::Mat noise(size, size, CV_16SC3);
  cv::RNG cvrng(rng.Next());
  cvrng.fill(noise, cv::RNG::NORMAL, cv::Scalar::all(0), cv::Scalar::all(6));
  cv::Mat out;
  img.convertTo(out, CV_16SC3);
  out += noise;
  out.convertTo(img, CV_8UC3);
  return img;
}

const std::vector<std::string>& DemoClassNames() {
  static const std::vector<std::string> names = {"actinic keratosis",
                                                 "basal cell carcinoma",
                                                 "dermatofibroma",
                                                 "melanoma",
                                                 "nevus",
                                                 "pigmented benign keratosis",
                                                 "seborrheic keratosis",
                                                 "squamous cell carcinoma",
                                                 "vascular lesion"};
  return names;
}

Status WriteDemoData(const DemoDataOptions& o) {
  if (o.size < 32 || o.size > 1024) return InvalidArgument("--size must be between 32 and 1024");
  if (o.height != 0 && (o.height < 32 || o.height > 1024))
    return InvalidArgument("--height must be between 32 and 1024");
  if (o.train_per_class < 1 || o.train_per_class > 100000 || o.test_per_class < 0 ||
      o.test_per_class > 100000) {
    return InvalidArgument("images per class must be between 1 and 100000");
  }
  if (o.classes < 1 || o.classes > static_cast<int>(DemoClassNames().size())) {
    return InvalidArgument("classes must be between 1 and 9");
  }
  std::error_code ec;
  if (fs::exists(fs::path(o.out_dir) / "Train", ec)) {
    return FailedPrecondition(o.out_dir + "/Train already exists; remove it or choose another folder");
  }
  const auto& names = DemoClassNames();
  for (int split = 0; split < 2; ++split) {
    const int count = split == 0 ? o.train_per_class : o.test_per_class;
    if (count == 0) continue;
    for (int cls = 0; cls < o.classes; ++cls) {
      const fs::path dir = fs::path(o.out_dir) / (split == 0 ? "Train" : "Test") / names[cls];
      fs::create_directories(dir, ec);
      if (ec) return Internal("cannot create " + dir.string() + ": " + ec.message());
      for (int i = 0; i < count; ++i) {
        Rng rng = Rng::Stream(o.seed, (static_cast<uint64_t>(split) * 16 + cls) * 1000003 + i);
        char file[32];
        snprintf(file, sizeof file, "img_%05d.jpg", i);
        cv::Mat img = DrawDemoImage(cls, o.size, rng);
        if (o.height > 0 && o.height != o.size)
          cv::resize(img, img, cv::Size(o.size, o.height), 0, 0, cv::INTER_AREA);
        if (!cv::imwrite((dir / file).string(), img, {cv::IMWRITE_JPEG_QUALITY, 92})) {
          return Internal("cannot write " + (dir / file).string());
        }
      }
    }
  }
  return Status::Ok();
}

}  // namespace derm::data
