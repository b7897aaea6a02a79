// Placement policy: which workers may run a job.
#pragma once

#include <string>
#include <vector>

#include "derm/v1/jobs.pb.h"
#include "derm/v1/workers.pb.h"

namespace derm::scheduler {

// True when the worker offers at least the job's GPUs, its memory (when both state one) and every
// label it asks for.
bool Fits(const derm::v1::JobSpec& job, const derm::v1::RegisterWorkerRequest& worker);

// Why no worker of `workers` fits the job, for people ("needs 4 GPUs; the most a worker offers is
// 2"); empty when one does.
std::string WhyNoWorkerFits(const derm::v1::JobSpec& job,
                            const std::vector<const derm::v1::RegisterWorkerRequest*>& workers);

}  // namespace derm::scheduler
