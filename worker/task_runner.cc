#include "worker/task_runner.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <thread>
#include <vector>

#include "common/spec/spec_rules.h"
#include "common/spec/table_options.h"
#include "common/spec/thumbnail_limits.h"
#include "worker/core/model_file.h"
#include "worker/core/trainer.h"
#include "worker/data/dataset.h"
#include "worker/data/leakage.h"
#include "worker/infer_runner.h"
#include "worker/out_of_memory.h"
#include "worker/result_convert.h"

namespace derm::worker {
namespace {

// The exported model of a finished run: its last checkpoint's head with the run's facts.
StatusOr<std::string> ExportRunModel(const std::string& checkpoint, const std::vector<std::string>& names,
                                     const derm::v1::JobSpec& spec, const Backbone& backbone,
                                     int64_t run_id) {
  core::HeadConfig hc;
  hc.classes = static_cast<int64_t>(names.size());
  Rng unused(0);
  core::DenseHead head(hc, unused, at::kCPU);
  DERM_RETURN_IF_ERROR(head.Restore(checkpoint).status().WithPrefix("exporting the model"));
  core::ModelInfo info;
  info.class_names = names;
  info.height = spec.data().image_size(0);
  info.width = spec.data().image_size(1);
  info.weights = backbone.weights;
  info.weights_sha256 = backbone.weights_sha256;
  info.backbone_seed = static_cast<uint64_t>(spec.data().seed());
  info.source_run_id = run_id;
  return core::ExportModel(head, info);
}

}  // namespace

TaskRunner::TaskRunner(RunnerOptions options) : options_(std::move(options)) {
  // LibTorch's own default can be one thread (it counts physical cores of the whole machine).
  at::set_num_threads(options_.threads > 0
                          ? options_.threads
                          : static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
  const at::Device device(options_.device);
  core::BackboneOptions backbone;
  backbone.channels_last = true;
  backbone.bf16 = options_.bf16.value_or(device.is_cuda());
  device_description_ = options_.device + (backbone.bf16 ? " bf16" : " fp32") + " channels_last";
  backbones_ = std::make_unique<BackboneCache>(options_.device, backbone);
  infer_ = std::make_unique<InferRunner>(options_, backbones_.get());
}

TaskRunner::~TaskRunner() = default;

TaskOutcome TaskRunner::Run(const derm::v1::Task& task, TaskReporter* reporter) {
  derm::v1::Task t = task;
  ApplySpecDefaults(t.mutable_spec());
  if (auto problems = ValidateSpec(t.spec()); !problems.empty()) {
    return Failure(InvalidArgument("invalid job spec: " + JoinProblems(problems)), false);
  }
  return t.spec().kind() == "infer" ? infer_->Run(t, reporter) : Train(t, reporter);
}

TaskOutcome TaskRunner::Train(const derm::v1::Task& task, TaskReporter* reporter) {
  const derm::v1::JobSpec& spec = task.spec();
  data::DatasetOptions d;
  d.train_dir = spec.data().train_dir();
  d.test_dir = spec.data().test_dir();
  d.validation_split = spec.data().validation_split();
  d.folds = spec.data().cross_validation().fold() > 0 ? spec.data().cross_validation().folds() : 0;
  d.fold = spec.data().cross_validation().fold();
  d.seed = static_cast<uint64_t>(spec.data().seed());
  d.height = spec.data().image_size(0);
  d.width = spec.data().image_size(1);
  d.threads = options_.decode_threads;
  d.samples_per_class = spec.balance().samples_per_class();
  d.cache_dir = options_.cache_dir;
  d.cache_budget = options_.cache_budget;
  d.roots = options_.roots;
  const auto& data = spec.data();
  if (!data.table().empty()) {
    data::TableData t;
    t.table = data.table();
    t.images = ImageFolderOf(data.table(), data.images());
    t.test_table = data.test_table();
    t.test_images = data.test_table().empty() ? "" : ImageFolderOf(data.test_table(), data.test_images());
    t.options = TableOptionsOf(data);
    t.test_split = data.test_split();
    t.max_errors = data.max_errors();
    d.table = std::move(t);
  }
  const auto optional = [](const std::string& path, auto check) {
    return path.empty() ? Status::Ok() : check(path);
  };
  const data::DataRoots& roots = options_.roots;
  for (Status st :
       {optional(d.train_dir, [&](const std::string& p) { return roots.Folder(p, "data.train_dir"); }),
        optional(d.test_dir, [&](const std::string& p) { return roots.Folder(p, "data.test_dir"); }),
        optional(data.table(), [&](const std::string& p) { return roots.File(p, "data.table"); }),
        optional(d.table ? d.table->images : "",
                 [&](const std::string& p) { return roots.Folder(p, "data.images"); }),
        optional(data.test_table(), [&](const std::string& p) { return roots.File(p, "data.test_table"); }),
        optional(d.table ? d.table->test_images : "",
                 [&](const std::string& p) { return roots.Folder(p, "data.test_images"); }),
        optional(spec.model().weights(),
                 [&](const std::string& p) { return roots.File(p, "model.weights"); })}) {
    if (!st.ok()) return Failure(st, false);
  }
  auto dataset = data::LoadDataset(d);
  if (!dataset.ok()) return Failure(dataset.status(), false);
  const data::Dataset& ds = *dataset;

  derm::v1::RunFacts facts;
  for (const auto& name : ds.class_names) facts.add_class_names(name);
  facts.set_train_images(ds.train.size());
  facts.set_validation_images(ds.validation.size());
  facts.set_test_images(ds.test.size());
  facts.set_dataset_fingerprint(ds.fingerprint);
  if (d.table) {
    facts.set_train_groups(ds.groups[0]);
    facts.set_validation_groups(ds.groups[1]);
    facts.set_test_groups(ds.groups[2]);
    facts.set_group_column(ds.group_column);
    for (const auto& w : ds.warnings) facts.add_data_warnings(w);
    for (const auto& a : ds.attribute_names) facts.add_attribute_names(a);
  }
  const data::Leakage leakage = data::FindLeakage(ds, options_.decode_threads);
  facts.set_leakage_checked(true);
  facts.set_exact_duplicate_pairs(leakage.exact);
  facts.set_near_duplicate_pairs(leakage.near);
  for (const auto& l : leakage.pairs) {
    static constexpr const char* kSplits[3] = {"train", "validation", "test"};
    auto* p = facts.add_leaked_pairs();
    p->set_split_a(kSplits[l.split_a]);
    p->set_path_a(l.path_a);
    p->set_split_b(kSplits[l.split_b]);
    p->set_path_b(l.path_b);
    p->set_exact(l.exact);
    p->set_distance(l.distance);
  }
  facts.set_standardize_features(spec.model().standardize_features());
  facts.set_device(device_description_);
  for (const auto& s : ds.skipped) {
    auto* k = facts.add_skipped();
    k->set_path(s.path);
    k->set_reason(s.reason);
  }
  StatusOr<const Backbone*> backbone = Internal("not loaded");
  try {  // LibTorch (c10::Error, e.g. out of device memory) stops here
    backbone = backbones_->Load(spec.model().weights(), static_cast<uint64_t>(spec.data().seed()));
  } catch (const std::exception& e) {
    return Failure(Internal(std::string("loading the backbone failed: ") + e.what()), true);
  }
  if (!backbone.ok()) return Failure(backbone.status(), false);
  facts.set_weights((*backbone)->weights);
  facts.set_weights_sha256((*backbone)->weights_sha256);

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
  cfg.backbone_batch =
      task.backbone_batch() > 0 ? task.backbone_batch() : BackboneBatch(options_, d.height, d.width);
  if (task.stop_epoch() > 0) cfg.epochs = std::min(cfg.epochs, task.stop_epoch());

  facts.set_backbone_batch(cfg.backbone_batch);
  if (Status st = reporter->Facts(facts); !st.ok()) return Failure(st, false);

  const auto& names = ds.class_names;
  Status report_error;
  std::string last_checkpoint = task.resume_checkpoint();
  // With train.early_stopping the model is the best epoch's, as the scheduler names it.
  const bool keep_best = !spec.train().early_stopping().metric().empty();
  std::string best_checkpoint = task.best_checkpoint();
  const eval::EvaluationOptions validation_options = ValidationEvaluationOptions(spec);
  core::TrainHooks hooks;
  hooks.on_epoch = [&](const core::EpochResult& r) {
    auto verdict = reporter->Epoch(ToProto(r, names, validation_options), r.checkpoint);
    if (!verdict.ok()) {
      report_error = verdict.status();
      return core::AfterEpoch::kCancel;
    }
    last_checkpoint = r.checkpoint;
    if (verdict->best_epoch() == r.epoch) best_checkpoint = r.checkpoint;
    return verdict->stop() ? core::AfterEpoch::kFinish : core::AfterEpoch::kContinue;
  };
  hooks.final_checkpoint = [&] { return keep_best ? best_checkpoint : std::string(); };
  hooks.should_stop = [&] { return reporter->Cancelled(); };
  hooks.on_progress = [&](int32_t epoch, int64_t done, int64_t total, double seconds) {
    derm::v1::Progress p;
    p.set_epoch(epoch);
    p.set_images_done(done);
    p.set_images_total(total);
    const double rate = seconds > 0 ? done / seconds : 0;
    p.set_images_per_second(rate);
    if (rate > 0)
      p.set_eta_seconds(((total - done) + static_cast<double>(cfg.epochs - epoch) * total) / rate);
    reporter->Progress(p);
  };

  core::Trainer trainer(*(*backbone)->net, cfg, static_cast<int>(names.size()));
  StatusOr<core::TrainOutcome> outcome = Status(StatusCode::kInternal, "not run");
  try {
    outcome = trainer.Run(ds.train, ds.validation, ds.test.size() ? &ds.test : nullptr,
                          task.resume_checkpoint(), hooks);
  } catch (const std::exception& e) {  // LibTorch (c10::Error) stops here
    TaskOutcome failed = Failure(Internal(std::string("training failed: ") + e.what()), true);
    if (IsOutOfMemory(e)) failed.out_of_memory_backbone_batch = cfg.backbone_batch;
    return failed;
  }
  if (!report_error.ok()) return Failure(report_error, false);
  if (!outcome.ok()) return Failure(outcome.status(), false);

  TaskOutcome done;
  const std::string& model_checkpoint =
      keep_best && !best_checkpoint.empty() ? best_checkpoint : last_checkpoint;
  auto model = ExportRunModel(model_checkpoint, names, spec, **backbone, task.run_id());
  if (!model.ok()) return Failure(model.status(), false);
  done.result.set_model(std::move(model).value());
  done.result.set_model_epoch(outcome->model_epoch);
  int thumbnails = spec.train().thumbnails() && options_.thumbnails ? kMaxThumbnailsPerRun : 0;
  AddPredictions("validation", ds.validation, outcome->validation, &done.result, &thumbnails);
  if (outcome->test) {
    *done.result.mutable_test() = ToProto(*outcome->test, names, TestEvaluationOptions(spec));
    AddPredictions("test", ds.test, *outcome->test, &done.result, &thumbnails);
  }
  AddAttributes(ds.attributes, &done.result);
  return done;
}

}  // namespace derm::worker
