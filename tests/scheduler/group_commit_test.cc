#include "scheduler/group_commit.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace derm::scheduler {
namespace {

using Commit = GroupCommit<int, std::string>;

TEST(GroupCommitTest, ACommitThatThrowsLeavesItsBatchUnsetAndTheNextOneRuns) {
  int calls = 0;
  Commit commit([&](const std::vector<Commit::Item*>& batch) {
    if (++calls == 1) throw std::runtime_error("disk on fire");
    for (auto* item : batch) item->result = "committed " + std::to_string(item->request);
  });
  EXPECT_EQ(commit.Run(1, "not run"), "not run");
  EXPECT_EQ(commit.Run(2, "not run"), "committed 2");  // before the fix: waited forever
  EXPECT_EQ(calls, 2);
}

}  // namespace
}  // namespace derm::scheduler
