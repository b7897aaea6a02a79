// Feature export: the pooled 2048-d ResNet50 features of every image in a folder, and, given a
// trained head checkpoint (a run's `artifacts` row), its predictions, written to CSV for users'
// own analyses.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"

namespace derm::worker {

struct FeatureExportOptions {
  std::string images;   // folder, searched recursively
  std::string out;      // CSV file
  std::string weights;  // .safetensors; empty = random weights from `seed`
  uint64_t seed = 123;
  int height = 224, width = 224;
  std::string head;                      // head checkpoint file; empty = features only
  std::vector<std::string> class_names;  // required with `head`, in label order
  std::string device = "cpu";
  int batch = 64;
};

// Writes a header line "path,predicted,probability,p_<class>...,f0..f2047" (prediction columns
// only with a head), then one line per decodable image. Returns the number of images written via
// `written` when not null.
Status ExportFeatures(const FeatureExportOptions& options, int64_t* written = nullptr);

}  // namespace derm::worker
