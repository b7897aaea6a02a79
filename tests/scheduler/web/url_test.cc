#include "scheduler/web/url.h"

#include <gtest/gtest.h>

#include "scheduler/web/allowed_hosts.h"

namespace derm::scheduler::web {
namespace {

TEST(UrlTest, DecodesEscapesAndRefusesBadOnesAndNulBytes) {
  EXPECT_EQ(PercentDecode("%41+b%2f", true), "A b/");
  EXPECT_EQ(PercentDecode("%41+b", false), "A+b");
  for (const char* bad : {"%", "%4", "%zz", "a%0", "%00"}) EXPECT_FALSE(PercentDecode(bad, true)) << bad;
}

TEST(UrlTest, SplitsTargetsIntoPathAndParameters) {
  auto t = ParseTarget("/api/v1/runs?filter=state%20%3D%20SUCCEEDED&page_size=5&&a=1&a=2&flag");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->path, "/api/v1/runs");
  const std::vector<std::pair<std::string, std::string>> want = {
      {"filter", "state = SUCCEEDED"}, {"page_size", "5"}, {"a", "1"}, {"a", "2"}, {"flag", ""}};
  EXPECT_EQ(t->query, want);
  EXPECT_FALSE(ParseTarget("api/v1"));
  EXPECT_FALSE(ParseTarget("/x?a=%zz"));
  EXPECT_FALSE(ParseTarget("/x%00y"));
}

TEST(UrlTest, FindsACookieAmongOthers) {
  EXPECT_EQ(CookieValue("a=1; derm_session=xyz; b=2", "derm_session"), "xyz");
  EXPECT_EQ(CookieValue("derm_session_old=1;derm_session=q", "derm_session"), "q");
  EXPECT_EQ(CookieValue("a=1", "derm_session"), "");
}

TEST(AllowedHostsTest, TheListenAddressLoopbackNamesAndTheOperatorsNames) {
  const auto loopback = AllowedHosts("127.0.0.1", 8080, {"derm.example.org", "proxy:443"});
  for (const char* ok :
       {"127.0.0.1:8080", "localhost:8080", "[::1]:8080", "derm.example.org:8080", "proxy:443"}) {
    EXPECT_TRUE(loopback.count(ok)) << ok;
  }
  for (const char* no : {"127.0.0.1", "localhost:80", "derm.example.org", "evil.example:8080", ""}) {
    EXPECT_FALSE(loopback.count(no)) << no;
  }
  const auto lan = AllowedHosts("10.0.0.5", 443, {});
  EXPECT_TRUE(lan.count("10.0.0.5:443"));
  EXPECT_TRUE(lan.count("10.0.0.5")) << "browsers leave out the default port";
  EXPECT_FALSE(lan.count("localhost:443")) << "not on loopback";
  EXPECT_FALSE(AllowedHosts("0.0.0.0", 80, {}).count("0.0.0.0:80"));
}

}  // namespace
}  // namespace derm::scheduler::web
