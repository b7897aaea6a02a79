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

TEST_F(ReadQueryTest, TableValuedJsonFunctionsWorkAndWritesStayRefused) {
  auto each = RunReadOnlyQuery(
      path_, "SELECT w.name, j.value FROM workers w, json_each('[10,20]') j ORDER BY 1, 2", {});
  ASSERT_TRUE(each.ok()) << each.status().ToString();
  EXPECT_EQ(each->rows.size(), 4u);
  auto tree = RunReadOnlyQuery(path_, "SELECT count(*) FROM json_tree('{\"a\": [1, 2]}')", {});
  ASSERT_TRUE(tree.ok()) << tree.status().ToString();
  EXPECT_EQ(tree->rows[0][0], "4");
  for (const char* sql : {"UPDATE sqlite_master SET type = 'x'", "UPDATE workers SET name = 'x'"}) {
    EXPECT_FALSE(RunReadOnlyQuery(path_, sql, {}).ok()) << sql;
  }
}

TEST_F(ReadQueryTest, TokensAreNeverReadableAndTheAuditTrailOnlyForAdmins) {
  ASSERT_TRUE(
      Database::Open(path_)
          .value()
          ->Exec("INSERT INTO tokens(user, role, sha256, created_ms, created_by) VALUES "
                 "('u', 'ADMIN', 'hash', 1, 'x'); INSERT INTO audit_events(time_ms, principal, action, "
                 "outcome) VALUES (1, 'u', 'GetJob', 'PERMISSION_DENIED')")
          .ok());
  QueryLimits admin;
  admin.read_audit = true;
  for (const QueryLimits& limits : {QueryLimits(), admin}) {
    for (const std::string sql : {"SELECT sha256 FROM tokens", "SELECT count(*) FROM tokens",
                                  "SELECT name FROM workers WHERE EXISTS (SELECT 1 FROM tokens)",
                                  "WITH t AS (SELECT * FROM tokens) SELECT 1 FROM t"}) {
      auto r = RunReadOnlyQuery(path_, sql, limits);
      EXPECT_EQ(r.status().code(), StatusCode::kPermissionDenied) << sql;
      EXPECT_EQ(r.status().message(), "the table tokens is never readable through queries") << sql;
    }
  }
  auto viewer = RunReadOnlyQuery(path_, "SELECT action FROM audit_events", {});
  EXPECT_EQ(viewer.status().message(), "the table audit_events is readable by admins only");
  auto read = RunReadOnlyQuery(path_, "SELECT action FROM audit_events", admin);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(read->rows[0][0], "GetJob");
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

TEST_F(ReadQueryTest, OnlyKnownSqlFunctionsRun) {
  auto tokenizer = RunReadOnlyQuery(path_, "SELECT fts3_tokenizer('simple')", {});
  EXPECT_EQ(tokenizer.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(
      tokenizer.status().message(),
      "the SQL function fts3_tokenizer is not allowed in queries (docs/schema.md lists the ones that are)");
  EXPECT_EQ(RunReadOnlyQuery(path_, "SELECT load_extension('x')", {}).status().code(),
            StatusCode::kPermissionDenied);
  auto fine =
      RunReadOnlyQuery(path_,
                       "SELECT upper(name), json_array(gpus), datetime(0, 'unixepoch'), "
                       "row_number() OVER (ORDER BY id), round(sqrt(4.0), 1) FROM workers ORDER BY id",
                       {});
  ASSERT_TRUE(fine.ok()) << fine.status().ToString();
  EXPECT_EQ(fine->rows[0], (std::vector<std::string>{"A", "[0]", "1970-01-01 00:00:00", "1", "2.0"}));
}

// replace(printf('%.*c', 1e9, 'x'), ...) once ran 6.6 s past a 100 ms limit and took 1.9 GB:
// one function call cannot be interrupted. printf is refused; every value stays under 16 MiB.
TEST_F(ReadQueryTest, NoSingleFunctionCallRunsUnbounded) {
  QueryLimits quick;
  quick.timeout_ms = 100;
  auto printf_call =
      RunReadOnlyQuery(path_, "SELECT length(replace(printf('%.*c', 1000000000, 'x'), 'x', 'yy'))", quick);
  EXPECT_EQ(printf_call.status().code(), StatusCode::kPermissionDenied) << printf_call.status().ToString();
  EXPECT_NE(printf_call.status().message().find("printf is not allowed"), std::string::npos);
  EXPECT_EQ(RunReadOnlyQuery(path_, "SELECT randomblob(100000000)", quick).status().code(),
            StatusCode::kPermissionDenied);
  // Doubling a string 25 times would make 32 MiB: refused at 16 MiB instead of built.
  auto doubling =
      RunReadOnlyQuery(path_,
                       "WITH RECURSIVE d(s, n) AS (SELECT 'x', 0 UNION ALL SELECT s || s, n + 1 FROM d "
                       "WHERE n < 25) SELECT max(length(s)) FROM d",
                       {});
  EXPECT_EQ(doubling.status().code(), StatusCode::kInvalidArgument) << doubling.status().ToString();
  EXPECT_NE(doubling.status().message().find("16 MiB a query value may have"), std::string::npos)
      << doubling.status().message();
}

TEST_F(ReadQueryTest, BlobsAndNonUtf8TextComeBackAsHexAndRepliesStayBounded) {
  auto r = RunReadOnlyQuery(path_, "SELECT x'00ff10', CAST(x'c328' AS TEXT), 'ok'", {});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->rows[0], (std::vector<std::string>{"x'00ff10'", "x'c328'", "ok"}));
  // 100,000 rows of 1 KiB: the reply stops at 32 MiB and says it was cut.
  QueryLimits many;
  many.max_rows = 100000;
  auto big = RunReadOnlyQuery(path_,
                              "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n LIMIT 100000), "
                              "d(s, k) AS (SELECT 'x', 0 UNION ALL SELECT s || s, k + 1 FROM d WHERE k < 10) "
                              "SELECT d.s FROM n, d WHERE d.k = 10",
                              many);
  ASSERT_TRUE(big.ok()) << big.status().ToString();
  EXPECT_TRUE(big->truncated);
  EXPECT_LT(big->rows.size(), 40000u);
  EXPECT_GT(big->rows.size(), 30000u);
}

}  // namespace
}  // namespace derm::store
