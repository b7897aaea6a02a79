#include "worker/core/resnet50.h"

#include <cmath>

#include "common/rng.h"

namespace derm::core {
namespace {

constexpr int kBlocks[4] = {3, 4, 6, 3};
constexpr int64_t kPlanes[4] = {64, 128, 256, 512};
constexpr int64_t kExpansion = 4;
constexpr double kBnEps = 1e-5;

struct LayerPlan {
  std::string prefix;
  int64_t in, width, stride;
  bool downsample;
};

std::vector<LayerPlan> Plan() {
  std::vector<LayerPlan> plan;
  int64_t in = 64;
  for (int l = 0; l < 4; ++l) {
    for (int b = 0; b < kBlocks[l]; ++b) {
      const int64_t stride = (b == 0 && l > 0) ? 2 : 1;
      plan.push_back(
          {"layer" + std::to_string(l + 1) + "." + std::to_string(b) + ".", in, kPlanes[l], stride, b == 0});
      in = kPlanes[l] * kExpansion;
    }
  }
  return plan;
}

void AddBn(const std::string& name, int64_t c,
           std::vector<std::pair<std::string, std::vector<int64_t>>>* out) {
  for (const char* p : {"weight", "bias", "running_mean", "running_var"})
    out->push_back({name + "." + p, {c}});
}

}  // namespace

std::vector<std::pair<std::string, std::vector<int64_t>>> ResNet50::ExpectedTensors() {
  std::vector<std::pair<std::string, std::vector<int64_t>>> out;
  out.push_back({"conv1.weight", {64, 3, 7, 7}});
  AddBn("bn1", 64, &out);
  for (const auto& p : Plan()) {
    out.push_back({p.prefix + "conv1.weight", {p.width, p.in, 1, 1}});
    AddBn(p.prefix + "bn1", p.width, &out);
    out.push_back({p.prefix + "conv2.weight", {p.width, p.width, 3, 3}});
    AddBn(p.prefix + "bn2", p.width, &out);
    out.push_back({p.prefix + "conv3.weight", {p.width * kExpansion, p.width, 1, 1}});
    AddBn(p.prefix + "bn3", p.width * kExpansion, &out);
    if (p.downsample) {
      out.push_back({p.prefix + "downsample.0.weight", {p.width * kExpansion, p.in, 1, 1}});
      AddBn(p.prefix + "downsample.1", p.width * kExpansion, &out);
    }
  }
  return out;
}

TensorMap ResNet50::RandomWeights(uint64_t seed) {
  Rng rng(seed);
  TensorMap weights;
  for (const auto& [name, shape] : ExpectedTensors()) {
    at::Tensor t = at::empty(shape, at::kFloat);
    float* d = t.data_ptr<float>();
    const int64_t n = t.numel();
    if (shape.size() == 4) {
      // kaiming_normal_(mode="fan_out", nonlinearity="relu"): std = sqrt(2 / (out * kh * kw)).
      const double std = std::sqrt(2.0 / static_cast<double>(shape[0] * shape[2] * shape[3]));
      for (int64_t i = 0; i < n; ++i) d[i] = static_cast<float>(rng.Normal() * std);
    } else {
      const bool ones = name.ends_with(".weight") || name.ends_with("running_var");
      t.fill_(ones ? 1.0 : 0.0);
    }
    weights.emplace(name, t);
  }
  return weights;
}

StatusOr<ResNet50> ResNet50::Create(const TensorMap& weights, const at::Device& device,
                                    BackboneOptions options) {
  const auto expected = ExpectedTensors();
  std::map<std::string, std::vector<int64_t>> shapes(expected.begin(), expected.end());
  for (const auto& [name, t] : weights) {
    if (name.starts_with("fc.") || name.ends_with(".num_batches_tracked")) continue;
    if (!shapes.count(name)) return InvalidArgument("unexpected tensor " + name);
  }
  for (const auto& [name, shape] : expected) {
    auto it = weights.find(name);
    if (it == weights.end()) return InvalidArgument("missing tensor " + name);
    if (it->second.sizes().vec() != shape) {
      return InvalidArgument("tensor " + name + " has shape " + c10::str(it->second.sizes()) + ", expected " +
                             c10::str(at::IntArrayRef(shape)));
    }
    if (!at::isFloatingType(it->second.scalar_type())) {
      return InvalidArgument("tensor " + name + " is not floating point");
    }
  }
  auto get = [&](const std::string& n) { return weights.at(n).to(at::kFloat); };
  const auto format = options.channels_last ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous;
  const auto dtype = options.bf16 ? at::kBFloat16 : at::kFloat;
  auto fold = [&](const std::string& conv, const std::string& bn, int64_t stride, int64_t pad) {
    at::Tensor scale = get(bn + ".weight") / at::sqrt(get(bn + ".running_var") + kBnEps);
    ConvBn c;
    c.weight = (get(conv) * scale.view({-1, 1, 1, 1})).to(device, dtype).contiguous(format);
    c.bias = (get(bn + ".bias") - get(bn + ".running_mean") * scale).to(device, dtype);
    c.stride = stride;
    c.padding = pad;
    return c;
  };
  ResNet50 net(device, options);
  net.stem_ = fold("conv1.weight", "bn1", 2, 3);
  for (const auto& p : Plan()) {
    Block b;
    b.conv1 = fold(p.prefix + "conv1.weight", p.prefix + "bn1", 1, 0);
    b.conv2 = fold(p.prefix + "conv2.weight", p.prefix + "bn2", p.stride, 1);
    b.conv3 = fold(p.prefix + "conv3.weight", p.prefix + "bn3", 1, 0);
    b.has_downsample = p.downsample;
    if (p.downsample)
      b.downsample = fold(p.prefix + "downsample.0.weight", p.prefix + "downsample.1", p.stride, 0);
    net.blocks_.push_back(std::move(b));
  }
  return net;
}

at::Tensor ResNet50::ConvBn::operator()(const at::Tensor& x) const {
  return at::conv2d(x, weight, bias, {stride, stride}, {padding, padding});
}

at::Tensor ResNet50::Forward(const at::Tensor& x) const {
  const auto format = options_.channels_last ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous;
  at::Tensor h = stem_(x.to(options_.bf16 ? at::kBFloat16 : at::kFloat).contiguous(format)).relu_();
  h = at::max_pool2d(h, {3, 3}, {2, 2}, {1, 1});
  for (const Block& b : blocks_) {
    at::Tensor out = b.conv1(h).relu_();
    out = b.conv2(out).relu_();
    out = b.conv3(out);
    out.add_(b.has_downsample ? b.downsample(h) : h);
    h = out.relu_();
  }
  return h.mean({2, 3}).to(at::kFloat);
}

}  // namespace derm::core
