// The batch script of one pilot: #SBATCH lines for its shape and the site's own, then
// `exec derm-worker ...` offering exactly that shape. exec makes the worker the batch step's
// process, so Slurm's signals (B:USR1 before preemption or the time limit, TERM on scancel) reach
// it. Every value is shell-quoted; labels were checked by CheckLaunchable first.
// Thread-safety: plain functions.
#pragma once

#include <string>
#include <vector>

#include "common/grpc/tls.h"
#include "common/status_or.h"
#include "scheduler/launcher/pilot_shape.h"

namespace derm::launcher {

struct PilotTemplate {
  std::string job_name = "derm-worker";   // the batch jobs' name; the launcher lists its own by it
  std::string worker_binary;              // absolute path of derm-worker on the compute nodes
  std::string scheduler;                  // HOST:PORT the workers dial
  std::string token_file;                 // worker token, on a file system the nodes share
  TlsFiles tls;                           // the workers' --tls-* files
  std::string gpu_device = "cuda";        // --device of pilots with GPUs (CPU pilots: cpu)
  int cpus = 4;                           // --cpus-per-task, and the worker's --threads
  std::string time_limit;                 // --time (empty: the partition's default)
  int signal_seconds = 90;                // --signal=B:USR1@N: warning before preemption/time limit
  std::string log_dir;                    // --output DIR/derm-worker-%j.out (empty: Slurm's default)
  std::vector<std::string> sbatch_lines;  // the site's own options, e.g. "--account=derm"
  std::vector<std::string> worker_flags;  // more derm-worker flags, e.g. "--data-root=/data"
  // A site's script with {{SBATCH}} and {{WORKER}} where derm's lines go (module loads, env);
  // empty: "#!/bin/bash\n{{SBATCH}}\n{{WORKER}}\n".
  std::string script_template;
};

// 'text' quoted for a POSIX shell.
std::string ShellQuote(const std::string& text);

// The script for a pilot of `shape`. INVALID_ARGUMENT when the template lacks {{SBATCH}} or
// {{WORKER}}, or a site line or flag holds a newline.
StatusOr<std::string> RenderSbatchScript(const PilotShape& shape, const PilotTemplate& t);

}  // namespace derm::launcher
