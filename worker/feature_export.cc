#include "worker/feature_export.h"

#include <c10/core/InferenceMode.h>

#include <fstream>
#include <iostream>
#include <iterator>
#include <numeric>

#include "common/strings.h"
#include "worker/backbone_cache.h"
#include "worker/core/feature_extractor.h"
#include "worker/core/head.h"
#include "worker/core/model_file.h"
#include "worker/data/dataset.h"
#include "worker/data/file_bytes.h"

namespace derm::worker {

Status ExportFeatures(const FeatureExportOptions& o, int64_t* written) {
  core::BackboneOptions options;
  options.channels_last = true;
  BackboneCache backbones(o.device, options);
  DERM_ASSIGN_OR_RETURN(const Backbone* backbone, backbones.Load(o.weights, o.seed));
  const core::ResNet50& net = *backbone->net;

  std::unique_ptr<core::DenseHead> head;
  if (!o.head.empty()) {
    if (o.class_names.size() < 2) return InvalidArgument("--head needs --classes with the run's class names");
    const data::FileBytes read = data::ReadFileBytes(o.head, core::kMaxModelFileBytes);
    if (read.error != data::FileBytes::Error::kNone) {
      return read.error == data::FileBytes::Error::kTooLarge
                 ? InvalidArgument("head checkpoint " + o.head + " is larger than a head")
                 : NotFound("cannot open head checkpoint " + o.head);
    }
    const std::string& bytes = read.bytes;
    core::HeadConfig hc;
    hc.classes = static_cast<int64_t>(o.class_names.size());
    Rng unused(0);
    head = std::make_unique<core::DenseHead>(hc, unused, at::Device(o.device));
    DERM_RETURN_IF_ERROR(head->Restore(bytes).status().WithPrefix(o.head));
  }

  std::vector<data::SkippedFile> skipped;
  DERM_ASSIGN_OR_RETURN(core::ImageSet images,
                        data::LoadImageFolder(o.images, o.height, o.width, 0, &skipped));
  for (const auto& s : skipped) std::cerr << "skipped " << s.path << ": " << s.reason << "\n";

  std::ofstream out(o.out);
  if (!out) return InvalidArgument("cannot write " + o.out);
  out << "path";
  if (head) {
    out << ",predicted,probability";
    for (const auto& c : o.class_names) out << "," << CsvCell("p_" + c);
  }
  for (int64_t k = 0; k < core::ResNet50::kFeatureDim; ++k) out << ",f" << k;
  out << "\n";

  const core::FeatureExtractor features(net, o.batch);
  c10::InferenceMode guard;
  for (int64_t start = 0; start < images.size(); start += o.batch) {
    std::vector<int64_t> idx(std::min<int64_t>(o.batch, images.size() - start));
    std::iota(idx.begin(), idx.end(), start);
    at::Tensor f = features.Features(images, idx).to(at::kCPU).contiguous();
    at::Tensor probs;
    if (head) probs = head->Probabilities(head->Standardize(f.to(net.device()))).to(at::kCPU).contiguous();
    for (size_t i = 0; i < idx.size(); ++i) {
      out << CsvCell(images.paths[idx[i]]);
      if (head) {
        const float* p = probs[i].data_ptr<float>();
        const int64_t best = probs[i].argmax().item<int64_t>();
        out << "," << CsvCell(o.class_names[best]);
        for (int64_t c = -1; c < probs.size(1); ++c) out << "," << FormatG(c < 0 ? p[best] : p[c], 6);
      }
      const float* row = f[i].data_ptr<float>();
      for (int64_t k = 0; k < f.size(1); ++k) out << "," << FormatG(row[k], 7);
      out << "\n";
    }
  }
  if (!out) return Internal("writing " + o.out + " failed");
  if (written) *written = images.size();
  return Status::Ok();
}

}  // namespace derm::worker
