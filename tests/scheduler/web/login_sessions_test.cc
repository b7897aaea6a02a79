#include "scheduler/web/login_sessions.h"

#include <gtest/gtest.h>

namespace derm::scheduler::web {
namespace {

TEST(LoginSessionsTest, ASessionHoldsItsTokenUntilIdleOrEnded) {
  FakeClock clock(1000);
  LoginSessions sessions(&clock, /*idle_ms=*/60000, /*max_sessions=*/10);
  const std::string a = sessions.Create("token-a"), b = sessions.Create("token-b");
  EXPECT_NE(a, b);
  EXPECT_EQ(a.size(), 43u);
  EXPECT_EQ(sessions.TokenOf(a), "token-a");
  clock.Advance(50000);
  EXPECT_EQ(sessions.TokenOf(a), "token-a") << "a use renews it";
  clock.Advance(50000);
  EXPECT_EQ(sessions.TokenOf(a), "token-a");
  EXPECT_EQ(sessions.TokenOf(b), std::nullopt) << "idle for 100 s";
  sessions.End(a);
  EXPECT_EQ(sessions.TokenOf(a), std::nullopt);
  EXPECT_EQ(sessions.TokenOf("made-up"), std::nullopt);
}

TEST(LoginSessionsTest, AtTheCapTheLeastRecentlyUsedGoes) {
  FakeClock clock(0);
  LoginSessions sessions(&clock, /*idle_ms=*/60000, /*max_sessions=*/2);
  const std::string a = sessions.Create("a");
  clock.Advance(1);
  const std::string b = sessions.Create("b");
  clock.Advance(1);
  EXPECT_TRUE(sessions.TokenOf(a));  // a is now the more recent
  clock.Advance(1);
  const std::string c = sessions.Create("c");
  EXPECT_TRUE(sessions.TokenOf(a));
  EXPECT_FALSE(sessions.TokenOf(b));
  EXPECT_TRUE(sessions.TokenOf(c));
}

}  // namespace
}  // namespace derm::scheduler::web
