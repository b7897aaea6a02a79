#include "common/parse_number.h"

#include <gtest/gtest.h>

#include <cmath>

namespace derm {
namespace {

TEST(ParseNumberTest, IntegersAreWholeStringsOnly) {
  EXPECT_EQ(ParseInt64("12"), 12);
  EXPECT_EQ(ParseInt64("-3"), -3);
  for (const char* bad : {"", " 1", "1 ", "12abc", "+1", "0x10", "99999999999999999999", "1.5"}) {
    EXPECT_FALSE(ParseInt64(bad)) << bad;
  }
}

TEST(ParseNumberTest, DoublesAsYamlAndJsonWriteThem) {
  EXPECT_EQ(ParseDouble("1.5"), 1.5);
  EXPECT_EQ(ParseDouble("-2e-3"), -2e-3);
  EXPECT_EQ(ParseDouble("+0.25"), 0.25);
  EXPECT_EQ(ParseDouble(".5"), 0.5);
  EXPECT_TRUE(std::isinf(ParseDouble("inf").value())) << "callers check finiteness";
  for (const char* bad : {"", "+", "++1", "+-1", "1.5x", " 1", "1e", "abc", "1,5"}) {
    EXPECT_FALSE(ParseDouble(bad)) << bad;
  }
  EXPECT_EQ(ParseDoublePrefix("0.25 AND x").second, 4u);
  EXPECT_EQ(ParseDoublePrefix("-x").second, 0u);
}

}  // namespace
}  // namespace derm
