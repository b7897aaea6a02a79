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

std::string WhyNoWorkerFits(const derm::v1::JobSpec& job,
                            const std::vector<const derm::v1::RegisterWorkerRequest*>& workers) {
  if (std::any_of(workers.begin(), workers.end(), [&](const auto* w) { return Fits(job, *w); })) return "";
  if (workers.empty()) return "no worker is registered";
  const auto& need = job.resources();
  int32_t most_gpus = 0;
  int64_t most_memory = 0;
  bool unlimited_memory = false;
  for (const auto* w : workers) {
    most_gpus = std::max(most_gpus, w->gpus());
    most_memory = std::max(most_memory, w->memory_mb());
    unlimited_memory |= w->memory_mb() == 0;
  }
  std::vector<std::string> why;
  if (need.gpus() > most_gpus) {
    why.push_back("needs " + std::to_string(need.gpus()) + " GPUs; the most a worker offers is " +
                  std::to_string(most_gpus));
  }
  if (need.memory_mb() > 0 && !unlimited_memory && need.memory_mb() > most_memory) {
    why.push_back("needs " + std::to_string(need.memory_mb()) + " MB; the most a worker offers is " +
                  std::to_string(most_memory) + " MB");
  }
  for (const auto& label : need.labels()) {
    const bool anyone = std::any_of(workers.begin(), workers.end(), [&](const auto* w) {
      return std::find(w->labels().begin(), w->labels().end(), label) != w->labels().end();
    });
    if (!anyone) why.push_back("needs label '" + label + "', which no worker has");
  }
  if (why.empty()) return "no single worker offers everything it needs (GPUs, memory and labels together)";
  std::string out;
  for (const auto& w : why) out += (out.empty() ? "" : "; ") + w;
  return out;
}

}  // namespace derm::scheduler
