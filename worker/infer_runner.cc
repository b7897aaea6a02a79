#include "worker/infer_runner.h"

#include <c10/core/InferenceMode.h>

#include <chrono>
#include <future>
#include <numeric>

#include "common/crypto/sha256.h"
#include "worker/core/feature_extractor.h"
#include "worker/data/dataset.h"
#include "worker/data/file_bytes.h"
#include "worker/out_of_memory.h"

namespace derm::worker {
InferRunner::InferRunner(const RunnerOptions& options, BackboneCache* backbones)
    : options_(options), backbones_(backbones) {}

StatusOr<const InferRunner::Model*> InferRunner::LoadModel(const derm::v1::Task& task) {
  std::string bytes = task.model();
  if (bytes.empty()) {
    const std::string& file = task.spec().model().file();
    DERM_RETURN_IF_ERROR(options_.roots.File(file, "model.file"));
    data::FileBytes read = data::ReadFileBytes(file, core::kMaxModelFileBytes);
    if (read.error == data::FileBytes::Error::kCannotOpen)
      return NotFound("model.file " + file + " cannot be opened");
    if (read.error == data::FileBytes::Error::kTooLarge) {
      return InvalidArgument("model.file " + file + " is " + std::to_string(read.size) +
                             " bytes; model files are at most " +
                             std::to_string(core::kMaxModelFileBytes >> 20) + " MiB");
    }
    if (read.error == data::FileBytes::Error::kCannotRead)
      return DataLoss("model.file " + file + " cannot be read");
    bytes = std::move(read.bytes);
  }
  const std::string sha = Sha256Hex(bytes);
  if (model_.loaded.head && model_.sha256 == sha) return &model_;
  model_ = Model{};
  DERM_ASSIGN_OR_RETURN(model_.loaded, core::LoadModel(bytes, at::Device(options_.device)));
  model_.sha256 = sha;
  return &model_;
}

StatusOr<const Backbone*> InferRunner::LoadBackbone(const derm::v1::JobSpec& spec,
                                                    const core::ModelInfo& info) {
  if (info.weights_sha256.empty()) return backbones_->Load("", info.backbone_seed);
  const std::string path = spec.model().weights().empty() ? info.weights : spec.model().weights();
  DERM_RETURN_IF_ERROR(options_.roots.File(path, "model.weights"));
  auto backbone = backbones_->Load(path, 0);
  if (!backbone.ok()) {
    return FailedPrecondition(backbone.status().message() + " (the model was trained with backbone weights " +
                              info.weights + ", SHA-256 " + info.weights_sha256 +
                              "; set model.weights to where this cluster keeps them)");
  }
  if ((*backbone)->weights_sha256 != info.weights_sha256) {
    return FailedPrecondition("model.weights " + path + " has SHA-256 " + (*backbone)->weights_sha256 +
                              ", but the model was trained with weights of SHA-256 " + info.weights_sha256);
  }
  return backbone;
}

TaskOutcome InferRunner::Run(const derm::v1::Task& task, TaskReporter* reporter) {
  const derm::v1::JobSpec& spec = task.spec();
  StatusOr<const Model*> model = Internal("not loaded");
  StatusOr<const Backbone*> backbone = Internal("not loaded");
  try {  // LibTorch (c10::Error, e.g. out of device memory) stops here
    model = LoadModel(task);
    if (!model.ok()) return Failure(model.status(), false);
    backbone = LoadBackbone(spec, (*model)->loaded.info);
  } catch (const std::exception& e) {
    return Failure(Internal(std::string("loading the model failed: ") + e.what()), true);
  }
  if (!backbone.ok()) return Failure(backbone.status(), false);

  const core::ModelInfo& info = (*model)->loaded.info;
  const core::DenseHead& head = *(*model)->loaded.head;
  const auto classes = static_cast<int64_t>(info.class_names.size());
  const int64_t k = std::min<int64_t>(spec.infer().top_k(), classes);
  TaskOutcome done;
  derm::v1::ShardResult& result = done.shard;
  for (const auto& name : info.class_names) result.add_class_names(name);
  result.set_model_sha256((*model)->sha256);

  // Decoding batch b+1 (on the decode pool) overlaps the backbone's work on batch b.
  const std::vector<std::string> inputs(task.inputs().begin(), task.inputs().end());
  const auto batch = static_cast<size_t>(
      task.backbone_batch() > 0 ? task.backbone_batch() : BackboneBatch(options_, info.height, info.width));
  auto decode = [&](size_t start) {
    std::vector<std::string> paths;
    std::vector<data::SkippedFile> refused;
    for (size_t i = start; i < std::min(inputs.size(), start + batch); ++i) {
      if (Status st = options_.roots.File(inputs[i], "input"); st.ok()) {
        paths.push_back(inputs[i]);
      } else {
        refused.push_back({inputs[i], st.message()});
      }
    }
    data::DecodedFiles decoded = data::DecodeFiles(paths, static_cast<int>(info.height),
                                                   static_cast<int>(info.width), options_.decode_threads);
    decoded.errors.insert(decoded.errors.end(), refused.begin(), refused.end());
    return decoded;
  };
  const core::FeatureExtractor features(*(*backbone)->net, static_cast<int>(batch));
  const auto started = std::chrono::steady_clock::now();
  try {
    c10::InferenceMode guard;
    std::future<data::DecodedFiles> next = std::async(std::launch::async, decode, 0);
    for (size_t start = 0; start < inputs.size(); start += batch) {
      data::DecodedFiles decoded = next.get();
      if (start + batch < inputs.size()) next = std::async(std::launch::async, decode, start + batch);
      if (reporter->Cancelled()) {
        if (next.valid()) next.wait();
        return Failure(Cancelled("the shard was cancelled"), false);
      }
      for (auto& e : decoded.errors) {
        auto* err = result.add_errors();
        err->set_path(std::move(e.path));
        err->set_reason(std::move(e.reason));
      }
      const core::ImageSet& images = decoded.images;
      if (images.size() > 0) {
        std::vector<int64_t> idx(images.size());
        std::iota(idx.begin(), idx.end(), 0);
        at::Tensor f = features.Features(images, idx);
        at::Tensor probs =
            head.Probabilities(head.Standardize(f.to((*backbone)->net->device()))).to(at::kCPU);
        auto [top_p, top_c] = probs.topk(k, 1);
        f = f.to(at::kCPU).contiguous();
        top_p = top_p.contiguous();
        top_c = top_c.contiguous();
        probs = probs.contiguous();
        for (int64_t i = 0; i < images.size(); ++i) {
          auto* p = result.add_predictions();
          p->set_path(images.paths[i]);
          p->set_sha256(decoded.sha256[i]);
          for (int64_t j = 0; j < k; ++j) {
            p->add_top_classes(static_cast<int32_t>(top_c[i][j].item<int64_t>()));
            p->add_top_probabilities(top_p[i][j].item<float>());
          }
          if (spec.infer().probabilities()) {
            const float* row = probs[i].data_ptr<float>();
            p->mutable_probabilities()->Add(row, row + classes);
          }
          if (spec.infer().features()) {
            p->set_features(std::string(reinterpret_cast<const char*>(f[i].data_ptr<float>()),
                                        core::ResNet50::kFeatureDim * sizeof(float)));
          }
        }
      }
      derm::v1::Progress progress;
      const auto processed = static_cast<int64_t>(std::min(inputs.size(), start + batch));
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      progress.set_images_done(processed);
      progress.set_images_total(static_cast<int64_t>(inputs.size()));
      if (seconds > 0) progress.set_images_per_second(static_cast<double>(processed) / seconds);
      reporter->Progress(progress);
    }
  } catch (const std::exception& e) {
    TaskOutcome failed = Failure(Internal(std::string("inference failed: ") + e.what()), true);
    if (IsOutOfMemory(e)) failed.out_of_memory_backbone_batch = static_cast<int32_t>(batch);
    return failed;
  }
  return done;
}

}  // namespace derm::worker
