#include "common/rpc/input_listing.h"

#include <gtest/gtest.h>

#include "tests/testing/temp_dir.h"

namespace derm {
namespace {

class InputListingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* f : {"b/2.JPG", "a.png", "b/1.jpeg", "c/d/3.bmp", "notes.txt", "e/4.jpg.txt"})
      testing::WriteFile(dir_.Join(std::string("in/") + f), "x");
  }
  testing::TempDir dir_;
};

TEST_F(InputListingTest, AFolderGivesItsImageFilesRecursivelySorted) {
  derm::v1::InputSpec in;
  in.set_folder(dir_.Join("in"));
  auto paths = ListInput(in);
  ASSERT_TRUE(paths.ok()) << paths.status().ToString();
  const std::vector<std::string> want = {dir_.Join("in/a.png"), dir_.Join("in/b/1.jpeg"),
                                         dir_.Join("in/b/2.JPG"), dir_.Join("in/c/d/3.bmp")};
  EXPECT_EQ(*paths, want);
}

TEST_F(InputListingTest, AGlobMatchesImageFilesOnly) {
  derm::v1::InputSpec in;
  in.set_glob(dir_.Join("in/*/*"));
  auto paths = ListInput(in);
  ASSERT_TRUE(paths.ok()) << paths.status().ToString();
  const std::vector<std::string> want = {dir_.Join("in/b/1.jpeg"), dir_.Join("in/b/2.JPG")};
  EXPECT_EQ(*paths, want);
  in.set_glob(dir_.Join("in/*.gif"));
  EXPECT_NE(ListInput(in).status().message().find("matches no image files"), std::string::npos);
}

TEST_F(InputListingTest, AListFileKeepsItsOrderResolvesRelativeLinesAndDropsRepeats) {
  testing::WriteFile(dir_.Join("in/list.txt"), "# scans\nb/2.JPG\n\n  a.png  \n" + dir_.Join("in/b/2.JPG") +
                                                   "\nmissing.jpg\nnotes.txt\n");
  derm::v1::InputSpec in;
  in.set_list_file(dir_.Join("in/list.txt"));
  auto paths = ListInput(in);
  ASSERT_TRUE(paths.ok()) << paths.status().ToString();
  // Listed files count even when missing or not images: the worker reports each with its reason.
  const std::vector<std::string> want = {dir_.Join("in/b/2.JPG"), dir_.Join("in/a.png"),
                                         dir_.Join("in/missing.jpg"), dir_.Join("in/notes.txt")};
  EXPECT_EQ(*paths, want);
}

TEST_F(InputListingTest, MissingOrEmptyInputsAreClearErrors) {
  derm::v1::InputSpec in;
  in.set_folder(dir_.Join("nowhere"));
  auto r = ListInput(in);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("input.folder " + dir_.Join("nowhere") + " does not exist"),
            std::string::npos);
  in.set_folder(dir_.Join("in/e"));
  EXPECT_NE(ListInput(in).status().message().find("has no image files"), std::string::npos);
  in.Clear();
  in.set_list_file(dir_.Join("none.txt"));
  EXPECT_NE(ListInput(in).status().message().find("input.list_file"), std::string::npos);
  testing::WriteFile(dir_.Join("empty.txt"), "# nothing\n");
  in.set_list_file(dir_.Join("empty.txt"));
  EXPECT_NE(ListInput(in).status().message().find("lists no paths"), std::string::npos);
}

}  // namespace
}  // namespace derm
