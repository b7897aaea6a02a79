// derm-eval-bench: how long the clinical evaluation of one split takes (common/eval/), without and
// with the test split's 1,000 bootstrap resamples, for 1,000 / 2,000 / 10,000 images of 9
// classes (seeded synthetic probabilities; median of 3). bench/README.md has the figures.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "common/eval/split_evaluation.h"
#include "common/rng.h"

namespace {

double Seconds(const std::function<void()>& fn) {
  std::vector<double> t;
  for (int i = 0; i < 3; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    fn();
    t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(t.begin(), t.end());
  return t[1];
}

}  // namespace

int main() {
  constexpr int kClasses = 9;
  std::printf("images  evaluation_ms  with_bootstrap_s\n");
  for (size_t n : {1000, 2000, 10000}) {
    derm::Rng rng(42);
    std::vector<float> probabilities(n * kClasses);
    std::vector<int32_t> truth(n);
    for (size_t i = 0; i < n; ++i) {
      truth[i] = static_cast<int32_t>(rng.Below(kClasses));
      float sum = 0;
      for (int k = 0; k < kClasses; ++k) {
        // Scores in whole hundredths (so ties occur), the true class favoured.
        const float v = static_cast<float>(rng.Below(100) + (k == truth[i] ? 60 : 1)) / 100.0f;
        probabilities[i * kClasses + k] = v;
        sum += v;
      }
      for (int k = 0; k < kClasses; ++k) probabilities[i * kClasses + k] /= sum;
    }
    derm::eval::EvaluationOptions plain, bootstrapped;
    bootstrapped.bootstrap_resamples = 1000;
    bootstrapped.seed = 123;
    const double a = Seconds([&] { derm::eval::EvaluateSplit(probabilities, truth, kClasses, plain); });
    const double b =
        Seconds([&] { derm::eval::EvaluateSplit(probabilities, truth, kClasses, bootstrapped); });
    std::printf("%6zu  %13.1f  %16.2f\n", n, a * 1000, b);
  }
  return 0;
}
