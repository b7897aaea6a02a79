#include "common/table/group_split.h"

#include <algorithm>
#include <numeric>
#include <set>
#include <unordered_map>

#include "common/rng.h"

namespace derm::table {

std::vector<int> SplitByGroup(const std::vector<int32_t>& labels, const std::vector<std::string>& groups,
                              int classes, const std::vector<double>& fractions, uint64_t seed) {
  const size_t n = labels.size(), parts = fractions.size();
  // Dense group ids in order of first appearance; "" is a group of one.
  std::vector<size_t> group_of(n);
  std::vector<std::vector<size_t>> members;
  std::unordered_map<std::string, size_t> id;
  for (size_t i = 0; i < n; ++i) {
    const bool alone = i >= groups.size() || groups[i].empty();
    auto it = alone ? id.end() : id.find(groups[i]);
    if (it == id.end()) {
      group_of[i] = members.size();
      members.emplace_back();
      if (!alone) id.emplace(groups[i], group_of[i]);
    } else {
      group_of[i] = it->second;
    }
    members[group_of[i]].push_back(i);
  }
  std::vector<size_t> order(members.size());
  std::iota(order.begin(), order.end(), 0);
  Rng rng(seed);
  rng.Shuffle(order);

  std::vector<double> total(static_cast<size_t>(classes), 0.0);
  for (int32_t l : labels) total[static_cast<size_t>(l)] += 1;
  // deficit[p][c]: images of class c part p should still get (negative: over its share).
  std::vector<std::vector<double>> deficit(parts, std::vector<double>(static_cast<size_t>(classes)));
  std::vector<double> room(parts, 0.0);  // images part p should still get, over all classes
  for (size_t p = 0; p < parts; ++p) {
    for (size_t c = 0; c < total.size(); ++c) deficit[p][c] = fractions[p] * total[c];
    room[p] = fractions[p] * static_cast<double>(n);
  }
  std::vector<int> part_of(n, 0);
  std::vector<int64_t> count(static_cast<size_t>(classes));
  for (size_t g : order) {
    std::fill(count.begin(), count.end(), 0);
    for (size_t i : members[g]) ++count[static_cast<size_t>(labels[i])];
    size_t best = 0;
    double best_score = 0, best_room = 0;
    for (size_t p = 0; p < parts; ++p) {
      if (fractions[p] <= 0) continue;
      double score = 0;
      for (size_t c = 0; c < count.size(); ++c) score += static_cast<double>(count[c]) * deficit[p][c];
      const bool first = fractions[best] <= 0 || p == best;
      if (first || score > best_score || (score == best_score && room[p] > best_room)) {
        best = p;
        best_score = score;
        best_room = room[p];
      }
    }
    for (size_t c = 0; c < count.size(); ++c) deficit[best][c] -= static_cast<double>(count[c]);
    room[best] -= static_cast<double>(members[g].size());
    for (size_t i : members[g]) part_of[i] = static_cast<int>(best);
  }
  return part_of;
}

std::vector<int> AssignSplits(const std::vector<int32_t>& labels, const std::vector<std::string>& groups,
                              int classes, double validation, double test, int folds, int fold,
                              uint64_t seed) {
  if (folds < 2)
    return SplitByGroup(labels, groups, classes, {1 - validation - test, validation, test}, seed);
  std::vector<double> fractions = {test};
  fractions.insert(fractions.end(), static_cast<size_t>(folds), (1 - test) / folds);
  std::vector<int> part = SplitByGroup(labels, groups, classes, fractions, seed);
  for (int& p : part) p = p == 0 ? 2 : p == fold ? 1 : 0;
  return part;
}

std::vector<int64_t> GroupsPerPart(const std::vector<std::string>& groups, const std::vector<int>& parts,
                                   int num_parts) {
  std::vector<std::set<std::string>> named(static_cast<size_t>(num_parts));
  std::vector<int64_t> out(static_cast<size_t>(num_parts), 0);
  for (size_t i = 0; i < parts.size(); ++i) {
    const auto p = static_cast<size_t>(parts[i]);
    if (groups[i].empty()) {
      ++out[p];
    } else if (named[p].insert(groups[i]).second) {
      ++out[p];
    }
  }
  return out;
}

}  // namespace derm::table
