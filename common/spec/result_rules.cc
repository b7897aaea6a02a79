#include "common/spec/result_rules.h"

#include <cmath>
#include <initializer_list>
#include <utility>

#include "common/spec/thumbnail_limits.h"

namespace derm {

std::string NonFiniteMetric(const derm::v1::EpochMetrics& m) {
  const auto& v = m.validation();
  std::initializer_list<std::pair<const char*, double>> figures = {
      {"loss", m.loss()},
      {"accuracy", m.accuracy()},
      {"validation.loss", v.loss()},
      {"validation.accuracy", v.accuracy()},
      {"validation.balanced_accuracy", v.balanced_accuracy()},
      {"seconds", m.seconds()},
      {"images_per_second", m.images_per_second()},
  };
  const auto describe = [](const std::string& name, double x) {
    return name + " is " + (std::isnan(x) ? "NaN" : x > 0 ? "inf" : "-inf");
  };
  for (const auto& [name, x] : figures) {
    if (!std::isfinite(x)) return describe(name, x);
  }
  for (int c = 0; c < v.per_class_size(); ++c) {
    const auto& k = v.per_class(c);
    const std::string at = "validation.per_class[" + std::to_string(c) + "].";
    for (const auto& [name, x] : {std::pair<const char*, double>{"precision", k.precision()},
                                  {"recall", k.recall()},
                                  {"f1", k.f1()}}) {
      if (!std::isfinite(x)) return describe(at + name, x);
    }
  }
  return "";
}

std::string BadThumbnails(const derm::v1::RunResult& result) {
  int count = 0;
  for (const auto& p : result.predictions()) {
    if (p.thumbnail().empty()) continue;
    if (++count > kMaxThumbnailsPerRun)
      return "more than " + std::to_string(kMaxThumbnailsPerRun) + " thumbnails";
    if (p.thumbnail().size() > kMaxThumbnailBytes || p.thumbnail().compare(0, 2, "\xFF\xD8") != 0) {
      return "the thumbnail of " + p.path() + " is not a JPEG of at most " +
             std::to_string(kMaxThumbnailBytes) + " bytes";
    }
  }
  return "";
}

std::string BadFacts(const derm::v1::RunFacts& f) {
  if (f.data_warnings_size() > 20) return "more than 20 data warnings";
  for (const auto& w : f.data_warnings()) {
    if (w.size() > 1000) return "a data warning is longer than 1,000 characters";
  }
  if (f.leaked_pairs_size() > 1000) return "more than 1,000 leaked pairs";
  if (f.group_column().size() > 200) return "the group column's name is longer than 200 characters";
  if (f.attribute_names_size() > 50) return "more than 50 attribute names";
  for (const auto& a : f.attribute_names()) {
    if (a.empty() || a.size() > 200) return "an attribute name is empty or longer than 200 characters";
  }
  if (f.exact_duplicate_pairs() < 0 || f.near_duplicate_pairs() < 0 || f.train_groups() < 0 ||
      f.validation_groups() < 0 || f.test_groups() < 0)
    return "a negative count";
  const auto order = [](const std::string& split) {
    return split == "train" ? 0 : split == "validation" ? 1 : split == "test" ? 2 : -1;
  };
  for (const auto& p : f.leaked_pairs()) {
    if (order(p.split_a()) < 0 || order(p.split_b()) <= order(p.split_a()))
      return "a leaked pair's splits must be two of train, validation and test, in that order";
  }
  return "";
}

std::string BadPredictions(const derm::v1::RunResult& result, int classes) {
  // A run whose facts named no classes: its predictions' probability vectors must agree.
  if (classes == 0 && !result.predictions().empty()) classes = result.predictions(0).probabilities_size();
  for (const auto& p : result.predictions()) {
    if (classes > 0 && (p.true_class() < 0 || p.true_class() >= classes || p.predicted_class() < 0 ||
                        p.predicted_class() >= classes)) {
      return "the prediction of " + p.path() + " names a class outside the run's " + std::to_string(classes);
    }
    if (p.attributes_size() > 50) return "the prediction of " + p.path() + " has more than 50 attributes";
    for (const auto& a : p.attributes()) {
      if (a.size() > 1000) return "an attribute of " + p.path() + " is longer than 1,000 characters";
    }
    if (p.probabilities().empty()) continue;
    if (p.probabilities_size() != classes) {
      return "the prediction of " + p.path() + " has " + std::to_string(p.probabilities_size()) +
             " probabilities for " + std::to_string(classes) + " classes";
    }
    for (float x : p.probabilities()) {
      if (!(x >= 0 && x <= 1)) return "the prediction of " + p.path() + " has a probability outside [0, 1]";
    }
  }
  return "";
}

std::string BadEvaluation(const derm::v1::SplitMetrics& m) {
  const auto& e = m.evaluation();
  if (e.per_class_size() > m.confusion().class_names_size())
    return "the evaluation has " + std::to_string(e.per_class_size()) + " classes, the confusion matrix " +
           std::to_string(m.confusion().class_names_size());
  if (e.reliability_size() > 100) return "the evaluation has more than 100 reliability bins";
  for (const auto& c : e.per_class()) {
    for (const derm::v1::Curve* curve : {&c.roc(), &c.precision_recall()}) {
      if (curve->x_size() > 1000 || curve->x_size() != curve->y_size())
        return "a curve of class " + c.class_name() + " has more than 1,000 points or unpaired ones";
    }
    if (c.at_specificity_size() > 100 || c.at_sensitivity_size() > 100)
      return "class " + c.class_name() + " has more than 100 operating points";
  }
  return "";
}

}  // namespace derm
