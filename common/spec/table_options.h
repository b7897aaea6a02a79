// What a training spec's data section says about reading its labels table (docs/data.md), as the
// table reader's options: dermctl and the worker read the table the same way.
#pragma once

#include <string>
#include <vector>

#include "common/table/label_table.h"
#include "derm/v1/spec.pb.h"

namespace derm {

// The options for data.table, or (test) for data.test_table with the training table's classes.
table::TableOptions TableOptionsOf(const derm::v1::DataSpec& data,
                                   const std::vector<std::string>& classes = {});

// The folder of a table's images: `images`, or the table's own folder when that is empty.
std::string ImageFolderOf(const std::string& table, const std::string& images);

}  // namespace derm
