#include "store/read_query.h"

#include <gtest/gtest.h>

#include "store/sqlite.h"
#include "store/store.h"
#include "tests/testing/temp_dir.h"

namespace derm::store {
namespace {

class ReadQueryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = Store::Open(path_).value();
    ASSERT_TRUE(Database::Open(path_)
                    .value()
                    ->Exec("INSERT INTO workers(name, device, gpus, memory_mb, registered_ms, last_seen_ms) "
                           "VALUES ('a', 'cpu', 0, 0, 1, 1), ('b', 'cuda:0', 1, 0, 2, 2)")
                    .ok());
  }
  testing::TempDir dir_;
  std::string path_ = dir_.Join("r.db");
  std::unique_ptr<Store> store_;
};

TEST_F(ReadQueryTest, ReturnsColumnsRowsAndNulls) {
  auto r = RunReadOnlyQuery(path_, "SELECT name, gpus, NULL AS empty FROM workers ORDER BY id", {});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->columns, (std::vector<std::string>{"name", "gpus", "empty"}));
  ASSERT_EQ(r->rows.size(), 2u);
  EXPECT_EQ(r->rows[1][0], "b");
  EXPECT_EQ(r->rows[1][1], "1");
  EXPECT_TRUE(r->nulls[0][2]);
  EXPECT_FALSE(r->truncated);
}

TEST_F(ReadQueryTest, LimitsRowsAndTime) {
  QueryLimits one;
  one.max_rows = 1;
  auto r = RunReadOnlyQuery(path_, "SELECT * FROM workers", one);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->rows.size(), 1u);
  EXPECT_TRUE(r->truncated);
  QueryLimits quick;
  quick.timeout_ms = 50;
  auto slow = RunReadOnlyQuery(
      path_, "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c", quick);
  EXPECT_EQ(slow.status().code(), StatusCode::kDeadlineExceeded) << slow.status().ToString();
}

TEST_F(ReadQueryTest, RefusesEveryKindOfWrite) {
  for (const char* sql : {"DELETE FROM workers", "UPDATE workers SET gpus = 9", "DROP TABLE workers",
                          "INSERT INTO workers(name) VALUES ('x')", "PRAGMA user_version = 7",
                          "ATTACH DATABASE '/tmp/x.db' AS x", "CREATE TABLE t(x)"}) {
    auto r = RunReadOnlyQuery(path_, sql, {});
    EXPECT_EQ(r.status().code(), StatusCode::kPermissionDenied) << sql << ": " << r.status().ToString();
  }
  EXPECT_EQ(RunReadOnlyQuery(path_, "SELECT 1; DELETE FROM workers", {}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(RunReadOnlyQuery(path_, "SELEC 1", {}).status().code(), StatusCode::kInvalidArgument);
  auto count = RunReadOnlyQuery(path_, "SELECT count(*) FROM workers", {});
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(count->rows[0][0], "2") << "nothing was changed";
}

}  // namespace
}  // namespace derm::store
