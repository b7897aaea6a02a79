#include "common/spec/input_listing.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

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

// An unreadable sub-folder needs a user that permissions apply to: the test forks, and the child
// lists the folder as nobody (uid 65534). Without root it runs as the test's own user, to whom the
// mode 000 applies as well.
TEST_F(InputListingTest, AFolderThatCannotBeListedToItsEndIsAnErrorNotAShorterList) {
  for (const char* d : {"", "/in", "/in/b", "/in/c", "/in/c/d", "/in/e"}) {
    std::filesystem::permissions(dir_.path() + d, std::filesystem::perms(0755));
  }
  std::filesystem::permissions(dir_.Join("in/c"), std::filesystem::perms::none);
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const pid_t child = fork();
  if (child == 0) {
    close(fds[0]);
    if (getuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0)) _exit(2);
    derm::v1::InputSpec in;
    in.set_folder(dir_.Join("in"));
    const auto paths = ListInput(in);
    const std::string answer =
        paths.ok() ? "listed " + std::to_string(paths->size()) : paths.status().message();
    _exit(write(fds[1], answer.data(), answer.size()) == static_cast<ssize_t>(answer.size()) ? 0 : 3);
  }
  close(fds[1]);
  std::string answer(512, '\0');
  const ssize_t n = read(fds[0], answer.data(), answer.size());
  close(fds[0]);
  int status = 0;
  waitpid(child, &status, 0);
  std::filesystem::permissions(dir_.Join("in/c"), std::filesystem::perms(0755));  // so it can be removed
  ASSERT_EQ(WEXITSTATUS(status), 0);
  answer.resize(n > 0 ? static_cast<size_t>(n) : 0);
  EXPECT_EQ(answer.rfind("input.folder " + dir_.Join("in") + " cannot be listed to its end: ", 0), 0u)
      << answer;
}

}  // namespace
}  // namespace derm
