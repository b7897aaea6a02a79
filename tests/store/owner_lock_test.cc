#include "store/owner_lock.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "tests/testing/temp_dir.h"

namespace derm::store {
namespace {

TEST(OwnerLockTest, OneHolderAtATimeAndTheSecondIsToldWho) {
  testing::TempDir dir;
  const std::string db = dir.Join("results.db");
  auto first = OwnerLock::Acquire(db);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  auto second = OwnerLock::Acquire(db);
  ASSERT_EQ(second.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(second.status().message(), db + " is in use by another derm-scheduler (pid " +
                                           std::to_string(getpid()) +
                                           "); one scheduler per results database");
  EXPECT_TRUE(OwnerLock::Acquire(dir.Join("other.db")).ok()) << "other files are not affected";
  first->reset();
  EXPECT_TRUE(OwnerLock::Acquire(db).ok()) << "released with its holder";
}

}  // namespace
}  // namespace derm::store
