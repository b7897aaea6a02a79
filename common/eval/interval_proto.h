// An eval::Interval as its wire message (derm.v1.Interval), for the targets that send one (the
// worker's results, the scheduler's comparisons); header-only, so derm_eval itself needs no protos.
#pragma once

#include "common/eval/bootstrap.h"
#include "derm/v1/results.pb.h"

namespace derm::eval {

inline derm::v1::Interval ToProto(const Interval& i) {
  derm::v1::Interval out;
  out.set_estimate(i.estimate);
  out.set_lower(i.lower);
  out.set_upper(i.upper);
  out.set_resamples(i.resamples);
  out.set_seed(i.seed);
  out.set_level(i.level);
  return out;
}

}  // namespace derm::eval
