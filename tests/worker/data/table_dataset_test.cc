#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "common/table/csv.h"
#include "tests/testing/temp_dir.h"
#include "worker/data/dataset.h"
#include "worker/data/demo_metadata.h"

namespace derm::data {
namespace {

namespace fs = std::filesystem;

class TableDatasetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    DemoMetadataOptions demo;
    demo.out_dir = dir_.path();
    demo.classes = 4;
    demo.lesions_per_class = 10;
    demo.size = 40;
    ASSERT_TRUE(WriteDemoMetadata(demo).ok());
    auto csv = table::ReadCsvFile(Table());
    ASSERT_TRUE(csv.ok());
    for (const auto& row : csv->rows) {
      lesion_of_[row[1]] = row[0];
      patient_of_[row[1]] = row[7];
    }
  }
  std::string Table() const { return dir_.Join("HAM10000_metadata.csv"); }
  DatasetOptions Options() const {
    DatasetOptions o;
    TableData t;
    t.table = Table();
    t.images = dir_.Join("images");
    t.test_split = 0.2;
    o.table = t;
    o.height = o.width = 32;
    o.threads = 2;
    return o;
  }
  // The image id of a decoded image's path.
  static std::string Id(const std::string& path) { return fs::path(path).stem().string(); }

  testing::TempDir dir_;
  std::map<std::string, std::string> lesion_of_, patient_of_;
};

TEST(DemoMetadataTest, SeveralViewsPerLesionAndLesionsPerPatient) {
  testing::TempDir dir;
  DemoMetadataOptions demo;
  demo.out_dir = dir.path();
  demo.classes = 3;
  demo.lesions_per_class = 12;
  ASSERT_TRUE(WriteDemoMetadata(demo).ok());
  auto csv = table::ReadCsvFile(dir.Join("HAM10000_metadata.csv"));
  ASSERT_TRUE(csv.ok());
  std::map<std::string, int> views;
  std::map<std::string, std::set<std::string>> lesions_of_patient;
  for (const auto& row : csv->rows) {
    ++views[row[0]];
    lesions_of_patient[row[7]].insert(row[0]);
    EXPECT_TRUE(fs::exists(dir.Join("images/" + row[1] + ".jpg")));
  }
  EXPECT_EQ(views.size(), 36u);
  int multi_view = 0, multi_lesion = 0;
  for (const auto& [lesion, n] : views) multi_view += n > 1;
  for (const auto& [patient, lesions] : lesions_of_patient) multi_lesion += lesions.size() > 1;
  EXPECT_GT(multi_view, 10);
  EXPECT_GT(multi_lesion, 2);
  EXPECT_EQ(WriteDemoMetadata(demo).code(), StatusCode::kFailedPrecondition);  // never over a table
}

TEST_F(TableDatasetTest, NoLesionIsInTwoSplitsAndTheRunKnowsItsGroups) {
  auto ds = LoadDataset(Options());
  ASSERT_TRUE(ds.ok()) << ds.status().message();
  EXPECT_EQ(ds->class_names, (std::vector<std::string>{"akiec", "bcc", "df", "mel"}));
  EXPECT_EQ(ds->group_column, "lesion_id");
  std::map<std::string, int> split_of_lesion;
  const core::ImageSet* sets[3] = {&ds->train, &ds->validation, &ds->test};
  int64_t images = 0;
  for (int s = 0; s < 3; ++s) {
    std::set<std::string> lesions;
    for (const auto& path : sets[s]->paths) {
      const std::string& lesion = lesion_of_.at(Id(path));
      auto [it, fresh] = split_of_lesion.emplace(lesion, s);
      EXPECT_EQ(it->second, s) << lesion << " is in two splits";
      lesions.insert(lesion);
    }
    EXPECT_EQ(ds->groups[s], static_cast<int64_t>(lesions.size()));
    EXPECT_GT(sets[s]->size(), 0);
    images += sets[s]->size();
  }
  EXPECT_EQ(images, static_cast<int64_t>(lesion_of_.size()));
  EXPECT_EQ(split_of_lesion.size(), 40u);
  EXPECT_TRUE(ds->warnings.empty());
  EXPECT_EQ(ds->attribute_names, (std::vector<std::string>{"sex", "age", "localization"}));
  ASSERT_EQ(ds->attributes.size(), lesion_of_.size());
  const auto& first = ds->attributes.at(dir_.Join("images/ISIC_0000000.jpg"));
  ASSERT_EQ(first.size(), 3u);
  EXPECT_TRUE(first[0] == "male" || first[0] == "female") << first[0];
}

TEST_F(TableDatasetTest, PatientGroupsAndAPerImageSplitThatWarns) {
  DatasetOptions o = Options();
  o.table->options.group_column = "patient_id";
  auto by_patient = LoadDataset(o);
  ASSERT_TRUE(by_patient.ok()) << by_patient.status().message();
  std::map<std::string, const core::ImageSet*> split_of_patient;
  for (const core::ImageSet* set : {&by_patient->train, &by_patient->validation, &by_patient->test}) {
    for (const auto& path : set->paths) {
      auto [it, fresh] = split_of_patient.emplace(patient_of_.at(Id(path)), set);
      EXPECT_EQ(it->second, set);
    }
  }
  o.table->options.group_column = "";
  auto per_image = LoadDataset(o);
  ASSERT_TRUE(per_image.ok());
  EXPECT_EQ(per_image->group_column, "");
  ASSERT_EQ(per_image->warnings.size(), 2u);  // the demo's lesions and patients both repeat
  EXPECT_NE(per_image->warnings[0].find("share"), std::string::npos) << per_image->warnings[0];
  EXPECT_NE(per_image->warnings[0].find("set data.group_column: lesion_id"), std::string::npos);
  EXPECT_NE(per_image->warnings[1].find("set data.group_column: patient_id"), std::string::npos);
}

TEST_F(TableDatasetTest, TheTablesBytesArePartOfTheFingerprint) {
  auto a = LoadDataset(Options());
  ASSERT_TRUE(a.ok());
  // Another attribute value: the same images, labels and split, another table.
  std::ifstream in(Table());
  std::string text((std::istreambuf_iterator<char>(in)), {});
  const size_t at = text.find(",male,");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 6, ",female,");
  std::ofstream(Table()) << text;
  auto b = LoadDataset(Options());
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(a->validation.paths, b->validation.paths);
  EXPECT_NE(a->fingerprint, b->fingerprint);
}

TEST_F(TableDatasetTest, AMissingImageNamesItsLine) {
  fs::remove(dir_.Join("images/ISIC_0000005.jpg"));
  auto ds = LoadDataset(Options());
  ASSERT_FALSE(ds.ok());
  EXPECT_NE(ds.status().message().find(
                "HAM10000_metadata.csv: line 7, column image_id: image ISIC_0000005 is not in"),
            std::string::npos)
      << ds.status().message();
}

TEST_F(TableDatasetTest, UnreadableImagesCountAgainstTheErrorBudget) {
  for (int i = 0; i < 3; ++i)
    std::ofstream(dir_.Join("images/ISIC_000000" + std::to_string(i) + ".jpg")) << "not a jpeg";
  DatasetOptions o = Options();
  o.table->max_errors = 3;
  auto within = LoadDataset(o);
  ASSERT_TRUE(within.ok()) << within.status().message();
  EXPECT_EQ(within->skipped.size(), 3u);
  o.table->max_errors = 2;
  auto over = LoadDataset(o);
  ASSERT_FALSE(over.ok());
  EXPECT_NE(over.status().message().find("3 images listed in " + Table() +
                                         " could not be read or decoded, more than data.max_errors (2)"),
            std::string::npos)
      << over.status().message();
}

TEST_F(TableDatasetTest, ALinkOutOfTheDataRootsIsSkippedNotRead) {
  testing::TempDir outside;
  std::ofstream(outside.Join("secret.jpg")) << "secret";
  fs::remove(dir_.Join("images/ISIC_0000003.jpg"));
  fs::create_symlink(outside.Join("secret.jpg"), dir_.Join("images/ISIC_0000003.jpg"));
  DatasetOptions o = Options();
  auto roots = DataRoots::Create({dir_.path()});
  ASSERT_TRUE(roots.ok());
  o.roots = *roots;
  auto ds = LoadDataset(o);
  ASSERT_TRUE(ds.ok()) << ds.status().message();
  ASSERT_EQ(ds->skipped.size(), 1u);
  EXPECT_NE(ds->skipped[0].path.find("ISIC_0000003.jpg"), std::string::npos);
  EXPECT_NE(ds->skipped[0].reason.find("outside"), std::string::npos) << ds->skipped[0].reason;
}

TEST_F(TableDatasetTest, ASeparateTestTableKeepsTheTrainingClasses) {
  std::ofstream(dir_.Join("test.csv")) << "image,MEL,BCC\nISIC_0000001,0,1\n";
  DatasetOptions o = Options();
  o.table->test_split = 0;
  o.table->test_table = dir_.Join("test.csv");
  o.table->test_images = dir_.Join("images");
  auto refused = LoadDataset(o);  // a one-hot table's columns must be the training classes
  ASSERT_FALSE(refused.ok());
  std::ofstream(dir_.Join("test.csv")) << "image_id,dx\nISIC_0000001,bcc\nISIC_0000002,df\n";
  auto ds = LoadDataset(o);
  ASSERT_TRUE(ds.ok()) << ds.status().message();
  EXPECT_EQ(ds->test.size(), 2);
  EXPECT_EQ(ds->test.labels, (std::vector<int32_t>{1, 2}));
  EXPECT_EQ(ds->groups[2], 2);
}

}  // namespace
}  // namespace derm::data
