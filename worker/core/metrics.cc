#include "worker/core/metrics.h"

namespace derm::core {

void ScoreClassification(const std::vector<int32_t>& truth, int num_classes, SplitEval* e) {
  const int n = num_classes;
  e->num_classes = n;
  e->confusion.assign(static_cast<size_t>(n) * n, 0);
  int64_t correct = 0;
  for (size_t i = 0; i < truth.size(); ++i) {
    e->confusion[truth[i] * n + e->predicted[i]]++;
    correct += truth[i] == e->predicted[i];
  }
  e->accuracy = truth.empty() ? 0.0 : static_cast<double>(correct) / truth.size();
  e->per_class.assign(n, ClassScore{});
  double recall_sum = 0;
  int supported = 0;
  for (int c = 0; c < n; ++c) {
    int64_t tp = e->confusion[c * n + c], row = 0, col = 0;
    for (int k = 0; k < n; ++k) {
      row += e->confusion[c * n + k];
      col += e->confusion[k * n + c];
    }
    ClassScore& s = e->per_class[c];
    s.support = row;
    s.precision = col ? static_cast<double>(tp) / col : 0.0;
    s.recall = row ? static_cast<double>(tp) / row : 0.0;
    s.f1 = s.precision + s.recall > 0 ? 2 * s.precision * s.recall / (s.precision + s.recall) : 0.0;
    if (row) {
      recall_sum += s.recall;
      ++supported;
    }
  }
  e->balanced_accuracy = supported ? recall_sum / supported : 0.0;
}

}  // namespace derm::core
