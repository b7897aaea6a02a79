#include "worker/core/model_file.h"

#include <gtest/gtest.h>

#include "worker/core/safetensors.h"

namespace derm::core {
namespace {

DenseHead Head(bool standardized) {
  HeadConfig config;
  config.classes = 3;
  Rng rng(7);
  DenseHead head(config, rng, at::kCPU);
  if (standardized) head.FitStandardization(at::randn({16, 2048}));
  return head;
}

ModelInfo Info() {
  ModelInfo info;
  info.class_names = {"nevus", "melanoma, \"invasive\"", "keratosis"};
  info.height = 96;
  info.width = 128;
  info.weights = "/w/resnet50.safetensors";
  info.weights_sha256 = std::string(64, 'a');
  info.backbone_seed = 9;
  info.source_run_id = 12;
  return info;
}

TEST(ModelFileTest, RoundTripsTheHeadAndEveryFact) {
  for (bool standardized : {false, true}) {
    const DenseHead head = Head(standardized);
    auto bytes = ExportModel(head, Info());
    ASSERT_TRUE(bytes.ok());
    auto model = LoadModel(*bytes, at::kCPU);
    ASSERT_TRUE(model.ok()) << model.status().ToString();
    EXPECT_EQ(model->info.class_names, Info().class_names);
    EXPECT_EQ(model->info.height, 96);
    EXPECT_EQ(model->info.width, 128);
    EXPECT_EQ(model->info.weights, Info().weights);
    EXPECT_EQ(model->info.weights_sha256, Info().weights_sha256);
    EXPECT_EQ(model->info.backbone_seed, 9u);
    EXPECT_EQ(model->info.source_run_id, 12);
    EXPECT_EQ(model->head->standardized(), standardized);
    const at::Tensor x = at::randn({4, 2048});
    EXPECT_TRUE(at::allclose(model->head->Probabilities(model->head->Standardize(x)),
                             head.Probabilities(head.Standardize(x))));
  }
}

TEST(ModelFileTest, RejectsWhatItCannotUseNamingIt) {
  const DenseHead head = Head(true);
  Metadata meta;
  TensorMap tensors = ParseSafetensors(ExportModel(head, Info()).value(), &meta).value();
  auto load = [&](const TensorMap& t, const Metadata& m) {
    return LoadModel(SerializeSafetensors(t, m).value(), at::kCPU).status().message();
  };
  Metadata other = meta;
  other["format"] = "keras.h5";
  EXPECT_NE(load(tensors, other).find("format is keras.h5"), std::string::npos);
  other = meta;
  other.erase("class_names");
  EXPECT_NE(load(tensors, other).find("metadata has no class_names"), std::string::npos);
  other = meta;
  other["image_size"] = "96";
  EXPECT_NE(load(tensors, other).find("image_size"), std::string::npos);
  TensorMap t = tensors;
  t["head.weight"] = at::zeros({4, 2048});
  EXPECT_NE(load(t, meta).find("head tensor weight must be float32 of shape [3, 2048]"), std::string::npos);
  t = tensors;
  t["fc.weight"] = at::zeros({3, 2048});
  EXPECT_NE(load(t, meta).find("unexpected tensor fc.weight"), std::string::npos);
  t = tensors;
  t.erase("head.feature_inv_std");
  EXPECT_NE(load(t, meta).find("come together"), std::string::npos);
  EXPECT_FALSE(LoadModel("garbage", at::kCPU).ok());
}

}  // namespace
}  // namespace derm::core
