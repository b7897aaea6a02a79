// Process-level tests: derm-scheduler and derm-worker run as separate processes on port 0;
// jobs go in over gRPC or through the dermctl binary; results are checked in the SQLite file.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <csignal>

#include "derm/v1/jobs.grpc.pb.h"
#include "store/sqlite.h"
#include "tests/testing/subprocess.h"
#include "tests/testing/temp_dir.h"
#include "worker/data/demo_data.h"

namespace derm {
namespace {

using testing::RunCommand;
using testing::Subprocess;

class ClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data::DemoDataOptions o;
    o.out_dir = dir_.Join("data");
    o.train_per_class = 5;
    o.test_per_class = 1;
    o.size = 32;
    o.classes = 3;
    ASSERT_TRUE(data::WriteDemoData(o).ok());
    scheduler_ =
        std::make_unique<Subprocess>(std::vector<std::string>{DERM_SCHEDULER_BIN, "--db", db(), "--listen",
                                                              "127.0.0.1:0", "--heartbeat-ms", "200"},
                                     dir_.Join("scheduler.log"));
    std::string line;
    ASSERT_TRUE(scheduler_->ReadLine(&line)) << testing::ReadFile(dir_.Join("scheduler.log"));
    const std::string prefix = "derm-scheduler listening on ";
    ASSERT_EQ(line.rfind(prefix, 0), 0u) << line;
    address_ = line.substr(prefix.size());
    worker_ = std::make_unique<Subprocess>(
        std::vector<std::string>{DERM_WORKER_BIN, "--scheduler", address_, "--threads", "2"},
        dir_.Join("worker.log"));
    stub_ = derm::v1::JobService::NewStub(grpc::CreateChannel(address_, grpc::InsecureChannelCredentials()));
  }
  void TearDown() override {
    worker_->Signal(SIGTERM);
    worker_->Wait();
    scheduler_->Signal(SIGTERM);
    EXPECT_EQ(scheduler_->Wait(), 0) << "the scheduler shuts down cleanly on SIGTERM";
  }

  std::string db() const { return dir_.Join("results.db"); }
  std::string Yaml(const std::string& extra = "") const {
    return "kind: train\nname: tiny\ndata:\n  train_dir: " + dir_.Join("data/Train") +
           "\n  test_dir: " + dir_.Join("data/Test") +
           "\n  image_size: [32, 32]\ntrain: {epochs: 2, batch_size: 4}\n" + extra;
  }
  testing::CommandResult Dermctl(std::vector<std::string> args, const std::string& server = "") {
    args.insert(args.begin(), {DERMCTL_BIN, "--server", server.empty() ? address_ : server});
    return RunCommand(args);
  }
  int64_t JobCount() {
    grpc::ClientContext ctx;
    derm::v1::ListJobsResponse resp;
    EXPECT_TRUE(stub_->ListJobs(&ctx, derm::v1::ListJobsRequest(), &resp).ok());
    return resp.jobs_size();
  }
  int64_t Query(store::Database* d, const std::string& sql) {
    auto s = d->Prepare(sql);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    EXPECT_TRUE(s->Step().value()) << sql;
    return s->Int(0);
  }

  testing::TempDir dir_;
  std::unique_ptr<Subprocess> scheduler_, worker_;
  std::string address_;
  std::unique_ptr<derm::v1::JobService::Stub> stub_;
};

TEST_F(ClusterTest, TrainsATinyJobAndStoresEverything) {
  derm::v1::SubmitJobRequest req;
  auto* spec = req.mutable_spec();
  spec->set_name("tiny");
  spec->mutable_data()->set_train_dir(dir_.Join("data/Train"));
  spec->mutable_data()->add_image_size(32);
  spec->mutable_data()->add_image_size(32);
  spec->mutable_train()->set_epochs(3);
  spec->mutable_train()->set_batch_size(4);
  derm::v1::SubmitJobResponse submitted;
  {
    grpc::ClientContext ctx;
    ASSERT_TRUE(stub_->SubmitJob(&ctx, req, &submitted).ok());
  }
  // Follow the job to its end over the watch stream (no polling).
  grpc::ClientContext watch_ctx;
  derm::v1::WatchJobRequest watch;
  watch.set_id(submitted.job().id());
  auto reader = stub_->WatchJob(&watch_ctx, watch);
  derm::v1::JobEvent ev;
  derm::v1::JobState last = derm::v1::JOB_STATE_UNSPECIFIED;
  int epochs_seen = 0;
  while (reader->Read(&ev)) {
    if (ev.has_epoch())
      ++epochs_seen;
    else
      last = ev.state();
  }
  ASSERT_TRUE(reader->Finish().ok());
  ASSERT_EQ(last, derm::v1::SUCCEEDED) << testing::ReadFile(dir_.Join("worker.log"));
  EXPECT_EQ(epochs_seen, 3);

  auto d = store::Database::Open(db(), /*read_only=*/true);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  store::Database* r = d->get();
  EXPECT_EQ(Query(r, "SELECT count(*) FROM runs"), 1);
  EXPECT_EQ(Query(r, "SELECT count(*) FROM params WHERE name = 'train.epochs' AND value = '3'"), 1);
  EXPECT_EQ(Query(r, "SELECT count(*) FROM params WHERE name = 'train.learning_rate' AND value = '0.001'"),
            1);
  EXPECT_EQ(
      Query(r, "SELECT count(*) FROM params WHERE name = 'model.standardize_features' AND value = 'true'"),
      1);
  EXPECT_EQ(Query(r, "SELECT count(*) FROM epoch_metrics"), 3);
  const int64_t val = Query(r, "SELECT validation_images FROM runs");
  EXPECT_EQ(val, 3);  // floor(0.2 * 15)
  for (int e = 1; e <= 3; ++e) {
    EXPECT_EQ(Query(r, "SELECT sum(count) FROM confusion_cells WHERE split = 'validation' AND epoch = " +
                           std::to_string(e)),
              val);
  }
  EXPECT_EQ(Query(r, "SELECT count(*) FROM predictions WHERE split = 'validation'"), val);
  EXPECT_EQ(Query(r, "SELECT epochs_done FROM run_summary"), 3);
  auto check = r->Prepare("PRAGMA integrity_check");
  ASSERT_TRUE(check.ok() && check->Step().value());
  EXPECT_EQ(check->Text(0), "ok");
}

TEST_F(ClusterTest, DermctlSubmitWaitAndDescribe) {
  testing::WriteFile(dir_.Join("job.yaml"), Yaml());
  auto submit = Dermctl({"submit", dir_.Join("job.yaml"), "--wait"});
  EXPECT_EQ(submit.exit_code, 0) << submit.err;
  EXPECT_NE(submit.out.find("submitted job 1 (run 1)"), std::string::npos) << submit.out;
  EXPECT_NE(submit.out.find("SUCCEEDED"), std::string::npos) << submit.out;
  auto describe = Dermctl({"describe", "1"});
  EXPECT_EQ(describe.exit_code, 0) << describe.err;
  EXPECT_NE(describe.out.find("validation confusion matrix, epoch 2"), std::string::npos) << describe.out;
  EXPECT_NE(describe.out.find("basal cell carcinoma"), std::string::npos);
  auto unknown = Dermctl({"describe", "999"});
  EXPECT_EQ(unknown.exit_code, 4);
  EXPECT_EQ(unknown.err, "dermctl: run 999 does not exist\n");
}

TEST_F(ClusterTest, DermctlRejectsBadInputWithOneLineAndQueuesNothing) {
  testing::WriteFile(dir_.Join("malformed.yaml"), "data: {train_dir: [\n");
  testing::WriteFile(dir_.Join("unknown.yaml"), Yaml("trian: {epochs: 1}\n"));
  testing::WriteFile(dir_.Join("nodata.yaml"), "data:\n  train_dir: " + dir_.Join("nowhere") + "\n");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {dir_.Join("missing.yaml"), "cannot read " + dir_.Join("missing.yaml") + ": no such file"},
      {dir_.Join("malformed.yaml"), "malformed YAML"},
      {dir_.Join("unknown.yaml"), "line 8: unknown key 'trian' (did you mean 'train'?)"},
      {dir_.Join("nodata.yaml"), "line 2: data.train_dir folder " + dir_.Join("nowhere") + " does not exist"},
  };
  for (const auto& [file, message] : cases) {
    auto r = Dermctl({"submit", file});
    EXPECT_EQ(r.exit_code, 2) << file;
    EXPECT_NE(r.err.find(message), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
  }
  EXPECT_EQ(JobCount(), 0);
}

TEST_F(ClusterTest, DermctlSaysOneLineWhenTheSchedulerIsUnreachable) {
  auto r = Dermctl({"list"}, "127.0.0.1:1");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.err,
            "dermctl: cannot reach the scheduler at 127.0.0.1:1 (is derm-scheduler running? set --server or "
            "DERM_SERVER)\n");
}

}  // namespace
}  // namespace derm
