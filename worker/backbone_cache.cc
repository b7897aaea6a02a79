#include "worker/backbone_cache.h"

#include <filesystem>

#include "common/crypto/sha256.h"
#include "worker/core/safetensors.h"
#include "worker/data/file_bytes.h"

namespace derm::worker {

StatusOr<const Backbone*> BackboneCache::Load(const std::string& path, uint64_t seed) {
  std::string key = "random:" + std::to_string(seed);
  if (!path.empty()) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    const auto mtime = std::filesystem::last_write_time(path, ec);
    if (ec) return NotFound("model.weights: cannot open " + path);
    key =
        "file:" + path + ":" + std::to_string(size) + ":" + std::to_string(mtime.time_since_epoch().count());
  }
  if (backbone_.net && backbone_.key == key) return &backbone_;
  backbone_ = Backbone{};
  // The file is read once: hashed for the record, then parsed.
  std::string sha;
  core::TensorMap weights;
  if (path.empty()) {
    weights = core::ResNet50::RandomWeights(seed);
  } else {
    // ResNet50's weights are 100 MB in fp32; a file far above that is not weights, and reading
    // it whole could take the worker's memory.
    constexpr uintmax_t kMaxWeightsBytes = uintmax_t{2} << 30;
    const data::FileBytes file = data::ReadFileBytes(path, kMaxWeightsBytes);
    if (file.error == data::FileBytes::Error::kCannotOpen)
      return NotFound("model.weights: cannot open " + path);
    if (file.error == data::FileBytes::Error::kTooLarge) {
      return InvalidArgument("model.weights " + path + " is " + std::to_string(file.size) +
                             " bytes; weights files are at most 2 GiB");
    }
    if (file.error == data::FileBytes::Error::kCannotRead)
      return DataLoss("model.weights: cannot read " + path);
    const std::string& bytes = file.bytes;
    sha = Sha256Hex(bytes);
    auto parsed = core::ParseSafetensors(bytes);
    if (!parsed.ok()) return parsed.status().WithPrefix(path);
    weights = std::move(parsed).value();
  }
  auto net = core::ResNet50::Create(weights, at::Device(device_), options_);
  if (!net.ok()) return net.status().WithPrefix("model.weights " + path);
  backbone_.key = key;
  backbone_.weights = path.empty() ? "random(seed=" + std::to_string(seed) + ")" : path;
  backbone_.weights_sha256 = sha;
  backbone_.net = std::make_unique<core::ResNet50>(std::move(net).value());
  return &backbone_;
}

}  // namespace derm::worker
