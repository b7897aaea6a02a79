#include "worker/data/file_bytes.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "tests/testing/temp_dir.h"

namespace derm::data {
namespace {

TEST(FileBytesTest, ReadsAWholeFileAndNeverMoreThanTheBound) {
  testing::TempDir dir;
  testing::WriteFile(dir.Join("a"), "hello");
  FileBytes a = ReadFileBytes(dir.Join("a"), 5);
  EXPECT_EQ(a.error, FileBytes::Error::kNone);
  EXPECT_EQ(a.bytes, "hello");
  EXPECT_EQ(a.size, 5u);
  EXPECT_EQ(ReadFileBytes(dir.Join("a"), 4).error, FileBytes::Error::kTooLarge);
  EXPECT_EQ(ReadFileBytes(dir.Join("missing"), 4).error, FileBytes::Error::kCannotOpen);

  testing::WriteFile(dir.Join("sparse"), "");
  std::filesystem::resize_file(dir.Join("sparse"), uintmax_t{1} << 40);  // refused by its size, unread
  FileBytes sparse = ReadFileBytes(dir.Join("sparse"), 1 << 20);
  EXPECT_EQ(sparse.error, FileBytes::Error::kTooLarge);
  EXPECT_EQ(sparse.size, uintmax_t{1} << 40);
  EXPECT_TRUE(sparse.bytes.empty());

  FileBytes zero = ReadFileBytes("/dev/zero", 1 << 20);  // endless: read only to the bound
  EXPECT_EQ(zero.error, FileBytes::Error::kTooLarge);
  EXPECT_TRUE(zero.bytes.empty());
}

}  // namespace
}  // namespace derm::data
