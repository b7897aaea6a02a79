#include "common/table/group_split.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "common/rng.h"

namespace derm::table {
namespace {

struct Images {
  std::vector<int32_t> labels;
  std::vector<std::string> groups;
  int classes = 0;
  int max_group = 0;
};

// A random dataset: `classes` classes, groups of 1..max_group images (one class each unless
// `mixed`, when a group, like a patient, may hold several classes).
Images RandomImages(uint64_t seed, int max_group, bool mixed) {
  Rng rng(seed);
  Images d;
  d.classes = 2 + static_cast<int>(rng.Below(6));
  d.max_group = max_group;
  const int groups = 20 + static_cast<int>(rng.Below(200));
  for (int g = 0; g < groups; ++g) {
    const int size = 1 + static_cast<int>(rng.Below(static_cast<uint64_t>(max_group)));
    // Skewed classes, as dermoscopy sets are (nevi dominate).
    const auto cls = static_cast<int32_t>(rng.Below(static_cast<uint64_t>(d.classes * (d.classes + 1) / 2)));
    int32_t label = 0;
    for (int32_t acc = 0, c = 0; c < d.classes; ++c) {
      acc += d.classes - c;
      if (cls < acc) {
        label = c;
        break;
      }
    }
    for (int i = 0; i < size; ++i) {
      d.labels.push_back(mixed ? static_cast<int32_t>(rng.Below(static_cast<uint64_t>(d.classes))) : label);
      d.groups.push_back(max_group == 1 && rng.Below(2) ? "" : "g" + std::to_string(g));
    }
  }
  return d;
}

void ExpectNoGroupCrosses(const Images& d, const std::vector<int>& parts) {
  std::map<std::string, int> part_of_group;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (d.groups[i].empty()) continue;
    auto [it, fresh] = part_of_group.emplace(d.groups[i], parts[i]);
    ASSERT_EQ(it->second, parts[i]) << "group " << d.groups[i] << " is in two parts";
  }
}

// Every part's count of every class is within `slack` images of its share.
void ExpectStratified(const Images& d, const std::vector<int>& parts, const std::vector<double>& fractions,
                      double slack) {
  std::vector<std::vector<double>> have(fractions.size(),
                                        std::vector<double>(static_cast<size_t>(d.classes)));
  std::vector<double> total(static_cast<size_t>(d.classes));
  for (size_t i = 0; i < parts.size(); ++i) {
    have[static_cast<size_t>(parts[i])][static_cast<size_t>(d.labels[i])] += 1;
    total[static_cast<size_t>(d.labels[i])] += 1;
  }
  for (size_t p = 0; p < fractions.size(); ++p) {
    for (size_t c = 0; c < total.size(); ++c) {
      EXPECT_LE(std::abs(have[p][c] - fractions[p] * total[c]), slack)
          << "part " << p << " class " << c << " has " << have[p][c] << " of " << total[c];
    }
  }
}

TEST(GroupSplitTest, OneImagePerGroupIsStratifiedWithinOneImagePerClass) {
  for (uint64_t seed = 1; seed <= 200; ++seed) {
    const Images d = RandomImages(seed, 1, false);
    const std::vector<double> fractions = {0.6, 0.2, 0.2};
    const auto parts = SplitByGroup(d.labels, d.groups, d.classes, fractions, seed);
    ExpectStratified(d, parts, fractions, 1.0);
  }
}

TEST(GroupSplitTest, NoGroupCrossesPartsAndClassesStayWithinAGroupOfTheirShare) {
  for (uint64_t seed = 1; seed <= 200; ++seed) {
    const Images d = RandomImages(seed, 4, false);
    const std::vector<double> fractions = {0.7, 0.15, 0.15};
    const auto parts = SplitByGroup(d.labels, d.groups, d.classes, fractions, seed);
    ExpectNoGroupCrosses(d, parts);
    // As far as the groups allow: a part can be off by less than one group of the class.
    ExpectStratified(d, parts, fractions, d.max_group);
  }
}

TEST(GroupSplitTest, PatientsWithSeveralClassesNeverCrossFolds) {
  for (uint64_t seed = 1; seed <= 100; ++seed) {
    const Images d = RandomImages(seed, 6, true);
    const std::vector<double> folds(5, 0.2);
    const auto parts = SplitByGroup(d.labels, d.groups, d.classes, folds, seed);
    ExpectNoGroupCrosses(d, parts);
    std::vector<int64_t> sizes(5);
    for (int p : parts) ++sizes[static_cast<size_t>(p)];
    for (int64_t s : sizes) EXPECT_GT(s, 0);
  }
}

TEST(GroupSplitTest, SeededAndDeterministic) {
  const Images d = RandomImages(7, 3, false);
  const std::vector<double> fractions = {0.8, 0.2};
  const auto a = SplitByGroup(d.labels, d.groups, d.classes, fractions, 123);
  EXPECT_EQ(a, SplitByGroup(d.labels, d.groups, d.classes, fractions, 123));
  EXPECT_NE(a, SplitByGroup(d.labels, d.groups, d.classes, fractions, 124));
}

TEST(GroupSplitTest, FoldsValidateEveryImageOnceAndShareTheirTestSplit) {
  for (uint64_t seed = 1; seed <= 50; ++seed) {
    const Images d = RandomImages(seed, 3, false);
    std::vector<int> validated(d.labels.size(), 0);
    std::vector<int> first_test;
    for (int fold = 1; fold <= 5; ++fold) {
      const auto split = AssignSplits(d.labels, d.groups, d.classes, 0.2, 0.15, 5, fold, seed);
      ExpectNoGroupCrosses(d, split);
      std::vector<int> test;
      for (size_t i = 0; i < split.size(); ++i) {
        validated[i] += split[i] == 1;
        if (split[i] == 2) test.push_back(static_cast<int>(i));
      }
      if (fold == 1) first_test = test;
      EXPECT_EQ(test, first_test) << "the test split is the same for every fold";
    }
    for (size_t i = 0; i < validated.size(); ++i) {
      const bool in_test =
          std::find(first_test.begin(), first_test.end(), static_cast<int>(i)) != first_test.end();
      EXPECT_EQ(validated[i], in_test ? 0 : 1) << "image " << i;
    }
  }
}

TEST(GroupSplitTest, CountsGroupsPerPart) {
  const std::vector<std::string> groups = {"a", "a", "b", "", ""};
  EXPECT_EQ(GroupsPerPart(groups, {0, 0, 1, 1, 0}, 2), (std::vector<int64_t>{2, 2}));
}

}  // namespace
}  // namespace derm::table
