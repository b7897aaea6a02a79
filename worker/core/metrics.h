// Classification metrics from true and predicted labels: confusion matrix, per-class
// precision/recall/F1, accuracy and balanced accuracy. Pure C++ (no tensors).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace derm::core {

struct ClassScore {
  double precision = 0, recall = 0, f1 = 0;
  int64_t support = 0;  // true instances of the class
};

struct SplitEval {
  double loss = 0;
  double accuracy = 0;
  // Mean recall over classes that have at least one true instance.
  double balanced_accuracy = 0;
  int num_classes = 0;
  std::vector<int64_t> confusion;  // row = true, column = predicted, row-major
  std::vector<ClassScore> per_class;
  std::vector<int32_t> predicted;    // per image
  std::vector<float> probability;    // of the predicted class, per image
  std::vector<float> probabilities;  // of every class, per image: row-major, images x num_classes
  std::vector<int32_t> truth;        // the true class, per image
};

// Fills accuracy, balanced_accuracy, confusion and per_class of `eval` from `truth` and
// eval->predicted. A class never predicted has precision 0; a class with no support has recall 0.
void ScoreClassification(const std::vector<int32_t>& truth, int num_classes, SplitEval* eval);

}  // namespace derm::core
