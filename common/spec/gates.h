// Spec gates (JobSpec.gates): which metrics a gate may name, and a gate's verdict on a run's test
// split. docs/evaluation.md lists the metrics.
#pragma once

#include <string>
#include <vector>

#include "derm/v1/jobs.pb.h"
#include "derm/v1/spec.pb.h"

namespace derm {

// Per-class metrics (a gate names its class) and whole-split ones (it names none).
bool IsClassGateMetric(const std::string& metric);
bool IsSplitGateMetric(const std::string& metric);

// "melanoma sensitivity at specificity 0.9 >= 0.85", "ece <= 0.05".
std::string DescribeGate(const derm::v1::Gate& gate);

// Each gate of `spec` on `test` (the run's test split; null when it has none): its value from the
// split's metrics and evaluation (leaked_pairs: `leaked_pairs`, the run's exact and near-duplicate
// pairs across splits), and whether it is within the gate's bounds. A gate whose value is missing
// or undefined (NaN) fails, with the reason.
std::vector<derm::v1::GateResult> EvaluateGates(const derm::v1::JobSpec& spec,
                                                const derm::v1::SplitMetrics* test, int64_t leaked_pairs = 0);

}  // namespace derm
