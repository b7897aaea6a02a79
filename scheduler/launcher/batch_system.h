// BatchSystem: what derm-launcher needs from a batch system (Slurm here): submit a script,
// list the pilots it submitted, cancel one. An interface so the launcher's decisions are tested
// with a fake; Slurm (slurm.h) runs the real commands.
// Thread-safety: implementations are used from one thread.
#pragma once

#include <string>
#include <vector>

#include "common/status_or.h"

namespace derm::launcher {

enum class BatchJobState { kPending, kRunning, kEnded };

struct BatchJob {
  std::string id;  // e.g. "4711"
  BatchJobState state = BatchJobState::kPending;
  std::string detail;   // the batch system's state and reason, e.g. "PENDING (Resources)"
  std::string comment;  // what the launcher wrote at submission (the pilot's shape)
};

class BatchSystem {
 public:
  virtual ~BatchSystem() = default;
  // Submits `script`; returns the new job's id. UNAVAILABLE with the batch system's message.
  virtual StatusOr<std::string> Submit(const std::string& script) = 0;
  // The jobs named `job_name` of this user, ended ones included while the batch system still
  // knows them. UNAVAILABLE when it cannot be asked (then the launcher changes nothing).
  virtual StatusOr<std::vector<BatchJob>> List(const std::string& job_name) = 0;
  // Cancels (signals, then kills) job `id`.
  virtual Status Cancel(const std::string& id) = 0;
  // "slurm": worker listings show "<name>:<id>" (derm-worker's --cluster-job).
  virtual std::string name() const = 0;
};

}  // namespace derm::launcher
