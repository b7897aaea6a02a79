#include "worker/core/head.h"

#include <cmath>
#include <cstring>
#include <vector>

namespace derm::core {
namespace {

constexpr char kMagic[8] = {'D', 'E', 'R', 'M', 'H', 'D', '0', '1'};

template <typename T>
void Put(std::string* out, const T& v) {
  out->append(reinterpret_cast<const char*>(&v), sizeof v);
}
void PutTensor(std::string* out, const at::Tensor& t) {
  at::Tensor c = t.to(at::kCPU).contiguous();
  out->append(reinterpret_cast<const char*>(c.data_ptr<float>()), c.numel() * sizeof(float));
}

class Reader {
 public:
  explicit Reader(const std::string& s) : s_(s) {}
  template <typename T>
  bool Get(T* v) {
    if (pos_ + sizeof(T) > s_.size()) return false;
    std::memcpy(v, s_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return true;
  }
  bool GetTensor(at::IntArrayRef shape, const at::Device& device, at::Tensor* t) {
    at::Tensor c = at::empty(shape, at::kFloat);
    const size_t bytes = c.numel() * sizeof(float);
    if (pos_ + bytes > s_.size()) return false;
    std::memcpy(c.data_ptr<float>(), s_.data() + pos_, bytes);
    pos_ += bytes;
    *t = c.to(device);
    return true;
  }
  bool AtEnd() const { return pos_ == s_.size(); }

 private:
  const std::string& s_;
  size_t pos_ = 0;
};

}  // namespace

DenseHead::DenseHead(const HeadConfig& config, Rng& rng, const at::Device& device)
    : config_(config), device_(device) {
  const double limit = std::sqrt(6.0 / static_cast<double>(config.in_features + config.classes));
  std::vector<float> w(config.classes * config.in_features);
  for (float& v : w) v = static_cast<float>(rng.Uniform(-limit, limit));
  weight_ = at::from_blob(w.data(), {config.classes, config.in_features}, at::kFloat).clone().to(device);
  bias_ = at::zeros({config.classes}, at::TensorOptions(at::kFloat).device(device));
  m_w_ = at::zeros_like(weight_);
  v_w_ = at::zeros_like(weight_);
  m_b_ = at::zeros_like(bias_);
  v_b_ = at::zeros_like(bias_);
}

void DenseHead::FitStandardization(const at::Tensor& features) {
  at::Tensor f = features.to(at::kDouble);
  at::Tensor mean = f.mean(0);
  at::Tensor std = (f - mean).pow(2).mean(0).sqrt();
  // A feature that never varies (a dead ReLU channel) is left unscaled.
  std = at::where(std > 0, std, at::ones_like(std));
  mean_ = mean.to(at::kFloat).to(device_);
  inv_std_ = (1.0 / std).to(at::kFloat).to(device_);
}

at::Tensor DenseHead::Standardize(const at::Tensor& features) const {
  if (!standardized()) return features;
  return (features - mean_) * inv_std_;
}

DenseHead::StepResult DenseHead::TrainStep(const at::Tensor& x, const at::Tensor& labels, Rng& rng) {
  const int64_t b = x.size(0);
  at::Tensor xd = x;
  if (config_.dropout > 0) {
    const float keep = static_cast<float>(1.0 - config_.dropout);
    std::vector<float> mask(b * config_.in_features);
    for (float& m : mask) m = rng.Uniform() < config_.dropout ? 0.0f : 1.0f / keep;
    xd = x * at::from_blob(mask.data(), {b, config_.in_features}, at::kFloat).to(device_);
  }
  at::Tensor logits = at::addmm(bias_, xd, weight_.t());
  at::Tensor logp = at::log_softmax(logits, 1);
  at::Tensor y = labels.view({-1, 1});
  StepResult r;
  r.loss_sum = -logp.gather(1, y).sum().item<double>();
  r.correct = logits.argmax(1).eq(labels).sum().item<int64_t>();

  at::Tensor g = logp.exp();
  g.scatter_add_(1, y, at::full({b, 1}, -1.0f, g.options()));
  g.div_(static_cast<double>(b));
  at::Tensor grad_w = at::mm(g.t(), xd);
  at::Tensor grad_b = g.sum(0);

  ++step_;
  const double b1 = config_.beta1, b2 = config_.beta2;
  const double lr_t = config_.learning_rate * std::sqrt(1 - std::pow(b2, step_)) / (1 - std::pow(b1, step_));
  auto update = [&](at::Tensor& p, at::Tensor& m, at::Tensor& v, const at::Tensor& grad) {
    m.mul_(b1).add_(grad, 1 - b1);
    v.mul_(b2).addcmul_(grad, grad, 1 - b2);
    p.addcdiv_(m, v.sqrt().add_(config_.epsilon), -lr_t);
  };
  update(weight_, m_w_, v_w_, grad_w);
  update(bias_, m_b_, v_b_, grad_b);
  return r;
}

at::Tensor DenseHead::Probabilities(const at::Tensor& x) const {
  return at::softmax(at::addmm(bias_, x, weight_.t()), 1);
}

std::map<std::string, at::Tensor> DenseHead::InferenceTensors() const {
  std::map<std::string, at::Tensor> out = {{"weight", weight_.to(at::kCPU)}, {"bias", bias_.to(at::kCPU)}};
  if (standardized()) {
    out["feature_mean"] = mean_.to(at::kCPU);
    out["feature_inv_std"] = inv_std_.to(at::kCPU);
  }
  return out;
}

Status DenseHead::LoadInferenceTensors(const std::map<std::string, at::Tensor>& tensors) {
  auto get = [&](const std::string& name, std::vector<int64_t> shape, bool required,
                 at::Tensor* out) -> Status {
    auto it = tensors.find(name);
    if (it == tensors.end())
      return required ? InvalidArgument("head tensor " + name + " is missing") : Status::Ok();
    if (it->second.scalar_type() != at::kFloat || it->second.sizes() != at::IntArrayRef(shape)) {
      std::string dims;
      for (int64_t d : shape) dims += (dims.empty() ? "" : ", ") + std::to_string(d);
      return InvalidArgument("head tensor " + name + " must be float32 of shape [" + dims + "]");
    }
    *out = it->second.to(device_);
    return Status::Ok();
  };
  at::Tensor w, b, mean, inv_std;
  DERM_RETURN_IF_ERROR(get("weight", {config_.classes, config_.in_features}, true, &w));
  DERM_RETURN_IF_ERROR(get("bias", {config_.classes}, true, &b));
  DERM_RETURN_IF_ERROR(get("feature_mean", {config_.in_features}, false, &mean));
  DERM_RETURN_IF_ERROR(get("feature_inv_std", {config_.in_features}, false, &inv_std));
  if (mean.defined() != inv_std.defined())
    return InvalidArgument("head tensors feature_mean and feature_inv_std come together");
  weight_ = w, bias_ = b, mean_ = mean, inv_std_ = inv_std;
  return Status::Ok();
}

std::string DenseHead::Serialize(int32_t epoch) const {
  std::string out(kMagic, sizeof kMagic);
  Put(&out, epoch);
  Put(&out, config_.in_features);
  Put(&out, config_.classes);
  Put(&out, step_);
  Put(&out, static_cast<uint8_t>(standardized()));
  for (const at::Tensor* t : {&weight_, &bias_, &m_w_, &v_w_, &m_b_, &v_b_}) PutTensor(&out, *t);
  if (standardized()) {
    PutTensor(&out, mean_);
    PutTensor(&out, inv_std_);
  }
  return out;
}

StatusOr<int32_t> DenseHead::Restore(const std::string& bytes) {
  Reader r(bytes);
  char magic[8];
  int32_t epoch;
  int64_t in, classes, step;
  uint8_t standardized;
  if (!r.Get(&magic) || std::memcmp(magic, kMagic, sizeof kMagic) != 0) {
    return InvalidArgument("checkpoint is not a derm head checkpoint");
  }
  if (!r.Get(&epoch) || !r.Get(&in) || !r.Get(&classes) || !r.Get(&step) || !r.Get(&standardized)) {
    return InvalidArgument("checkpoint header is truncated");
  }
  if (in != config_.in_features || classes != config_.classes) {
    return InvalidArgument("checkpoint is for " + std::to_string(classes) + " classes and " +
                           std::to_string(in) + " features, this run has " + std::to_string(config_.classes) +
                           " and " + std::to_string(config_.in_features));
  }
  at::Tensor w, b, mw, vw, mb, vb, mean, inv_std;
  const std::vector<int64_t> ws{classes, in}, bs{classes}, fs{in};
  bool ok = r.GetTensor(ws, device_, &w) && r.GetTensor(bs, device_, &b) && r.GetTensor(ws, device_, &mw) &&
            r.GetTensor(ws, device_, &vw) && r.GetTensor(bs, device_, &mb) && r.GetTensor(bs, device_, &vb);
  if (ok && standardized) ok = r.GetTensor(fs, device_, &mean) && r.GetTensor(fs, device_, &inv_std);
  if (!ok || !r.AtEnd()) return InvalidArgument("checkpoint body has the wrong size");
  weight_ = w, bias_ = b, m_w_ = mw, v_w_ = vw, m_b_ = mb, v_b_ = vb, step_ = step;
  mean_ = mean, inv_std_ = inv_std;
  return epoch;
}

}  // namespace derm::core
