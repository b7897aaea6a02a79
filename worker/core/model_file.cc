#include "worker/core/model_file.h"

#include <string>

#include "common/parse_number.h"
#include "common/strings.h"
#include "worker/core/json_lite.h"
#include "worker/core/safetensors.h"

namespace derm::core {
namespace {

constexpr const char* kFormat = "derm.model.v1";
constexpr const char* kPreprocessing = "rgb/255, imagenet mean/std";

StatusOr<int64_t> ToInt(const std::string& key, const std::string& text) {
  if (auto v = ParseInt64(text)) return *v;
  return InvalidArgument("model file: " + key + " is not a number: " + text);
}

}  // namespace

StatusOr<std::string> ExportModel(const DenseHead& head, const ModelInfo& info) {
  TensorMap tensors;
  for (auto& [name, t] : head.InferenceTensors()) tensors["head." + name] = t;
  std::string classes = "[";
  for (size_t i = 0; i < info.class_names.size(); ++i)
    classes += (i ? "," : "") + JsonQuote(info.class_names[i]);
  classes += "]";
  const Metadata metadata = {
      {"format", kFormat},
      {"backbone", "resnet50"},
      {"class_names", classes},
      {"image_size", std::to_string(info.height) + "," + std::to_string(info.width)},
      {"preprocessing", kPreprocessing},
      {"weights", info.weights},
      {"weights_sha256", info.weights_sha256},
      {"backbone_seed", std::to_string(info.backbone_seed)},
      {"source_run_id", std::to_string(info.source_run_id)},
  };
  return SerializeSafetensors(tensors, metadata);
}

StatusOr<LoadedModel> LoadModel(std::string_view bytes, const at::Device& device) {
  Metadata meta;
  auto parsed = ParseSafetensors(bytes, &meta);
  if (!parsed.ok()) return parsed.status().WithPrefix("model file");
  auto field = [&](const std::string& key) -> StatusOr<std::string> {
    auto it = meta.find(key);
    if (it == meta.end()) return InvalidArgument("model file: metadata has no " + key);
    return it->second;
  };
  DERM_ASSIGN_OR_RETURN(std::string format, field("format"));
  if (format != kFormat) return InvalidArgument("model file: format is " + format + ", expected " + kFormat);
  DERM_ASSIGN_OR_RETURN(std::string backbone, field("backbone"));
  if (backbone != "resnet50")
    return InvalidArgument("model file: backbone " + backbone + " is not supported");
  DERM_ASSIGN_OR_RETURN(std::string preprocessing, field("preprocessing"));
  if (preprocessing != kPreprocessing)
    return InvalidArgument("model file: preprocessing \"" + preprocessing + "\" is not supported");

  LoadedModel model;
  ModelInfo& info = model.info;
  DERM_ASSIGN_OR_RETURN(std::string classes_json, field("class_names"));
  auto classes = ParseJson(classes_json);
  if (!classes.ok() || classes->kind != JsonValue::Kind::kArray || classes->array.size() < 2)
    return InvalidArgument("model file: class_names must be a JSON array of at least 2 names");
  for (const auto& c : classes->array) {
    if (c.kind != JsonValue::Kind::kString)
      return InvalidArgument("model file: class_names must hold strings");
    info.class_names.push_back(c.string);
  }
  DERM_ASSIGN_OR_RETURN(std::string size, field("image_size"));
  const auto hw = Split(size, ',');
  if (hw.size() != 2) return InvalidArgument("model file: image_size must be HEIGHT,WIDTH, got " + size);
  DERM_ASSIGN_OR_RETURN(info.height, ToInt("image_size", hw[0]));
  DERM_ASSIGN_OR_RETURN(info.width, ToInt("image_size", hw[1]));
  if (info.height < 32 || info.height > 1024 || info.width < 32 || info.width > 1024)
    return InvalidArgument("model file: image_size " + size + " is outside 32..1024");
  DERM_ASSIGN_OR_RETURN(info.weights, field("weights"));
  DERM_ASSIGN_OR_RETURN(info.weights_sha256, field("weights_sha256"));
  DERM_ASSIGN_OR_RETURN(std::string seed, field("backbone_seed"));
  DERM_ASSIGN_OR_RETURN(int64_t seed_value, ToInt("backbone_seed", seed));
  info.backbone_seed = static_cast<uint64_t>(seed_value);
  DERM_ASSIGN_OR_RETURN(std::string run, field("source_run_id"));
  DERM_ASSIGN_OR_RETURN(info.source_run_id, ToInt("source_run_id", run));

  TensorMap head_tensors;
  for (auto& [name, t] : *parsed) {
    if (name.rfind("head.", 0) != 0) return InvalidArgument("model file: unexpected tensor " + name);
    head_tensors[name.substr(5)] = t;
  }
  HeadConfig config;
  config.classes = static_cast<int64_t>(info.class_names.size());
  Rng unused(0);
  model.head = std::make_unique<DenseHead>(config, unused, device);
  DERM_RETURN_IF_ERROR(model.head->LoadInferenceTensors(head_tensors).WithPrefix("model file"));
  return model;
}

}  // namespace derm::core
