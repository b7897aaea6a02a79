// Flattening of a JobSpec into named hyperparameters ("train.learning_rate" -> "0.001"), as the
// store records them and `compare` shows them.
#pragma once

#include <map>
#include <string>

#include "derm/v1/spec.pb.h"

namespace derm {

// Every set field of `spec`, by dotted path; repeated fields as "[a, b]", map entries as
// "tags.KEY".
std::map<std::string, std::string> FlattenSpec(const derm::v1::JobSpec& spec);

}  // namespace derm
