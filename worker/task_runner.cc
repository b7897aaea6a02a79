#include "worker/task_runner.h"

#include "common/rpc/spec_rules.h"
#include "worker/core/torch_shim.h"
#include "worker/core/trainer.h"
#include "worker/data/dataset.h"
#include "worker/result_convert.h"

namespace derm::worker {
namespace {

TaskOutcome Failure(Status status, bool retryable) {
  TaskOutcome o;
  o.status = std::move(status);
  o.retryable = retryable;
  return o;
}

}  // namespace

TaskRunner::TaskRunner(RunnerOptions options) : options_(std::move(options)) {
  core::shim::SetThreads(options_.threads);
}

const core::ResNet50& TaskRunner::Backbone(uint64_t seed) {
  if (!backbone_ || backbone_seed_ != seed) {
    backbone_.reset();
    auto net = core::ResNet50::Create(core::ResNet50::RandomWeights(seed), at::Device(options_.device));
    backbone_ = std::make_unique<core::ResNet50>(std::move(net).value());  // random weights always fit
    backbone_seed_ = seed;
  }
  return *backbone_;
}

TaskOutcome TaskRunner::Run(const derm::v1::Task& task, TaskReporter* reporter) {
  derm::v1::JobSpec spec = task.spec();
  ApplySpecDefaults(&spec);
  if (auto problems = ValidateSpec(spec); !problems.empty()) {
    return Failure(InvalidArgument("invalid job spec: " + JoinProblems(problems)), false);
  }
  if (!spec.model().weights().empty()) {
    return Failure(InvalidArgument("model.weights: this worker cannot load pretrained .safetensors weights "
                                   "yet; leave model.weights empty to train on seeded random weights"),
                   false);
  }
  data::DatasetOptions d;
  d.train_dir = spec.data().train_dir();
  d.test_dir = spec.data().test_dir();
  d.validation_split = spec.data().validation_split();
  d.seed = static_cast<uint64_t>(spec.data().seed());
  d.height = spec.data().image_size(0);
  d.width = spec.data().image_size(1);
  d.threads = options_.decode_threads;
  auto dataset = data::LoadDataset(d);
  if (!dataset.ok()) return Failure(dataset.status(), false);
  const data::Dataset& ds = *dataset;

  derm::v1::RunFacts facts;
  for (const auto& name : ds.class_names) facts.add_class_names(name);
  facts.set_train_images(ds.train.size());
  facts.set_validation_images(ds.validation.size());
  facts.set_test_images(ds.test.size());
  facts.set_dataset_fingerprint(ds.fingerprint);
  facts.set_weights("random(seed=" + std::to_string(spec.data().seed()) + ")");
  facts.set_standardize_features(spec.model().standardize_features());
  facts.set_device(options_.device);
  for (const auto& s : ds.skipped) {
    auto* k = facts.add_skipped();
    k->set_path(s.path);
    k->set_reason(s.reason);
  }
  if (Status st = reporter->Facts(facts); !st.ok()) return Failure(st, false);

  core::TrainConfig cfg;
  cfg.epochs = spec.train().epochs();
  cfg.batch_size = spec.train().batch_size();
  cfg.learning_rate = spec.train().learning_rate();
  cfg.dropout = spec.model().dropout();
  cfg.augment.flip = spec.augment().flip() == "horizontal";
  cfg.augment.rotation = spec.augment().rotation();
  cfg.augment.zoom = spec.augment().zoom();
  cfg.standardize = spec.model().standardize_features();
  cfg.seed = static_cast<uint64_t>(spec.data().seed());
  cfg.backbone_batch = options_.backbone_batch;

  const auto& names = ds.class_names;
  Status report_error;
  core::TrainHooks hooks;
  hooks.on_epoch = [&](const core::EpochResult& r) {
    report_error = reporter->Epoch(ToProto(r, names), r.checkpoint);
    return report_error.ok();
  };
  hooks.should_stop = [&] { return reporter->Cancelled(); };

  core::Trainer trainer(Backbone(cfg.seed), cfg, static_cast<int>(names.size()));
  StatusOr<core::TrainOutcome> outcome = Status(StatusCode::kInternal, "not run");
  try {
    outcome = trainer.Run(ds.train, ds.validation, ds.test.size() ? &ds.test : nullptr,
                          task.resume_checkpoint(), hooks);
  } catch (const std::exception& e) {  // LibTorch (c10::Error) stops here
    return Failure(Internal(std::string("training failed: ") + e.what()), true);
  }
  if (!report_error.ok()) return Failure(report_error, false);
  if (!outcome.ok()) return Failure(outcome.status(), false);

  TaskOutcome done;
  AddPredictions("validation", ds.validation, outcome->validation, &done.result);
  if (outcome->test) {
    *done.result.mutable_test() = ToProto(*outcome->test, names);
    AddPredictions("test", ds.test, *outcome->test, &done.result);
  }
  return done;
}

}  // namespace derm::worker
