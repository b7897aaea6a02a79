#include "scheduler/run_curves.h"

#include <utility>

#include "scheduler/downsample.h"

namespace derm::scheduler {

derm::v1::RunCurves BuildRunCurves(int64_t run_id, const std::vector<store::EpochPoint>& points,
                                   size_t max_points) {
  derm::v1::RunCurves curves;
  curves.set_run_id(run_id);
  curves.set_epochs(static_cast<int32_t>(points.size()));
  const std::pair<const char*, double store::EpochPoint::*> figures[] = {
      {"train_loss", &store::EpochPoint::loss},
      {"train_accuracy", &store::EpochPoint::accuracy},
      {"val_loss", &store::EpochPoint::val_loss},
      {"val_accuracy", &store::EpochPoint::val_accuracy},
      {"images_per_second", &store::EpochPoint::images_per_second},
  };
  for (const auto& [name, field] : figures) {
    std::vector<double> values;
    values.reserve(points.size());
    for (const auto& p : points) values.push_back(p.*field);
    auto* series = curves.add_series();
    series->set_name(name);
    for (size_t i : MinMaxBuckets(values, max_points)) {
      series->add_epochs(points[i].epoch);
      series->add_values(values[i]);
    }
  }
  return curves;
}

}  // namespace derm::scheduler
