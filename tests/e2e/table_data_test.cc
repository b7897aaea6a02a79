// A labels table end to end (docs/data.md): dermctl checks it where it runs, a worker splits it by
// lesion, the run records its groups, and the ledger exported in the ISIC Challenge's format
// scores to the figures derm stored.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>

#include "common/table/csv.h"
#include "store/sqlite.h"
#include "tests/testing/cluster.h"
#include "worker/data/demo_metadata.h"

namespace derm {
namespace {

using testing::QueryInt;
using testing::QueryText;
using testing::RunCommand;

class TableDataTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data::DemoMetadataOptions demo;
    demo.out_dir = dir_.Join("ham");
    demo.classes = 4;
    demo.lesions_per_class = 8;
    demo.size = 32;
    ASSERT_TRUE(data::WriteDemoMetadata(demo).ok());
    ASSERT_TRUE(cluster_.StartScheduler()) << cluster_.SchedulerLog();
  }
  std::string Spec(const std::string& table) const {
    return "kind: train\nname: grouped\ndata:\n  table: " + table +
           "\n  validation_split: 0.25\n  test_split: 0.25\n  image_size: [32, 32]\n"
           "train: {epochs: 2, batch_size: 8}\n";
  }
  testing::CommandResult Dermctl(std::vector<std::string> args) {
    args.insert(args.begin(),
                {DERMCTL_BIN, "--server", cluster_.address(), "--token-file", cluster_.admin_token_file()});
    return RunCommand(args);
  }

  testing::TempDir dir_;
  testing::Cluster cluster_{dir_};
};

// Balanced accuracy (the ISIC Challenge's metric) and each class's ROC AUC (Mann-Whitney, ties
// half) of a prediction CSV against a ground-truth CSV, computed here, independently of derm.
struct Scores {
  double balanced_accuracy = 0;
  std::vector<double> auc;
};
Scores Score(const table::CsvTable& pred, const table::CsvTable& truth) {
  const size_t k = pred.header.size() - 1;
  std::vector<size_t> label(truth.rows.size());
  std::vector<std::vector<double>> p(pred.rows.size(), std::vector<double>(k));
  for (size_t i = 0; i < truth.rows.size(); ++i) {
    for (size_t c = 0; c < k; ++c) {
      if (truth.rows[i][c + 1] == "1.0") label[i] = c;
      p[i][c] = std::stod(pred.rows[i][c + 1]);
    }
  }
  Scores s;
  double recall_sum = 0;
  int classes_present = 0;
  for (size_t c = 0; c < k; ++c) {
    int n = 0, hit = 0;
    double pairs = 0, wins = 0;
    for (size_t i = 0; i < label.size(); ++i) {
      if (label[i] != c) continue;
      ++n;
      hit += std::max_element(p[i].begin(), p[i].end()) - p[i].begin() == static_cast<long>(c);
      for (size_t j = 0; j < label.size(); ++j) {
        if (label[j] == c) continue;
        pairs += 1;
        wins += p[i][c] > p[j][c] ? 1 : p[i][c] == p[j][c] ? 0.5 : 0;
      }
    }
    if (n > 0) {
      recall_sum += static_cast<double>(hit) / n;
      ++classes_present;
    }
    s.auc.push_back(pairs > 0 ? wins / pairs : NAN);
  }
  s.balanced_accuracy = recall_sum / classes_present;
  return s;
}

TEST_F(TableDataTest, AGroupedRunFromATableIsRecordedAndItsIsicExportScoresToTheStoredFigures) {
  cluster_.StartWorker();
  const std::string table = dir_.Join("ham/HAM10000_metadata.csv");
  testing::WriteFile(dir_.Join("grouped.yaml"), Spec(table));
  auto r = Dermctl({"submit", dir_.Join("grouped.yaml"), "--wait"});
  ASSERT_EQ(r.exit_code, 0) << r.err << cluster_.WorkerLog(0);
  auto db = std::move(store::Database::Open(cluster_.db(), true).value());
  EXPECT_EQ(QueryText(db.get(), "SELECT group_column FROM runs WHERE id = 1"), "lesion_id");
  const int64_t groups =
      QueryInt(db.get(), "SELECT train_groups + validation_groups + test_groups FROM runs");
  EXPECT_EQ(groups, 32);  // every lesion, once
  // No lesion is in both the validation and the test split (train's images are not predicted).
  auto csv = table::ReadCsvFile(table);
  ASSERT_TRUE(csv.ok());
  std::map<std::string, std::string> lesion_of;
  for (const auto& row : csv->rows) lesion_of[row[1]] = row[0];
  std::map<std::string, std::set<std::string>> lesions;
  for (const char* split : {"validation", "test"}) {
    auto s = std::move(db->Prepare("SELECT path FROM predictions WHERE run_id = 1 AND split = ?").value());
    s.Bind(1, split);
    while (s.Step().value())
      lesions[split].insert(lesion_of.at(std::filesystem::path(s.Text(0)).stem().string()));
  }
  for (const auto& l : lesions["validation"]) EXPECT_EQ(lesions["test"].count(l), 0u) << l;
  EXPECT_EQ(static_cast<int64_t>(lesions["test"].size()), QueryInt(db.get(), "SELECT test_groups FROM runs"));
  // Every prediction carries its image's attributes from the table, by name.
  EXPECT_EQ(QueryText(db.get(), "SELECT attribute_names FROM runs WHERE id = 1"),
            "[\"sex\",\"age\",\"localization\"]");
  EXPECT_EQ(QueryInt(db.get(),
                     "SELECT count(*) FROM predictions WHERE run_id = 1 AND "
                     "json_extract(attributes, '$.sex') IN ('male', 'female') AND "
                     "CAST(json_extract(attributes, '$.age') AS INTEGER) >= 5"),
            QueryInt(db.get(), "SELECT count(*) FROM predictions WHERE run_id = 1"));

  r = Dermctl({"describe", "run", "1"});
  EXPECT_NE(r.out.find(" test lesion_id groups, none in two splits"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("leakage: no image is in two splits"), std::string::npos) << r.out;

  ASSERT_EQ(Dermctl({"export", "predictions", "--run", "1", "--split", "test", "--format", "isic", "--out",
                     dir_.Join("pred.csv")})
                .exit_code,
            0);
  r = Dermctl({"export", "predictions", "--run", "1", "--split", "test", "--format", "isic", "--truth",
               "--out", dir_.Join("truth.csv")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto pred = table::ReadCsvFile(dir_.Join("pred.csv"));
  auto truth = table::ReadCsvFile(dir_.Join("truth.csv"));
  ASSERT_TRUE(pred.ok() && truth.ok());
  EXPECT_EQ(pred->header, (std::vector<std::string>{"image", "akiec", "bcc", "df", "mel"}));
  EXPECT_EQ(truth->header, pred->header);
  ASSERT_EQ(static_cast<int64_t>(pred->rows.size()), QueryInt(db.get(), "SELECT test_images FROM runs"));
  for (const auto& row : pred->rows) {
    double sum = 0;
    for (size_t c = 1; c < row.size(); ++c) sum += std::stod(row[c]);
    EXPECT_NEAR(sum, 1.0, 1e-5);  // float32 softmax: a few ulps of rounding per class
  }
  const Scores s = Score(*pred, *truth);
  // The same probabilities (float32 written exactly) give the same figures: equal to rounding.
  EXPECT_NEAR(s.balanced_accuracy,
              std::stod(QueryText(db.get(), "SELECT test_balanced_accuracy FROM runs WHERE id = 1")), 1e-12);
  for (size_t c = 0; c < s.auc.size(); ++c) {
    EXPECT_NEAR(s.auc[c],
                std::stod(QueryText(db.get(),
                                    "SELECT roc_auc FROM class_evaluation WHERE run_id = 1 AND "
                                    "split = 'test' AND class_index = " +
                                        std::to_string(c))),
                1e-12)
        << c;
  }
}

TEST_F(TableDataTest, AGroupedThreeFoldJobFinishesWithItsSummaryPooledEvaluationAndIsicExport) {
  cluster_.StartWorker();
  const std::string table = dir_.Join("ham/HAM10000_metadata.csv");
  testing::WriteFile(dir_.Join("cv.yaml"),
                     "kind: train\nname: grouped\ndata:\n  table: " + table +
                         "\n  test_split: 0.25\n  image_size: [32, 32]\n  cross_validation: {folds: 3}\n"
                         "train: {epochs: 2, batch_size: 8}\n");
  auto r = Dermctl({"submit", dir_.Join("cv.yaml"), "--wait"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err << cluster_.WorkerLog(0);
  EXPECT_NE(r.out.find("submitted sweep 1: 3 jobs"), std::string::npos) << r.out;
  auto db = std::move(store::Database::Open(cluster_.db(), true).value());
  EXPECT_EQ(QueryInt(db.get(),
                     "SELECT folds_succeeded FROM cv_summary WHERE sweep_id = 1 AND cv_group = 'grouped'"),
            3);
  EXPECT_EQ(QueryText(db.get(), "SELECT round(mean_val_accuracy, 9) FROM cv_summary"),
            QueryText(db.get(), "SELECT round(avg(val_accuracy), 9) FROM epoch_metrics WHERE epoch = 2"));
  // Every image outside the test split validates exactly once; the test split is the same for all.
  EXPECT_EQ(QueryInt(db.get(),
                     "SELECT count(*) FROM (SELECT path FROM predictions WHERE split = 'validation' "
                     "GROUP BY path HAVING count(*) > 1)"),
            0);
  EXPECT_EQ(QueryInt(db.get(), "SELECT count(DISTINCT path) FROM predictions WHERE split = 'test'"),
            QueryInt(db.get(), "SELECT test_images FROM runs WHERE id = 1"));
  const int64_t validated = QueryInt(db.get(), "SELECT count(*) FROM predictions WHERE split = 'validation'");
  auto csv = table::ReadCsvFile(table);
  ASSERT_TRUE(csv.ok());
  EXPECT_EQ(validated + QueryInt(db.get(), "SELECT test_images FROM runs WHERE id = 1"),
            static_cast<int64_t>(csv->rows.size()));
  EXPECT_EQ(QueryInt(db.get(),
                     "SELECT count(*) FROM predictions p JOIN predictions q ON p.path = q.path AND "
                     "p.split = 'validation' AND q.split = 'test'"),
            0);

  r = Dermctl({"describe", "cv", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("cross-validation grouped: 3 folds (runs 1,2,3), 3 succeeded"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("validation across folds (mean ± sd at each fold's model epoch): accuracy "),
            std::string::npos);
  EXPECT_NE(r.out.find("pooled out-of-fold predictions: " + std::to_string(validated) + " images, accuracy "),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("pooled out-of-fold evaluation: macro ROC AUC"), std::string::npos) << r.out;
  r = Dermctl({"describe", "cv", "7"});
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_NE(r.err.find("sweep 7 has no cross-validated runs"), std::string::npos) << r.err;
  r = Dermctl({"export", "predictions", "--run", "2", "--split", "test", "--format", "isic"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST_F(TableDataTest, DermctlNamesATablesBadLineBeforeSubmitting) {
  const std::string table = dir_.Join("ham/HAM10000_metadata.csv");
  std::string text = testing::ReadFile(table);
  text += "HAM_9,ISIC_9999999,nv,histo,40,male,back,PAT_1,II\n";  // no such image
  testing::WriteFile(dir_.Join("ham/bad.csv"), text);
  testing::WriteFile(dir_.Join("bad.yaml"), Spec(dir_.Join("ham/bad.csv")));
  auto r = Dermctl({"submit", dir_.Join("bad.yaml")});
  EXPECT_EQ(r.exit_code, 2) << r.out;
  const int64_t line = std::count(text.begin(), text.end(), '\n');
  EXPECT_NE(
      r.err.find("bad.csv: line " + std::to_string(line) + ", column image_id: image ISIC_9999999 is not in"),
      std::string::npos)
      << r.err;
  auto db = std::move(store::Database::Open(cluster_.db(), true).value());
  EXPECT_EQ(QueryInt(db.get(), "SELECT count(*) FROM jobs"), 0);
}

}  // namespace
}  // namespace derm
