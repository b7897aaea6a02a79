#include "worker/data/dataset.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <numeric>
#include <set>

#include "tests/testing/temp_dir.h"
#include "tests/testing/tiny_dataset.h"

namespace derm::data {
namespace {

namespace fs = std::filesystem;

class DatasetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(
        testing::WriteTinyDataset(dir_.path(), /*classes=*/3, /*train=*/10, /*test=*/2, /*size=*/48).ok());
  }
  DatasetOptions Options() const {
    DatasetOptions o;
    o.train_dir = dir_.Join("Train");
    o.test_dir = dir_.Join("Test");
    o.height = 32;
    o.width = 40;
    o.threads = 2;
    return o;
  }
  testing::TempDir dir_;
};

TEST_F(DatasetTest, LabelsBySortedFolderAndSplitsLikeKeras) {
  auto ds = LoadDataset(Options());
  ASSERT_TRUE(ds.ok()) << ds.status().ToString();
  EXPECT_EQ(ds->class_names,
            (std::vector<std::string>{"actinic keratosis", "basal cell carcinoma", "dermatofibroma"}));
  EXPECT_EQ(ds->validation.size(), 6);  // floor(0.2 * 30)
  EXPECT_EQ(ds->train.size(), 24);
  EXPECT_EQ(ds->test.size(), 6);
  EXPECT_EQ(ds->train.pixels.size(), 24u * 32 * 40 * 3);
  for (int64_t i = 0; i < ds->train.size(); ++i) {
    const int label = ds->train.labels[i];
    EXPECT_NE(ds->train.paths[i].find(ds->class_names[label]), std::string::npos);
  }
  EXPECT_TRUE(ds->skipped.empty());
  EXPECT_EQ(ds->fingerprint.size(), 64u);
}

TEST_F(DatasetTest, SplitIsDeterministicBySeed) {
  auto a = LoadDataset(Options()), b = LoadDataset(Options());
  auto o = Options();
  o.seed = 7;
  auto c = LoadDataset(o);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(a->validation.paths, b->validation.paths);
  EXPECT_EQ(a->fingerprint, b->fingerprint);
  EXPECT_NE(a->validation.paths, c->validation.paths);
  EXPECT_NE(a->fingerprint, c->fingerprint);
  std::set<std::string> all(a->train.paths.begin(), a->train.paths.end());
  for (const auto& p : a->validation.paths) EXPECT_FALSE(all.count(p)) << p << " is in both splits";
}

TEST_F(DatasetTest, ReportsCorruptAndNonImageFilesAndSkipsThem) {
  testing::WriteFile(dir_.Join("Train/dermatofibroma/broken.jpg"), "this is not a jpeg");
  testing::WriteFile(dir_.Join("Train/dermatofibroma/notes.txt"), "hello");
  testing::WriteFile(dir_.Join("Train/dermatofibroma/empty.png"), "");
  auto ds = LoadDataset(Options());
  ASSERT_TRUE(ds.ok()) << ds.status().ToString();
  std::map<std::string, std::string> reasons;
  for (const auto& s : ds->skipped) reasons[fs::path(s.path).filename().string()] = s.reason;
  EXPECT_EQ(reasons.size(), 3u);
  EXPECT_NE(reasons["broken.jpg"].find("not a decodable image"), std::string::npos);
  EXPECT_NE(reasons["notes.txt"].find("not an image file type"), std::string::npos);
  EXPECT_EQ(reasons["empty.png"], "empty file");
  EXPECT_EQ(ds->train.size() + ds->validation.size(), 30);
}

TEST_F(DatasetTest, FingerprintFollowsFileContent) {
  auto before = LoadDataset(Options());
  const std::string victim = dir_.Join("Train/basal cell carcinoma/img_00003.jpg");
  const std::string other = dir_.Join("Train/basal cell carcinoma/img_00004.jpg");
  testing::WriteFile(victim, testing::ReadFile(other));
  auto after = LoadDataset(Options());
  ASSERT_TRUE(before.ok() && after.ok());
  EXPECT_NE(before->fingerprint, after->fingerprint);
}

TEST_F(DatasetTest, ClearErrorsForBadFolders) {
  auto o = Options();
  o.train_dir = dir_.Join("Nope");
  auto missing = LoadDataset(o);
  EXPECT_EQ(missing.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(missing.status().message().find(dir_.Join("Nope")), std::string::npos);

  fs::create_directories(dir_.Join("Train/zz empty class"));
  auto empty = LoadDataset(Options());
  EXPECT_NE(empty.status().message().find("zz empty class has no images"), std::string::npos)
      << empty.status().ToString();
  fs::remove(dir_.Join("Train/zz empty class"));

  fs::create_directories(dir_.Join("Test/unknown"));
  testing::WriteFile(dir_.Join("Test/unknown/a.jpg"), "x");
  auto extra = LoadDataset(Options());
  EXPECT_NE(extra.status().message().find("class unknown"), std::string::npos) << extra.status().ToString();

  fs::create_directories(dir_.Join("Flat"));
  o.train_dir = dir_.Join("Flat");
  EXPECT_NE(LoadDataset(o).status().message().find("no class sub-folders"), std::string::npos);
}

TEST_F(DatasetTest, BalancesTheTrainingSplitWithAugmentedCopies) {
  auto plain = LoadDataset(Options());
  auto o = Options();
  o.samples_per_class = 12;
  auto a = LoadDataset(o), b = LoadDataset(o);
  ASSERT_TRUE(plain.ok() && a.ok() && b.ok());
  std::vector<int> counts(3);
  for (int32_t label : a->train.labels) ++counts[label];
  EXPECT_EQ(counts, (std::vector<int>{12, 12, 12}));
  EXPECT_EQ(a->train.pixels.size(), 36u * 32 * 40 * 3);
  EXPECT_EQ(a->validation.paths, plain->validation.paths) << "validation is untouched";
  EXPECT_EQ(a->train.pixels, b->train.pixels) << "deterministic";
  EXPECT_NE(a->fingerprint, plain->fingerprint);
  EXPECT_NE(a->train.paths.back().find("#copy"), std::string::npos);
  // The copies differ from their sources.
  const size_t bytes = 32 * 40 * 3;
  const size_t copy = a->train.size() - 1;
  bool differs_from_all = true;
  for (int64_t i = 0; i < plain->train.size(); ++i) {
    if (std::equal(a->train.pixels.begin() + copy * bytes, a->train.pixels.begin() + (copy + 1) * bytes,
                   plain->train.pixels.begin() + i * bytes)) {
      differs_from_all = false;
    }
  }
  EXPECT_TRUE(differs_from_all);
  o.samples_per_class = 5;  // below every class's count: nothing to add
  auto none = LoadDataset(o);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->train.size(), plain->train.size());
}

// balance.samples_per_class: 100000 killed the worker (out of memory), and then the next one.
TEST_F(DatasetTest, ADatasetThatWouldNotFitInMemoryIsRefusedBeforeDecoding) {
  auto o = Options();
  o.height = o.width = 224;
  o.samples_per_class = 100000;
  auto huge = LoadDataset(o);  // 100000 x 3 classes x 150 KB: 45 GB, more than half of any CI machine
  ASSERT_EQ(huge.status().code(), StatusCode::kInvalidArgument) << huge.status().ToString();
  EXPECT_NE(huge.status().message().find("(balance.samples_per_class 100000 x 3 classes) need"),
            std::string::npos)
      << huge.status().message();
  EXPECT_NE(huge.status().message().find("MiB in memory, more than this worker's"), std::string::npos);
  o = Options();
  o.samples_per_class = 100;  // 312 images of 3,840 bytes: 1.2 MB
  o.memory_budget = 1 << 20;
  EXPECT_EQ(LoadDataset(o).status().code(), StatusCode::kInvalidArgument) << "over an explicit budget";
  o.memory_budget = 64 << 20;
  EXPECT_TRUE(LoadDataset(o).ok());
}

TEST_F(DatasetTest, CachesDecodedDatasetsByContent) {
  auto o = Options();
  o.cache_dir = dir_.Join("cache");
  auto first = LoadDataset(o);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(o.cache_dir)) files.push_back(e.path());
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].extension(), ".dermcache");

  auto second = LoadDataset(o);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->fingerprint, first->fingerprint);
  EXPECT_EQ(second->train.pixels, first->train.pixels);
  EXPECT_EQ(second->validation.paths, first->validation.paths);
  EXPECT_EQ(second->class_names, first->class_names);

  // A changed file is a different dataset: a new cache entry, a new fingerprint.
  testing::WriteFile(dir_.Join("Train/dermatofibroma/img_00001.jpg"),
                     testing::ReadFile(dir_.Join("Train/dermatofibroma/img_00002.jpg")));
  auto changed = LoadDataset(o);
  ASSERT_TRUE(changed.ok());
  EXPECT_NE(changed->fingerprint, first->fingerprint);
  EXPECT_EQ(std::distance(fs::directory_iterator(o.cache_dir), fs::directory_iterator()), 2);

  // A damaged cache file is ignored and rewritten, never trusted.
  for (const auto& e : fs::directory_iterator(o.cache_dir)) {
    testing::WriteFile(e.path().string(), testing::ReadFile(e.path().string()).substr(0, 100));
  }
  auto again = LoadDataset(o);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->train.pixels, changed->train.pixels);
}

// Every image of `set`, read the way the trainer reads them.
std::vector<uint8_t> AllPixels(const core::ImageSet& set) {
  std::vector<int64_t> idx(set.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::vector<uint8_t> out(idx.size() * set.image_bytes());
  set.Gather(idx.data(), idx.size(), out.data());
  return out;
}

TEST_F(DatasetTest, AboveTheCacheBudgetImagesStreamFromTheCacheFileAndMatchRam) {
  auto o = Options();
  o.samples_per_class = 7;  // balancing copies are streamed too
  auto ram = LoadDataset(o);
  ASSERT_TRUE(ram.ok()) << ram.status().ToString();
  o.cache_dir = dir_.Join("cache");
  o.cache_budget = 1;                     // bytes: everything streams
  for (int pass = 0; pass < 2; ++pass) {  // decoded into the file, then read from the cache
    auto streamed = LoadDataset(o);
    ASSERT_TRUE(streamed.ok()) << streamed.status().ToString();
    EXPECT_EQ(streamed->fingerprint, ram->fingerprint);
    for (auto [a, b] : {std::pair{&streamed->train, &ram->train},
                        {&streamed->validation, &ram->validation},
                        {&streamed->test, &ram->test}}) {
      EXPECT_TRUE(a->file != nullptr) << "pass " << pass;
      EXPECT_TRUE(a->pixels.empty());
      EXPECT_EQ(a->paths, b->paths);
      EXPECT_EQ(a->labels, b->labels);
      EXPECT_EQ(AllPixels(*a), b->pixels) << "pass " << pass;
    }
  }
  o.cache_budget = 0;  // the same cache file, read into RAM
  auto loaded = LoadDataset(o);
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->train.file, nullptr);
  EXPECT_EQ(loaded->train.pixels, ram->train.pixels);
  EXPECT_EQ(std::distance(fs::directory_iterator(o.cache_dir), fs::directory_iterator()), 1)
      << "no temporary left";
}

TEST_F(DatasetTest, LinksOutOfTheRootsDevicesAndLinkLoopsAreSkippedWithTheirReason) {
  testing::WriteFile(dir_.Join("secret.jpg"), "the host's file");
  const std::string cls = dir_.Join("Train/dermatofibroma/");
  fs::create_symlink(dir_.Join("secret.jpg"), cls + "out.jpg");
  fs::create_symlink(cls + "loop.jpg", cls + "loop.jpg");
  fs::create_symlink("/dev/zero", cls + "zero.jpg");
  fs::create_directory_symlink("/proc", cls + "proc");
  DatasetOptions o = Options();
  o.roots = DataRoots::Create({dir_.Join("Train"), dir_.Join("Test")}).value();
  auto ds = LoadDataset(o);
  ASSERT_TRUE(ds.ok()) << ds.status().ToString();
  std::map<std::string, std::string> reasons;
  for (const auto& s : ds->skipped) reasons[fs::path(s.path).filename().string()] = s.reason;
  EXPECT_EQ(reasons["out.jpg"], "a link to outside the worker's data roots");
  EXPECT_NE(reasons["loop.jpg"].find("cannot be reached"), std::string::npos) << reasons["loop.jpg"];
  EXPECT_EQ(reasons["zero.jpg"], "not a regular file");
  EXPECT_EQ(reasons.count("proc"), 0u) << "links to folders are not followed";
  EXPECT_EQ(ds->train.size() + ds->validation.size(), 30) << "every real image is still used";
}

}  // namespace
}  // namespace derm::data
