// The two kinds of job: a training run, or bulk inference over a list of images. A spec names its
// kind as text (`kind: train|infer`, validated by spec_rules.h); code compares this enum.
#pragma once

#include "derm/v1/jobs.pb.h"

namespace derm {

enum class JobKind { kTrain, kInfer };

inline JobKind KindOf(const derm::v1::JobSpec& spec) {
  return spec.kind() == "infer" ? JobKind::kInfer : JobKind::kTrain;
}

}  // namespace derm
