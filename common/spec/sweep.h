// Sweeps: expanding a JobSpec with `sweep` into one JobSpec per point, and setting a spec field
// from its dotted path and a text value (by proto reflection, so any field can be swept).
#pragma once

#include <string>
#include <vector>

#include "common/status_or.h"
#include "derm/v1/spec.pb.h"

namespace derm {

inline constexpr int kMaxSweepPoints = 1000;

// Sets the scalar field at `path` ("train.learning_rate") from `value`; a repeated field takes
// "[a, b]" or "a,b". INVALID_ARGUMENT naming the path for an unknown field or a bad value.
Status SetSpecField(derm::v1::JobSpec* spec, const std::string& path, const std::string& value);

// One spec per point, without `sweep`, tagged sweep.point = index. Grid: every combination, in
// order of sorted paths; random: `trials` distinct grid points drawn with `seed`. At most
// kMaxSweepPoints points.
StatusOr<std::vector<derm::v1::JobSpec>> ExpandSweep(const derm::v1::JobSpec& spec);
// The runs a spec asks for: the sweep's points (or the spec itself), each cross-validated into
// data.cross_validation.folds runs when asked (fold 1..k, group = the point's name, name
// "<point>[fold=i/k]"). At most kMaxSweepPoints runs.
StatusOr<std::vector<derm::v1::JobSpec>> ExpandRuns(const derm::v1::JobSpec& spec);
// Whether the spec expands into several runs (a sweep, or cross-validation not yet expanded).
bool ExpandsIntoRuns(const derm::v1::JobSpec& spec);

// sweep.early_stopping: type asha, a stopping metric, grace_epochs 1-10000, reduction_factor 2-100.
Status CheckSweepEarlyStopping(const derm::v1::SweepEarlyStopping& early_stopping);

}  // namespace derm
