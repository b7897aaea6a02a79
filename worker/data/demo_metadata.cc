#include "worker/data/demo_metadata.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <vector>

#include "common/rng.h"
#include "worker/data/demo_data.h"
#include "worker/data/demo_image.h"

namespace derm::data {
namespace {

namespace fs = std::filesystem;

const char* const kSites[] = {"back",   "trunk", "face", "scalp", "upper extremity", "lower extremity",
                              "abdomen"};
const char* const kSkinTypes[] = {"I", "II", "III", "IV", "V", "VI"};

// A view of a lesion drawn on a canvas 5/4 the size: shifted up to 6 %, rotated up to 25
// degrees, scaled 0.9-1.12, flipped half the time, lighter or darker by up to 8, cut to size.
cv::Mat View(const cv::Mat& canvas, int size, Rng& rng) {
  const cv::Point2f centre(canvas.cols / 2.0f, canvas.rows / 2.0f);
  cv::Mat m = cv::getRotationMatrix2D(centre, rng.Uniform(-25, 25), rng.Uniform(0.9, 1.12));
  m.at<double>(0, 2) += rng.Uniform(-0.06, 0.06) * size;
  m.at<double>(1, 2) += rng.Uniform(-0.06, 0.06) * size;
  cv::Mat out;
  cv::warpAffine(canvas, out, m, canvas.size(), cv::INTER_LINEAR, cv::BORDER_REFLECT_101);
  if (rng.Uniform() < 0.5) cv::flip(out, out, 1);
  const int off = (canvas.cols - size) / 2;
  out = out(cv::Rect(off, off, size, size)).clone();
  out.convertTo(out, -1, 1.0, rng.Uniform(-8, 8));
  return out;
}

}  // namespace

const std::vector<std::string>& DemoClassCodes() {
  static const std::vector<std::string> codes = {"akiec", "bcc",  "df",  "mel", "nv",
                                                 "bkl",   "sebk", "scc", "vasc"};
  return codes;
}

Status WriteDemoMetadata(const DemoMetadataOptions& o) {
  if (o.size < 32 || o.size > 1024) return InvalidArgument("--size must be between 32 and 1024");
  if (o.lesions_per_class < 1 || o.lesions_per_class > 100000)
    return InvalidArgument("lesions per class must be between 1 and 100000");
  if (o.max_views < 1 || o.max_views > 20)
    return InvalidArgument("views per lesion must be between 1 and 20");
  if (o.classes < 1 || o.classes > static_cast<int>(DemoClassNames().size()))
    return InvalidArgument("classes must be between 1 and 9");
  const fs::path table = fs::path(o.out_dir) / "HAM10000_metadata.csv";
  std::error_code ec;
  if (fs::exists(table, ec))
    return FailedPrecondition(table.string() + " already exists; remove it or choose another folder");
  const fs::path images = fs::path(o.out_dir) / "images";
  fs::create_directories(images, ec);
  if (ec) return Internal("cannot create " + images.string() + ": " + ec.message());
  std::ofstream csv(table);
  if (!csv) return Internal("cannot write " + table.string());
  csv << "lesion_id,image_id,dx,dx_type,age,sex,localization,patient_id,fitzpatrick_skin_type\n";

  Rng people(Rng::Stream(o.seed, 1).Next());
  int lesion = 0, image = 0, patient = 0, patient_lesions_left = 0;
  std::string sex, skin;
  int age = 0, skin_type = 0;
  for (int i = 0; i < o.lesions_per_class; ++i) {
    for (int cls = 0; cls < o.classes; ++cls) {
      // A new patient, or the last one's next lesion (a third of patients have two or three).
      if (patient_lesions_left == 0) {
        ++patient;
        patient_lesions_left = people.Uniform() < 0.33 ? 2 + static_cast<int>(people.Below(2)) : 1;
        sex = people.Uniform() < 0.5 ? "male" : "female";
        skin_type = static_cast<int>(people.Below(6));
        age = 20 + 5 * static_cast<int>(people.Below(12));
      }
      --patient_lesions_left;
      const std::string& dx = DemoClassCodes()[static_cast<size_t>(cls)];
      Rng rng = Rng::Stream(o.seed, 100 + static_cast<uint64_t>(lesion));
      // Correlations: melanoma and carcinomas older, basal cell carcinoma on the face, nevi young.
      int lesion_age = age;
      if (dx == "mel" || dx == "bcc" || dx == "scc" || dx == "akiec") lesion_age = std::min(85, age + 20);
      if (dx == "nv") lesion_age = std::max(5, age - 15);
      const char* site = dx == "bcc" && rng.Uniform() < 0.6 ? "face" : kSites[rng.Below(7)];
      const char* dx_type = dx == "nv" && rng.Uniform() < 0.5 ? "follow_up" : "histo";
      const double tone = skin_type * 0.3 + rng.Uniform(0, 0.1);
      const int canvas_size = o.size * 5 / 4 / 2 * 2;
      cv::Mat canvas = DrawDemoImage(cls, canvas_size, rng, tone);
      const int views = 1 + static_cast<int>(rng.Below(static_cast<uint64_t>(o.max_views)));
      char lesion_id[32];
      snprintf(lesion_id, sizeof lesion_id, "HAM_%07d", lesion);
      for (int v = 0; v < views; ++v) {
        char image_id[32];
        snprintf(image_id, sizeof image_id, "ISIC_%07d", image++);
        const fs::path file = images / (std::string(image_id) + ".jpg");
        if (!cv::imwrite(file.string(), View(canvas, o.size, rng), {cv::IMWRITE_JPEG_QUALITY, 92}))
          return Internal("cannot write " + file.string());
        csv << lesion_id << "," << image_id << "," << dx << "," << dx_type << "," << lesion_age << "," << sex
            << "," << site << ",PAT_" << patient << "," << kSkinTypes[skin_type] << "\n";
      }
      ++lesion;
    }
  }
  csv.close();
  if (!csv) return Internal("cannot write " + table.string());
  return Status::Ok();
}

}  // namespace derm::data
