// dermctl reads a training spec's labels tables where it runs, before submitting (the scheduler
// reads no file a spec names): every problem the worker would find in the table or its images,
// with the CSV line, reported at once.
#pragma once

#include <string>
#include <vector>

#include "derm/v1/spec.pb.h"

namespace derm::client {

// The problems of data.table and data.test_table (none when the spec has no table).
std::vector<std::string> CheckTables(const derm::v1::DataSpec& data);

}  // namespace derm::client
