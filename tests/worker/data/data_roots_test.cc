#include "worker/data/data_roots.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "tests/testing/temp_dir.h"

namespace derm::data {
namespace {

namespace fs = std::filesystem;

class DataRootsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(dir_.Join("data/Train"));
    fs::create_directories(dir_.Join("data2"));
    testing::WriteFile(dir_.Join("data/w.safetensors"), "x");
    testing::WriteFile(dir_.Join("secret.txt"), "the host's file");
    fs::create_symlink(dir_.Join("secret.txt"), dir_.Join("data/link.jpg"));
    fs::create_directory_symlink(dir_.Join("data2"), dir_.Join("data/elsewhere"));
    auto r = DataRoots::Create({dir_.Join("data")});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    roots_ = *r;
  }
  testing::TempDir dir_;
  DataRoots roots_;
};

TEST_F(DataRootsTest, OnlyFoldersAndRegularFilesInsideARootPass) {
  EXPECT_TRUE(roots_.Folder(dir_.Join("data/Train"), "data.train_dir").ok());
  EXPECT_TRUE(roots_.File(dir_.Join("data/w.safetensors"), "model.weights").ok());
  EXPECT_TRUE(roots_.Folder(dir_.Join("data/Train/../Train/"), "data.train_dir").ok());

  const std::string outside = dir_.Join("secret.txt");
  const Status st = roots_.File(outside, "model.weights");
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(st.message(),
            "model.weights " + outside + " is outside the worker's data roots (derm-worker --data-root)");
  // Links are resolved: a link inside a root to a file or folder outside it is outside.
  EXPECT_EQ(roots_.File(dir_.Join("data/link.jpg"), "input").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(roots_.Folder(dir_.Join("data/elsewhere"), "data.train_dir").code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(roots_.Folder(dir_.Join("data/../data2"), "data.train_dir").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(roots_.Folder(dir_.Join("data2"), "x").code(), StatusCode::kInvalidArgument)
      << "data2 is not in data";
  EXPECT_EQ(roots_.Folder("/etc", "data.train_dir").code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(roots_.File(dir_.Join("data/missing"), "model.file").ok()) << "its reader reports it missing";
  EXPECT_EQ(roots_.Folder(dir_.Join("data/w.safetensors"), "data.train_dir").message(),
            "data.train_dir " + dir_.Join("data/w.safetensors") + " is not a folder");
}

TEST_F(DataRootsTest, WithoutRootsAnyPathPassesButOnlyAsAFolderOrRegularFile) {
  const DataRoots any;
  EXPECT_FALSE(any.restricted());
  EXPECT_TRUE(any.File(dir_.Join("secret.txt"), "model.weights").ok());
  EXPECT_EQ(any.File("/dev/zero", "model.weights").message(),
            "model.weights /dev/zero is not a regular file");
  EXPECT_EQ(any.File("/proc", "model.file").code(), StatusCode::kInvalidArgument);
  ASSERT_EQ(mkfifo(dir_.Join("data/pipe.jpg").c_str(), 0600), 0);
  EXPECT_EQ(any.FileRefusal(dir_.Join("data/pipe.jpg")), "not a regular file");
  fs::create_symlink(dir_.Join("data/loop.jpg"), dir_.Join("data/loop.jpg"));
  EXPECT_NE(any.FileRefusal(dir_.Join("data/loop.jpg")).find("cannot be reached"), std::string::npos);
  EXPECT_EQ(roots_.FileRefusal(dir_.Join("data/link.jpg")), "a link to outside the worker's data roots");
  EXPECT_EQ(roots_.FileRefusal(dir_.Join("data/w.safetensors")), "");
}

TEST_F(DataRootsTest, ARootMustBeAnExistingFolder) {
  EXPECT_EQ(DataRoots::Create({dir_.Join("nowhere")}).status().message(),
            "--data-root " + dir_.Join("nowhere") + " is not an existing folder");
  EXPECT_FALSE(DataRoots::Create({dir_.Join("secret.txt")}).ok());
}

}  // namespace
}  // namespace derm::data
