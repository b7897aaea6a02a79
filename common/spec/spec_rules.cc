#include "common/spec/spec_rules.h"

#include <cmath>

#include "common/spec/gates.h"

namespace derm {

void ApplySpecDefaults(derm::v1::JobSpec* spec) {
  if (spec->kind().empty()) spec->set_kind("train");
  if (!spec->resources().has_gpus()) spec->mutable_resources()->set_gpus(0);
  if (!spec->has_max_retries()) spec->set_max_retries(3);
  if (spec->kind() == "infer") {
    auto* infer = spec->mutable_infer();
    if (!infer->has_top_k()) infer->set_top_k(3);
    if (!infer->has_shard_size()) infer->set_shard_size(256);
    if (!infer->has_max_errors()) infer->set_max_errors(10);
    return;
  }
  auto* data = spec->mutable_data();
  if (!data->has_validation_split()) data->set_validation_split(0.2);
  if (!data->table().empty() && !data->has_max_errors()) data->set_max_errors(10);
  if (!data->has_seed()) data->set_seed(123);
  if (data->image_size().empty()) {
    data->add_image_size(224);
    data->add_image_size(224);
  }
  auto* aug = spec->mutable_augment();
  if (!aug->has_flip()) aug->set_flip("horizontal");
  if (!aug->has_rotation()) aug->set_rotation(0.1);
  if (!aug->has_zoom()) aug->set_zoom(0.1);
  auto* model = spec->mutable_model();
  if (!model->has_backbone()) model->set_backbone("resnet50");
  if (!model->has_dropout()) model->set_dropout(0.2);
  if (!model->has_standardize_features()) model->set_standardize_features(model->weights().empty());
  auto* train = spec->mutable_train();
  if (!train->has_batch_size()) train->set_batch_size(32);
  if (!train->has_epochs()) train->set_epochs(10);
  if (!train->has_optimizer()) train->set_optimizer("adam");
  if (!train->has_learning_rate()) train->set_learning_rate(0.001);
  if (!train->has_thumbnails()) train->set_thumbnails(true);
}

namespace {

constexpr size_t kMaxSpecMessageBytes = size_t{1} << 20;

class Checker {
 public:
  void Require(bool ok, const std::string& field, const std::string& message) {
    if (!ok) problems_.push_back({field, message});
  }
  void Range(double v, double lo, double hi, const std::string& field) {
    Require(std::isfinite(v) && v >= lo && v <= hi, field,
            "must be between " + Num(lo) + " and " + Num(hi) + ", got " + Num(v));
  }
  std::vector<SpecProblem> Take() { return std::move(problems_); }

 private:
  static std::string Num(double v) {
    std::string s = std::to_string(v);
    s.erase(s.find_last_not_of('0') + 1);
    if (!s.empty() && s.back() == '.') s.pop_back();
    return s;
  }
  std::vector<SpecProblem> problems_;
};

// The parts every kind shares.
void CheckCommon(const derm::v1::JobSpec& spec, Checker& c) {
  c.Require(spec.name().size() <= 200, "name", "is longer than 200 characters");
  // Everything but an inference job's image list is stored with every job and listed to everyone:
  // bounded as the spec file is (dermctl reads at most 1 MiB).
  c.Require(spec.ByteSizeLong() - spec.input().ByteSizeLong() <= kMaxSpecMessageBytes, "spec",
            "is larger than 1 MiB (input.paths aside)");
  c.Range(spec.resources().gpus(), 0, 64, "resources.gpus");
  c.Require(spec.resources().memory_mb() >= 0, "resources.memory_mb", "must not be negative");
  c.Range(spec.priority(), -1000000, 1000000, "priority");
  c.Range(spec.max_retries(), 0, 100, "max_retries");
  c.Require(spec.tags_size() <= 64, "tags",
            "must be at most 64 entries, got " + std::to_string(spec.tags_size()));
  for (const auto& [k, v] : spec.tags()) {
    c.Require(!k.empty() && k.size() <= 100 && v.size() <= 1000, "tags",
              "keys must be 1-100 characters and values at most 1000");
  }
}

void CheckInfer(const derm::v1::JobSpec& spec, Checker& c) {
  const auto& model = spec.model();
  // A registered model's name resolves to its run when submitted: the stored spec has both.
  c.Require((model.run_id() > 0 || !model.name().empty()) != !model.file().empty(), "model",
            "an infer job needs exactly one of model.run_id (a finished run), model.file (an exported "
            "model) and model.name (a registered model)");
  c.Require(model.run_id() >= 0, "model.run_id", "must not be negative");
  c.Require(model.version() >= 0, "model.version", "must not be negative");
  if (!model.name().empty()) {
    c.Require(model.version() > 0 || model.stage() == "staging" || model.stage() == "production",
              "model.stage", "a registered model needs model.version or model.stage (staging or production)");
  } else {
    c.Require(model.version() == 0 && model.stage().empty(), "model.name",
              "model.version and model.stage name a version of a registered model: model.name is missing");
  }
  const auto& in = spec.input();
  const int inputs =
      !in.folder().empty() + !in.glob().empty() + !in.list_file().empty() + (in.paths_size() > 0);
  c.Require(inputs == 1, "input",
            "an infer job needs exactly one of input.folder, input.glob, input.list_file and input.paths");
  const auto& infer = spec.infer();
  c.Range(infer.top_k(), 1, 1000, "infer.top_k");
  c.Range(infer.shard_size(), 1, 4096, "infer.shard_size");
  c.Require(infer.max_errors() >= 0, "infer.max_errors", "must not be negative");
  c.Require(!spec.has_data() && !spec.has_train() && !spec.has_augment() && !spec.has_balance() &&
                !spec.has_sweep(),
            "kind",
            "an infer job takes model, input and infer; data, train, augment, balance and sweep are "
            "for training");
}

// data's table fields: only with data.table; a test split from data.test_table or
// data.test_split, leaving room for training.
void CheckTable(const derm::v1::DataSpec& d, Checker& c) {
  if (d.table().empty()) {
    c.Require(d.images().empty() && d.format().empty() && d.image_column().empty() &&
                  d.label_column().empty() && !d.has_group_column() && d.attributes().empty() &&
                  !d.has_test_split() && d.test_table().empty() && d.test_images().empty() &&
                  !d.has_max_errors(),
              "data",
              "images, format, image_column, label_column, group_column, attributes, test_split, test_table, "
              "test_images and max_errors are for data.table");
    return;
  }
  c.Require(d.test_dir().empty(), "data.test_dir",
            "is for class folders; with data.table the test split is data.test_table or data.test_split");
  c.Require(d.format().empty() || d.format() == "ham10000" || d.format() == "isic_archive" ||
                d.format() == "isic_challenge" || d.format() == "custom",
            "data.format",
            "must be ham10000, isic_archive, isic_challenge or custom, got \"" + d.format() + "\"");
  for (const auto& [value, field] :
       {std::pair{&d.image_column(), "data.image_column"}, std::pair{&d.label_column(), "data.label_column"},
        std::pair{&d.group_column(), "data.group_column"}}) {
    c.Require(value->size() <= 200, field, "is longer than 200 characters");
  }
  c.Require(d.format() != "custom" || (!d.image_column().empty() && !d.label_column().empty()), "data.format",
            "custom needs data.image_column and data.label_column");
  c.Require(d.attributes_size() <= 50, "data.attributes", "must be at most 50 columns");
  for (const auto& a : d.attributes())
    c.Require(!a.empty() && a.size() <= 200, "data.attributes", "must be 1-200 characters each");
  if (d.has_test_split()) {
    c.Require(d.test_split() > 0 && d.test_split() < 1 && d.validation_split() + d.test_split() < 1,
              "data.test_split", "must be greater than 0, and with data.validation_split less than 1");
    c.Require(d.test_table().empty(), "data.test_split", "and data.test_table exclude each other");
  }
  c.Require(d.test_images().empty() || !d.test_table().empty(), "data.test_images", "is for data.test_table");
  c.Require(d.max_errors() >= 0, "data.max_errors", "must not be negative");
}

// data.cross_validation: 2-20 folds; a fold (set by the scheduler, or to run one alone) within them.
void CheckCrossValidation(const derm::v1::CrossValidation& cv, Checker& c) {
  if (cv.folds() == 0 && cv.fold() == 0 && cv.group().empty()) return;
  c.Range(cv.folds(), 2, 20, "data.cross_validation.folds");
  c.Range(cv.fold(), 0, cv.folds(), "data.cross_validation.fold");
  c.Require(cv.group().size() <= 400, "data.cross_validation.group", "is longer than 400 characters");
}

// Gates name a known metric (of a class, or of the split), one operating point for sensitivity
// or specificity, and at least one bound; they are checked on the test split, so they need one.
void CheckGates(const derm::v1::JobSpec& spec, Checker& c) {
  c.Require(spec.gates_size() <= 50, "gates", "must be at most 50");
  const auto& d = spec.data();
  c.Require(spec.gates().empty() || !d.test_dir().empty() || !d.test_table().empty() || d.has_test_split(),
            "gates",
            "are checked on the test split: they need data.test_dir, data.test_table or data.test_split");
  for (int i = 0; i < spec.gates_size(); ++i) {
    const auto& g = spec.gates(i);
    const std::string at = "gates[" + std::to_string(i) + "]";
    const bool per_class = IsClassGateMetric(g.metric());
    c.Require(per_class || IsSplitGateMetric(g.metric()), at + ".metric",
              "must be one of roc_auc, average_precision, sensitivity, specificity, precision, recall, f1 "
              "(with a class) or accuracy, balanced_accuracy, macro_roc_auc, weighted_roc_auc, ece, nll, "
              "brier, leaked_pairs, got \"" +
                  g.metric() + "\"");
    if (per_class) {
      c.Require(!g.class_().empty(), at + ".class", "is required for " + g.metric());
    } else if (IsSplitGateMetric(g.metric())) {
      c.Require(g.class_().empty(), at + ".class", "is not used by " + g.metric());
    }
    c.Require(g.class_().size() <= 200, at + ".class", "is longer than 200 characters");
    c.Require(g.has_at_specificity() == (g.metric() == "sensitivity"), at + ".at_specificity",
              g.metric() == "sensitivity" ? "is required for sensitivity" : "is only for sensitivity");
    c.Require(g.has_at_sensitivity() == (g.metric() == "specificity"), at + ".at_sensitivity",
              g.metric() == "specificity" ? "is required for specificity" : "is only for specificity");
    if (g.has_at_specificity()) c.Range(g.at_specificity(), 0, 1, at + ".at_specificity");
    if (g.has_at_sensitivity()) c.Range(g.at_sensitivity(), 0, 1, at + ".at_sensitivity");
    c.Require(g.has_min() || g.has_max(), at, "needs min or max");
    if (g.has_min()) c.Range(g.min(), -1e9, 1e9, at + ".min");
    if (g.has_max()) c.Range(g.max(), -1e9, 1e9, at + ".max");
  }
}

// train.early_stopping: a stopping metric and a patience.
void CheckEarlyStopping(const derm::v1::EarlyStopping& e, Checker& c) {
  if (e.metric().empty() && e.patience() == 0) return;
  c.Require(IsStopMetric(e.metric()), "train.early_stopping.metric",
            "must be val_loss, val_accuracy or val_balanced_accuracy, got \"" + e.metric() + "\"");
  c.Range(e.patience(), 1, 10000, "train.early_stopping.patience");
}

// evaluation: operating points in [0, 1], at most 20 of each.
void CheckEvaluation(const derm::v1::EvaluationSpec& e, Checker& c) {
  for (const auto& [values, field] : {std::pair{&e.specificities(), "evaluation.specificities"},
                                      std::pair{&e.sensitivities(), "evaluation.sensitivities"}}) {
    c.Require(values->size() <= 20, field, "must be at most 20 values");
    for (double v : *values) c.Range(v, 0, 1, field);
  }
}

}  // namespace

bool IsStopMetric(const std::string& metric) {
  return metric == "val_loss" || metric == "val_accuracy" || metric == "val_balanced_accuracy";
}

std::vector<SpecProblem> ValidateSpec(const derm::v1::JobSpec& spec) {
  Checker c;
  CheckCommon(spec, c);
  if (spec.kind() == "infer") {
    CheckInfer(spec, c);
    c.Require(spec.gates().empty(), "gates", "are for training jobs");
    return c.Take();
  }
  c.Require(spec.kind() == "train", "kind", "must be \"train\" or \"infer\", got \"" + spec.kind() + "\"");
  c.Require(!spec.has_input() && !spec.has_infer() && spec.model().run_id() == 0 &&
                spec.model().file().empty() && spec.model().name().empty() && spec.model().version() == 0 &&
                spec.model().stage().empty(),
            "kind",
            "input, infer, model.run_id, model.file, model.name, model.version and model.stage are for "
            "kind: infer");
  const auto& data = spec.data();
  c.Require(data.train_dir().empty() != data.table().empty(), "data.train_dir",
            data.train_dir().empty() ? "or data.table is required" : "and data.table exclude each other");
  c.Require(data.validation_split() > 0 && data.validation_split() < 1, "data.validation_split",
            "must be greater than 0 and less than 1");
  CheckTable(data, c);
  CheckCrossValidation(data.cross_validation(), c);
  c.Require(data.seed() >= 0, "data.seed", "must not be negative");
  if (data.image_size_size() != 2) {
    c.Require(false, "data.image_size", "must be [height, width]");
  } else {
    for (int v : data.image_size()) c.Range(v, 32, 1024, "data.image_size");
  }
  const auto& aug = spec.augment();
  c.Require(aug.flip() == "horizontal" || aug.flip() == "none", "augment.flip",
            "must be \"horizontal\" or \"none\", got \"" + aug.flip() + "\"");
  c.Range(aug.rotation(), 0, 0.5, "augment.rotation");
  c.Range(aug.zoom(), 0, 0.9, "augment.zoom");
  c.Range(spec.balance().samples_per_class(), 0, 100000, "balance.samples_per_class");
  const auto& model = spec.model();
  c.Require(model.backbone() == "resnet50", "model.backbone",
            "must be \"resnet50\", got \"" + model.backbone() + "\"");
  c.Require(model.dropout() >= 0 && model.dropout() < 1, "model.dropout",
            "must be at least 0 and less than 1");
  const auto& train = spec.train();
  c.Range(train.batch_size(), 1, 4096, "train.batch_size");
  c.Range(train.epochs(), 1, 10000, "train.epochs");
  c.Require(train.optimizer() == "adam", "train.optimizer",
            "must be \"adam\", got \"" + train.optimizer() + "\"");
  c.Require(train.learning_rate() > 0 && train.learning_rate() <= 10, "train.learning_rate",
            "must be greater than 0 and at most 10");
  CheckGates(spec, c);
  CheckEarlyStopping(train.early_stopping(), c);
  CheckEvaluation(spec.evaluation(), c);
  return c.Take();
}

std::string JoinProblems(const std::vector<SpecProblem>& problems) {
  std::string out;
  for (const auto& p : problems) {
    if (!out.empty()) out += "; ";
    out += p.field + ": " + p.message;
  }
  return out;
}

}  // namespace derm
