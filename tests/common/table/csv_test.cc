#include "common/table/csv.h"

#include <gtest/gtest.h>

namespace derm::table {
namespace {

TEST(CsvTest, ReadsQuotedFieldsCrlfAndByteOrderMark) {
  auto t = ParseCsv("\xEF\xBB\xBFimage,dx,note\r\nA,nv,\"a, b\"\r\n\r\nB,mel,\"say \"\"hi\"\"\"\r\nC,bcc,\n",
                    "t.csv");
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_EQ(t->header, (std::vector<std::string>{"image", "dx", "note"}));
  ASSERT_EQ(t->rows.size(), 3u);
  EXPECT_EQ(t->rows[0][2], "a, b");
  EXPECT_EQ(t->rows[1][2], "say \"hi\"");
  EXPECT_EQ(t->rows[2][2], "");
  EXPECT_EQ(t->lines, (std::vector<int64_t>{2, 4, 5}));  // the blank line 3 is skipped
  EXPECT_EQ(t->Column("dx"), 1);
  EXPECT_EQ(t->Column("missing"), -1);
}

// Each malformed table is refused with the line (and column) of its first problem.
TEST(CsvTest, NamesTheLineOfEachProblem) {
  struct Case {
    std::string text, expected;
  } cases[] = {
      {"", "t.csv: the table is empty"},
      {"image,dx\n", "t.csv: the table has a header and no rows"},
      {"image,dx\nA,nv\nB,\"mel\nC,nv\n",
       "t.csv: line 3: column dx: a quoted field is not closed on its line"},
      {"image,dx\nA,nv,extra\n", "t.csv: line 2: has 3 fields; the header has 2"},
      {"image,dx\nA\n", "t.csv: line 2: has 1 fields; the header has 2"},
      {"image,,dx\nA,b,c\n", "t.csv: line 1: the header's column 2 has no name"},
      {"image,dx,image\nA,b,c\n", "t.csv: line 1: the header names column image twice"},
      {"image,dx\nA,n\"v\n", "t.csv: line 2: column dx: a quote inside an unquoted field"},
      {"image,dx\nA,\"nv\"x\n", "t.csv: line 2: column dx: text after a quoted field's closing quote"},
      {"image,dx\nA,nv\nB,\xff\xfe\n", "t.csv: line 3: not UTF-8 text"},
      {std::string("image,dx\nA,n\0v\n", 15), "t.csv: line 2: not UTF-8 text"},
      {"image,dx\n" + std::string(kMaxLineBytes + 1, 'x') + "\n", "t.csv: line 2: the line is longer than"},
  };
  for (const auto& c : cases) {
    auto t = ParseCsv(c.text, "t.csv");
    ASSERT_FALSE(t.ok()) << c.text;
    EXPECT_EQ(t.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(t.status().message().rfind(c.expected, 0), 0u) << t.status().message();
  }
}

TEST(CsvTest, RefusesGarbageBeforeReadingIt) {
  // What a gigabyte of random bytes gives: a control byte on the first line (or a line too long).
  std::string garbage(1 << 20, '\0');
  for (size_t i = 0; i < garbage.size(); ++i) garbage[i] = static_cast<char>((i * 2654435761u) >> 13);
  auto t = ParseCsv(garbage, "g.csv");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().message().rfind("g.csv: line 1: ", 0), 0u) << t.status().message();
  const std::string big(static_cast<size_t>(kMaxTableBytes) + 1, 'a');
  auto too_big = ParseCsv(big, "big.csv");
  ASSERT_FALSE(too_big.ok());
  EXPECT_NE(too_big.status().message().find("tables are at most 256 MiB"), std::string::npos);
}

TEST(CsvTest, AcceptsUtf8Text) {
  auto t = ParseCsv("image,site\nA,cou \xc3\xa0 \xe2\x82\xac \xf0\x9f\x98\x80\n", "t.csv");
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_EQ(t->rows[0][1], "cou \xc3\xa0 \xe2\x82\xac \xf0\x9f\x98\x80");
  EXPECT_FALSE(ParseCsv("image,site\nA,\xe2\x82\n", "t.csv").ok());  // cut short
}

}  // namespace
}  // namespace derm::table
