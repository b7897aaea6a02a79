// Slurm: BatchSystem through Slurm's commands: `sbatch --parsable` (the script on stdin),
// `squeue` (no accounting needed: sacct is often disabled) and `scancel`.
// Thread-safety: as BatchSystem.
#pragma once

#include <string>
#include <vector>

#include "scheduler/launcher/batch_system.h"

namespace derm::launcher {

class Slurm final : public BatchSystem {
 public:
  // `bin_dir`: where sbatch, squeue and scancel are ("" = on $PATH).
  explicit Slurm(std::string bin_dir = "") : bin_dir_(std::move(bin_dir)) {}
  StatusOr<std::string> Submit(const std::string& script) override;
  StatusOr<std::vector<BatchJob>> List(const std::string& job_name) override;
  Status Cancel(const std::string& id) override;
  std::string name() const override { return "slurm"; }

 private:
  std::string Tool(const char* name) const;
  std::string bin_dir_;
};

// The job id in `sbatch --parsable` output ("4711" or "4711;cluster"). INVALID_ARGUMENT otherwise.
StatusOr<std::string> ParseSbatchOutput(const std::string& out);
// Rows of `squeue -h -o '%i|%T|%r|%k'`. Lines that do not parse are skipped.
std::vector<BatchJob> ParseSqueueOutput(const std::string& out);
// PENDING, CONFIGURING, REQUEUED... -> kPending; RUNNING, COMPLETING, SUSPENDED... -> kRunning;
// COMPLETED, FAILED, CANCELLED, TIMEOUT, NODE_FAIL, PREEMPTED, OUT_OF_MEMORY, BOOT_FAIL,
// DEADLINE -> kEnded.
BatchJobState SlurmState(const std::string& state);

}  // namespace derm::launcher
