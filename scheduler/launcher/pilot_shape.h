// PilotShape: what one pilot (a batch job running one derm-worker) asks the batch system for, and
// so what its worker offers to jobs: GPUs, memory and labels. Labels "partition=NAME" and
// "constraint=FEATURE" also choose the Slurm partition and node features.
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "derm/v1/jobs.pb.h"
#include "derm/v1/spec.pb.h"
#include "derm/v1/workers.pb.h"

namespace derm::launcher {

struct PilotShape {
  int32_t gpus = 0;
  int64_t memory_mb = 0;
  std::vector<std::string> labels;  // sorted, no duplicates
  bool operator==(const PilotShape& o) const {
    return gpus == o.gpus && memory_mb == o.memory_mb && labels == o.labels;
  }
};

// The smallest shape that fits `job`: its GPUs and labels, its memory but at least `min_memory_mb`.
PilotShape ShapeFor(const derm::v1::JobSpec& job, int64_t min_memory_mb);

// Labels go into batch scripts: INVALID_ARGUMENT naming a label that is not 1-64 characters of
// [A-Za-z0-9._:=-] (a spec is hostile input; nothing else reaches a shell or an #SBATCH line;
// `+` and `,` would break the comment the shape is stored in).
Status CheckLaunchable(const PilotShape& shape);

// The Slurm partition / node features the labels ask for ("" when none).
std::string PartitionOf(const PilotShape& shape);
std::string ConstraintOf(const PilotShape& shape);

// The shape as a batch job's comment, "derm:gpus=1,mem=4000,labels=a+b", and back (nullopt for
// a comment derm did not write), so a restarted launcher recognises its pilots.
std::string EncodeShape(const PilotShape& shape);
std::optional<PilotShape> DecodeShape(std::string_view comment);

// The shape as the registration its worker will send, for placement's Fits().
derm::v1::RegisterWorkerRequest AsWorker(const PilotShape& shape);
PilotShape ShapeOf(const derm::v1::WorkerInfo& worker);

}  // namespace derm::launcher
