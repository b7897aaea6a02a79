// Finding a labels table's images in an image folder. A table names an image by a value of its
// image column: a path relative to the folder ("part_1/ISIC_0024306.jpg"), the same without the
// extension, or a bare id ("ISIC_0024306") that names one file anywhere below the folder, with
// any image extension (HAM10000 ships its images in two part folders). Values are only compared
// with the folder's listing, never turned into paths, so no value reaches outside the folder.
#pragma once

#include <string>
#include <vector>

#include "common/status_or.h"
#include "common/table/label_table.h"

namespace derm::table {

// `file`'s path relative to `folder`, '/'-separated, by name: a link is not followed out of the
// folder (std::filesystem::relative would), so every file listed below it is named below it.
std::string RelativeByName(const std::string& file, const std::string& folder);

// For each row of `table`, the index in `files` (paths relative to the folder, '/'-separated) of
// its image. INVALID_ARGUMENT naming the row's line and column when no file or several match.
StatusOr<std::vector<size_t>> MatchImages(const LabelTable& table, const std::vector<std::string>& files,
                                          const std::string& table_name, const std::string& folder);

}  // namespace derm::table
