#include "store/store.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "common/spec/spec_rules.h"
#include "store/schema.h"
#include "store/sqlite.h"
#include "tests/testing/temp_dir.h"

namespace derm::store {
namespace {

derm::v1::JobSpec Spec(const std::string& name = "run-a") {
  derm::v1::JobSpec spec;
  spec.set_name(name);
  spec.mutable_data()->set_train_dir("/data/Train");
  ApplySpecDefaults(&spec);
  spec.mutable_train()->set_epochs(2);
  return spec;
}

derm::v1::EpochMetrics Epoch(int epoch, double val_acc) {
  derm::v1::EpochMetrics m;
  m.set_epoch(epoch);
  m.set_loss(1.0 / epoch);
  m.set_accuracy(0.5);
  auto* v = m.mutable_validation();
  v->set_loss(0.9);
  v->set_accuracy(val_acc);
  for (const char* name : {"a", "b"}) {
    v->mutable_confusion()->add_class_names(name);
    auto* c = v->add_per_class();
    c->set_class_name(name);
    c->set_support(2);
  }
  for (int64_t count : {2, 0, 1, 1}) v->mutable_confusion()->add_counts(count);
  return m;
}

int64_t Scalar(Database* db, const std::string& sql) {
  auto stmt = db->Prepare(sql);
  EXPECT_TRUE(stmt.ok()) << stmt.status().ToString();
  auto row = stmt->Step();
  EXPECT_TRUE(row.ok() && *row) << sql;
  return stmt->Int(0);
}

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = Store::Open(dir_.Join("results.db"));
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(s).value();
    auto w = store_->workers().Insert(derm::v1::RegisterWorkerRequest(), "tester", 1);
    ASSERT_TRUE(w.ok());
    worker_ = *w;
  }
  // A second connection to the store's file, for checks and changes the Store does not offer.
  std::unique_ptr<Database> Raw() { return Database::Open(dir_.Join("results.db")).value(); }
  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
  int64_t worker_ = 0;
};

TEST_F(StoreTest, MigratesOnceAndUsesWal) {
  {
    auto raw = Raw();
    EXPECT_EQ(Scalar(raw.get(), "PRAGMA user_version"), kSchemaVersion);
    auto stmt = raw->Prepare("PRAGMA journal_mode");
    ASSERT_TRUE(stmt->Step().value());
    EXPECT_EQ(stmt->Text(0), "wal");
  }
  store_.reset();
  auto again = Store::Open(dir_.Join("results.db"));
  ASSERT_TRUE(again.ok()) << again.status().ToString();
}

TEST_F(StoreTest, Version2KeepsEveryPredictionAndSkippedFileOfAVersion1Database) {
  auto v1 = Database::Open(dir_.Join("v1.db"));
  ASSERT_TRUE(v1.ok());
  Database* db = v1->get();
  ASSERT_TRUE(Migrate(db, 1).ok());
  ASSERT_TRUE(
      db->Exec("INSERT INTO jobs(id, name, kind, state, priority, max_retries, spec, created_ms, updated_ms) "
               "VALUES (7, 'old', 'train', 'SUCCEEDED', 0, 3, x'', 1, 1);"
               "INSERT INTO runs(id, job_id, name) VALUES (5, 7, 'old');"
               "INSERT INTO predictions VALUES (5, 'validation', 'a.jpg', 1, 0, 0.5);"
               "INSERT INTO predictions VALUES (5, 'test', 'b.jpg', 2, 2, 0.9);"
               "INSERT INTO skipped_files VALUES (5, 'c.txt', 'not an image file type');")
          .ok());
  ASSERT_TRUE(Migrate(db).ok());
  EXPECT_EQ(Scalar(db, "PRAGMA user_version"), kSchemaVersion);
  EXPECT_EQ(Scalar(db, "SELECT count(*) FROM predictions WHERE job_id = 7 AND run_id = 5"), 2);
  EXPECT_EQ(Scalar(db, "SELECT predicted_class FROM predictions WHERE split = 'test' AND path = 'b.jpg'"), 2);
  EXPECT_EQ(Scalar(db, "SELECT count(*) FROM skipped_files WHERE job_id = 7 AND run_id = 5"), 1);
  EXPECT_EQ(Scalar(db, "SELECT count(*) FROM pragma_table_info('attempts') WHERE name = 'shard'"), 1);
  EXPECT_EQ(Scalar(db, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
  // Version 3: a worker may be LOST, and the state is still checked.
  ASSERT_TRUE(db->Exec("INSERT INTO workers(name, device, gpus, memory_mb, registered_ms, last_seen_ms) "
                       "VALUES ('w', 'cpu', 0, 0, 1, 1); UPDATE workers SET state = 'LOST'")
                  .ok());
  EXPECT_EQ(db->Exec("UPDATE workers SET state = 'ASLEEP'").code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(Scalar(db, "SELECT count(*) FROM pragma_quick_check WHERE quick_check = 'ok'"), 1);
  // Version 4: jobs and workers from before access control have no submitter, and run_summary
  // still lists the old run, with an empty submitted_by.
  EXPECT_EQ(Scalar(db, "SELECT count(*) FROM jobs WHERE id = 7 AND submitted_by = ''"), 1);
  EXPECT_EQ(Scalar(db, "SELECT count(*) FROM workers WHERE registered_by = ''"), 1);
  EXPECT_EQ(Scalar(db, "SELECT count(*) FROM run_summary WHERE run_id = 5 AND submitted_by = ''"), 1);
  EXPECT_EQ(db->Exec("INSERT INTO tokens(user, role, sha256, created_ms, created_by) VALUES ('u', 'ROOT', "
                     "'h', 1, 'x')")
                .code(),
            StatusCode::kFailedPrecondition)
      << "roles are checked";
  EXPECT_EQ(Scalar(db, "SELECT count(*) FROM tokens"), 0);
}

TEST_F(StoreTest, RefusesADatabaseFromANewerVersion) {
  ASSERT_TRUE(Raw()->Exec("PRAGMA user_version = 99").ok());
  store_.reset();
  auto s = Store::Open(dir_.Join("results.db"));
  EXPECT_EQ(s.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(s.status().message().find("99"), std::string::npos);
}

TEST_F(StoreTest, RefusesADamagedDatabaseNamingTheCheck) {
  ASSERT_TRUE(Raw()
                  ->Exec("CREATE TABLE filler(x TEXT); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL "
                         "SELECT i + 1 FROM n WHERE i < 2000) INSERT INTO filler SELECT printf('%0500d', i) "
                         "FROM n; PRAGMA wal_checkpoint(TRUNCATE);")
                  .ok());
  store_.reset();
  const std::string path = dir_.Join("results.db");
  {  // overwrite a page in the middle of the file, as a failing disk would
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(std::filesystem::file_size(path) / 2 / 4096 * 4096));
    const std::string junk(4096, '\xa5');
    f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  }
  auto s = Store::Open(path);
  EXPECT_EQ(s.status().code(), StatusCode::kDataLoss) << s.status().ToString();
  EXPECT_NE(s.status().message().find("failed SQLite's quick_check"), std::string::npos)
      << s.status().message();
}

TEST_F(StoreTest, JobRoundTripsWithParamsAndIdempotencyKey) {
  auto job = store_->jobs().Insert(Spec(), "key-1", "tester", 1000);
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  auto got = store_->jobs().Get(job->id());
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->state(), derm::v1::QUEUED);
  EXPECT_EQ(got->spec().name(), "run-a");
  EXPECT_EQ(got->run_id(), job->run_id());
  EXPECT_EQ(Scalar(Raw().get(), "SELECT count(*) FROM params WHERE name = 'train.epochs' AND value = '2'"),
            1);
  EXPECT_EQ(store_->jobs().Insert(Spec(), "key-1", "tester", 1001).status().code(),
            StatusCode::kAlreadyExists);
  auto found = store_->jobs().FindByKey("key-1");
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->id(), job->id());
  EXPECT_EQ(Scalar(Raw().get(), "SELECT count(*) FROM jobs"), 1) << "the failed insert left nothing behind";
  EXPECT_EQ(store_->jobs().Get(12345).status().code(), StatusCode::kNotFound);
}

TEST_F(StoreTest, AttemptsMoveTheJobAndRecordEvents) {
  auto job = store_->jobs().Insert(Spec(), "", "tester", 1000).value();
  auto attempt = store_->attempts().Start(job.id(), worker_, 2000);
  ASSERT_TRUE(attempt.ok()) << attempt.status().ToString();
  EXPECT_EQ(store_->attempts().Start(job.id(), worker_, 2001).status().code(),
            StatusCode::kFailedPrecondition);
  ASSERT_TRUE(store_->attempts()
                  .End(job.id(), *attempt, AttemptState::kWorkerLost, derm::v1::QUEUED, "lost", 3000)
                  .ok());
  auto events = store_->events().Since(job.id(), 0).value();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].to, derm::v1::QUEUED);
  EXPECT_EQ(events[1].to, derm::v1::RUNNING);
  EXPECT_EQ(events[2].to, derm::v1::QUEUED);
  EXPECT_EQ(events[2].cause, "lost");
  EXPECT_EQ(store_->jobs().Get(job.id())->attempts(), 1);
}

TEST_F(StoreTest, EpochsConfusionAndSummaryView) {
  auto job = store_->jobs().Insert(Spec(), "", "tester", 1000).value();
  const int64_t attempt = store_->attempts().Start(job.id(), worker_, 2000).value();
  ASSERT_TRUE(store_->run_writer().RecordEpoch(job.run_id(), attempt, Epoch(1, 0.75), "ckpt-1", 3000).ok());
  ASSERT_TRUE(store_->run_writer().RecordEpoch(job.run_id(), attempt, Epoch(2, 0.5), "ckpt-2", 4000).ok());
  auto epochs = store_->runs().Epochs(job.run_id(), 0).value();
  ASSERT_EQ(epochs.size(), 2u);
  EXPECT_EQ(epochs[1].validation().confusion().counts_size(), 4);
  EXPECT_EQ(epochs[1].validation().confusion().class_names(1), "b");
  EXPECT_EQ(store_->runs().Epochs(job.run_id(), 1)->size(), 1u);
  auto ckpt = store_->runs().LatestCheckpoint(job.run_id()).value();
  ASSERT_TRUE(ckpt.has_value());
  EXPECT_EQ(ckpt->epoch, 2);
  EXPECT_EQ(ckpt->bytes, "ckpt-2");

  EXPECT_EQ(Scalar(Raw().get(), "SELECT sum(count) FROM confusion_cells WHERE epoch = 2"), 4);
  EXPECT_EQ(Scalar(Raw().get(), "SELECT best_epoch FROM run_summary"), 1);
  EXPECT_EQ(Scalar(Raw().get(), "SELECT epochs_done FROM run_summary"), 2);
  EXPECT_EQ(
      Scalar(Raw().get(), "SELECT count(*) FROM confusion_matrix WHERE true_name = 'a' AND pred_name = 'b'"),
      2);
}

TEST_F(StoreTest, AMalformedEpochStoresNothing) {
  auto job = store_->jobs().Insert(Spec(), "", "tester", 1000).value();
  const int64_t attempt = store_->attempts().Start(job.id(), worker_, 2000).value();
  auto bad = Epoch(1, 0.5);
  bad.mutable_validation()->mutable_confusion()->add_counts(7);
  EXPECT_EQ(store_->run_writer().RecordEpoch(job.run_id(), attempt, bad, "ckpt", 3000).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(Scalar(Raw().get(), "SELECT count(*) FROM epoch_metrics"), 0);
  EXPECT_EQ(Scalar(Raw().get(), "SELECT count(*) FROM artifacts"), 0);
}

}  // namespace
}  // namespace derm::store
