#include "store/run_query.h"

#include <gtest/gtest.h>

namespace derm::store {
namespace {

TEST(RunQueryTest, CompilesPrecedenceParenthesesAndBinds) {
  auto q = CompileRunQuery("state = succeeded AND (params.train.learning_rate < 0.001 OR tags.team ~ derm)",
                           "best_val_accuracy desc, params.model.dropout");
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  EXPECT_EQ(q->where,
            "WHERE ((rs.state = ?) AND ((CAST((SELECT value FROM params p WHERE p.run_id = rs.run_id AND "
            "p.name = ?) "
            "AS REAL) < ?) OR (instr((SELECT value FROM params p WHERE p.run_id = rs.run_id AND p.name = ?), "
            "?) > 0)))");
  ASSERT_EQ(q->binds.size(), 6u);
  EXPECT_EQ(q->binds[0].text, "SUCCEEDED");
  EXPECT_EQ(q->binds[1].text, "train.learning_rate");
  EXPECT_DOUBLE_EQ(q->binds[2].number, 0.001);
  EXPECT_EQ(q->binds[3].text, "tags.team");
  EXPECT_EQ(q->binds[5].text, "model.dropout");
  EXPECT_EQ(q->order_by.rfind("ORDER BY rs.best_val_accuracy DESC, CAST(", 0), 0u) << q->order_by;
}

TEST(RunQueryTest, EmptyFilterListsNewestFirst) {
  auto q = CompileRunQuery("", "");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->where, "");
  EXPECT_EQ(q->order_by, "ORDER BY rs.run_id DESC");
}

TEST(RunQueryTest, RejectsBadFiltersNamingTheProblem) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"accuracy > 0.5", "unknown field 'accuracy'"},
      {"best_val_accuracy 0.5", "expected an operator"},
      {"best_val_accuracy >", "expected a value"},
      {"(state = QUEUED", "expected ')'"},
      {"state = QUEUED state = RUNNING", "missing AND/OR"},
      {"name = 'abc", "unterminated string"},
      {"name ! 'abc'", "'!' must be '!='"},
      {"name = x; DROP TABLE runs", "unexpected character ';'"},
  };
  for (const auto& [filter, message] : cases) {
    auto q = CompileRunQuery(filter, "");
    ASSERT_FALSE(q.ok()) << filter;
    EXPECT_EQ(q.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(q.status().message().find(message), std::string::npos)
        << filter << ": " << q.status().message();
  }
  EXPECT_FALSE(CompileRunQuery("", "nonsense desc").ok());
  EXPECT_FALSE(CompileRunQuery("", "'quoted'").ok());
}

// Found by scripts/fuzz.sh run_filter: 2,554 '(' overflowed the stack (the scheduler's, through
// ListRuns). Nesting is bounded instead.
TEST(RunQueryTest, DeepNestingIsRefusedNotRecursedInto) {
  auto deep = CompileRunQuery(std::string(200, '(') + "state = succeeded" + std::string(200, ')'), "");
  EXPECT_EQ(deep.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(deep.status().message().find("nest deeper than 32"), std::string::npos)
      << deep.status().message();
  std::string nots;
  for (int i = 0; i < 100; ++i) nots += "NOT ";
  EXPECT_EQ(CompileRunQuery(nots + "state = failed", "").status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(CompileRunQuery(std::string(30, '(') + "state = succeeded" + std::string(30, ')'), "").ok());
}

}  // namespace
}  // namespace derm::store
