// Splitting images into parts (train / validation / test, or cross-validation folds) so that no
// group (a lesion, a patient) is in two parts, each part gets its share of every class as far as
// the groups allow, and the same seed gives the same split on any machine.
//
// Groups are placed in a seeded random order (so large and small groups reach every part alike),
// each in the part whose shortfall of the group's classes is largest: a part short of t images of
// class c that takes a group with n of them gains n * t. A part takes a group only while short
// of its classes, so it ends less than one group over its share of a class; with one image per
// group every part's count of every class ends within one image of its share (fraction x the
// class's images). Deterministic, O(images x parts); no exceptions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace derm::table {

// The part (an index into `fractions`) of each image. labels[i] is in [0, classes); groups[i] is
// image i's group, "" meaning a group of its own. `fractions` are each part's share (they should
// add up to 1).
std::vector<int> SplitByGroup(const std::vector<int32_t>& labels, const std::vector<std::string>& groups,
                              int classes, const std::vector<double>& fractions, uint64_t seed);

// The split of each image: 0 train, 1 validation, 2 test. Without folds: shares 1 - validation -
// test, validation and test. With `folds` (k >= 2): `test` first, the rest in k equal folds; fold
// `fold` (1..k) validates and the others train, so the k runs of one seed share their test split
// and each image validates exactly once.
std::vector<int> AssignSplits(const std::vector<int32_t>& labels, const std::vector<std::string>& groups,
                              int classes, double validation, double test, int folds, int fold,
                              uint64_t seed);

// The number of distinct groups among the images of each part (an image with group "" counts as
// one), for a run's facts.
std::vector<int64_t> GroupsPerPart(const std::vector<std::string>& groups, const std::vector<int>& parts,
                                   int num_parts);

}  // namespace derm::table
