// A small generated dataset for tests: the demo generator's first `classes` classes as
// Train/ and Test/ class folders under `dir`. Header-only: for test targets that link derm_data.
#pragma once

#include <string>

#include "worker/data/demo_data.h"

namespace derm::testing {

inline Status WriteTinyDataset(const std::string& dir, int classes, int train_per_class, int test_per_class,
                               int size) {
  data::DemoDataOptions o;
  o.out_dir = dir;
  o.classes = classes;
  o.train_per_class = train_per_class;
  o.test_per_class = test_per_class;
  o.size = size;
  return data::WriteDemoData(o);
}

}  // namespace derm::testing
