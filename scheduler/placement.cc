#include "scheduler/placement.h"

#include <algorithm>

namespace derm::scheduler {

bool Fits(const derm::v1::JobSpec& job, const derm::v1::RegisterWorkerRequest& worker) {
  const auto& need = job.resources();
  if (need.gpus() > worker.gpus()) return false;
  if (need.memory_mb() > 0 && worker.memory_mb() > 0 && need.memory_mb() > worker.memory_mb()) return false;
  return std::all_of(need.labels().begin(), need.labels().end(), [&](const std::string& label) {
    return std::find(worker.labels().begin(), worker.labels().end(), label) != worker.labels().end();
  });
}

}  // namespace derm::scheduler
