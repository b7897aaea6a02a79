// The rules of a JobSpec: its defaults (the tutorial's settings) and its validation. dermctl,
// the scheduler and the worker all apply these same rules.
#pragma once

#include <string>
#include <vector>

#include "derm/v1/spec.pb.h"

namespace derm {

// One thing wrong with a spec. `field` is the dotted path of the offending field
// ("train.batch_size"), so a YAML front end can point at the line it came from.
struct SpecProblem {
  std::string field;
  std::string message;
};

// Fills every unset field that has a default, so the stored spec records every hyperparameter.
void ApplySpecDefaults(derm::v1::JobSpec* spec);

// Returns every problem with `spec` (after defaults), empty when it is valid. Checks values and
// ranges only; whether data folders exist is checked where the paths resolve.
std::vector<SpecProblem> ValidateSpec(const derm::v1::JobSpec& spec);

// The validation metrics early stopping may watch: val_loss, val_accuracy, val_balanced_accuracy
// (epoch_metrics columns of the same names).
bool IsStopMetric(const std::string& metric);

// "field: message; field: message".
std::string JoinProblems(const std::vector<SpecProblem>& problems);

}  // namespace derm
