// Process-level tests: derm-scheduler and derm-worker run as separate processes on port 0;
// jobs go in over gRPC or through the dermctl binary; results are checked in the SQLite file.
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <future>

#include "derm/v1/jobs.grpc.pb.h"
#include "store/sqlite.h"
#include "tests/testing/cluster.h"

namespace derm {
namespace {

using testing::RunCommand;

class ClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(cluster_.StartScheduler()) << cluster_.SchedulerLog();
    cluster_.StartWorker();
  }

  std::string Yaml(const std::string& extra = "") const {
    return "kind: train\nname: tiny\ndata:\n  train_dir: " + cluster_.data("Train") +
           "\n  test_dir: " + cluster_.data("Test") +
           "\n  image_size: [32, 32]\ntrain: {epochs: 2, batch_size: 4}\n" + extra;
  }
  testing::CommandResult Dermctl(std::vector<std::string> args, const std::string& server = "") {
    args.insert(args.begin(), {DERMCTL_BIN, "--server", server.empty() ? cluster_.address() : server,
                               "--token-file", cluster_.admin_token_file()});
    return RunCommand(args);
  }
  int64_t JobCount() {
    grpc::ClientContext ctx;
    cluster_.Auth(&ctx);
    derm::v1::ListJobsResponse resp;
    EXPECT_TRUE(cluster_.jobs()->ListJobs(&ctx, derm::v1::ListJobsRequest(), &resp).ok());
    return resp.jobs_size();
  }

  testing::TempDir dir_;
  testing::Cluster cluster_{dir_};
};

TEST_F(ClusterTest, TrainsATinyJobAndStoresEverything) {
  const derm::v1::Job job = cluster_.Submit(cluster_.TinySpec(3));
  ASSERT_GT(job.id(), 0);
  int epochs_seen = 0;
  const auto last =
      cluster_.Follow(job.id(), [&](const derm::v1::JobEvent& e) { epochs_seen += e.has_epoch(); });
  ASSERT_EQ(last, derm::v1::SUCCEEDED) << cluster_.WorkerLog(0);
  EXPECT_EQ(epochs_seen, 3);

  auto d = store::Database::Open(cluster_.db(), /*read_only=*/true);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  store::Database* r = d->get();
  EXPECT_EQ(testing::QueryInt(r, "SELECT count(*) FROM runs"), 1);
  EXPECT_EQ(testing::QueryInt(r, "SELECT count(*) FROM predictions WHERE split = 'test'"), 3);
  EXPECT_EQ(testing::QueryInt(r, "SELECT count(*) FROM params WHERE name = 'train.epochs' AND value = '3'"),
            1);
  EXPECT_EQ(testing::QueryInt(
                r, "SELECT count(*) FROM params WHERE name = 'train.learning_rate' AND value = '0.001'"),
            1);
  EXPECT_EQ(
      testing::QueryInt(
          r, "SELECT count(*) FROM params WHERE name = 'model.standardize_features' AND value = 'true'"),
      1);
  EXPECT_EQ(testing::QueryInt(r, "SELECT count(*) FROM epoch_metrics"), 3);
  const int64_t val = testing::QueryInt(r, "SELECT validation_images FROM runs");
  EXPECT_EQ(val, 3);  // floor(0.2 * 15)
  for (int e = 1; e <= 3; ++e) {
    EXPECT_EQ(testing::QueryInt(
                  r, "SELECT sum(count) FROM confusion_cells WHERE split = 'validation' AND epoch = " +
                         std::to_string(e)),
              val);
  }
  EXPECT_EQ(testing::QueryInt(r, "SELECT count(*) FROM predictions WHERE split = 'validation'"), val);
  EXPECT_EQ(testing::QueryInt(r, "SELECT epochs_done FROM run_summary"), 3);
  EXPECT_EQ(testing::QueryText(r, "PRAGMA integrity_check"), "ok");

  derm::v1::GetConfusionMatrixRequest cm;
  cm.set_run_id(job.run_id());
  for (const char* split : {"validation", "test"}) {
    cm.set_split(split);
    grpc::ClientContext ctx;
    cluster_.Auth(&ctx);
    derm::v1::SplitMetrics m;
    ASSERT_TRUE(cluster_.jobs()->GetConfusionMatrix(&ctx, cm, &m).ok()) << split;
    int64_t sum = 0;
    for (int64_t c : m.confusion().counts()) sum += c;
    EXPECT_EQ(sum, std::string(split) == "test" ? 3 : val) << split;
    EXPECT_EQ(m.confusion().class_names(2), "dermatofibroma");
  }
  cm.set_split("validation");
  cm.set_epoch(9);
  grpc::ClientContext missing_ctx;
  cluster_.Auth(&missing_ctx);
  derm::v1::SplitMetrics none;
  const grpc::Status missing = cluster_.jobs()->GetConfusionMatrix(&missing_ctx, cm, &none);
  EXPECT_EQ(missing.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(missing.error_message(), "run 1 has no epoch 9");
}

TEST_F(ClusterTest, DermctlSubmitWaitAndDescribe) {
  testing::WriteFile(dir_.Join("job.yaml"), Yaml());
  auto submit = Dermctl({"submit", dir_.Join("job.yaml"), "--wait"});
  EXPECT_EQ(submit.exit_code, 0) << submit.err;
  EXPECT_NE(submit.out.find("submitted job 1 (run 1)"), std::string::npos) << submit.out;
  EXPECT_NE(submit.out.find("SUCCEEDED"), std::string::npos) << submit.out;
  auto describe = Dermctl({"describe", "run", "1"});
  EXPECT_EQ(describe.exit_code, 0) << describe.err;
  EXPECT_NE(describe.out.find("validation confusion matrix, epoch 2"), std::string::npos) << describe.out;
  EXPECT_NE(describe.out.find("basal cell carcinoma"), std::string::npos);
  auto unknown = Dermctl({"describe", "run", "999"});
  EXPECT_EQ(unknown.exit_code, 4);
  EXPECT_EQ(unknown.err, "dermctl: run 999 does not exist\n");
}

TEST_F(ClusterTest, DermctlRejectsBadInputWithOneLineAndQueuesNothing) {
  testing::WriteFile(dir_.Join("malformed.yaml"), "data: {train_dir: [\n");
  testing::WriteFile(dir_.Join("unknown.yaml"), Yaml("trian: {epochs: 1}\n"));
  testing::WriteFile(dir_.Join("nodata.yaml"), "data:\n  train_dir: " + dir_.Join("nowhere") + "\n");
  testing::WriteFile(dir_.Join("twice.yaml"), Yaml("train: {epochs: 5000}\n"));  // Yaml() has train: too
  testing::WriteFile(dir_.Join("latin1.yaml"), "name: d\xe9mo\n");
  std::filesystem::create_directories(dir_.Join("folder.yaml"));
  testing::WriteFile(dir_.Join("sweep.yaml"),  // a relative sweep value resolves against the spec's folder
                     Yaml("sweep: {method: grid, parameters: {data.train_dir: [" + cluster_.data("Train") +
                          ", nowhere]}}\n"));
  const std::vector<std::pair<std::string, std::string>> cases = {
      {dir_.Join("missing.yaml"), "cannot read " + dir_.Join("missing.yaml") + ": no such file"},
      {dir_.Join("malformed.yaml"), "malformed YAML"},
      {dir_.Join("unknown.yaml"), "line 8: unknown key 'trian' (did you mean 'train'?)"},
      {dir_.Join("nodata.yaml"), "line 2: data.train_dir folder " + dir_.Join("nowhere") + " does not exist"},
      {dir_.Join("twice.yaml"), "line 8: duplicate key 'train' (first on line 7)"},
      {dir_.Join("latin1.yaml"), "line 1: the spec is not UTF-8 text (byte 8)"},
      {dir_.Join("folder.yaml"), dir_.Join("folder.yaml") + " is a folder, not a spec file"},
      {dir_.Join("sweep.yaml"), ": data.train_dir folder " + dir_.Join("nowhere") + " does not exist"},
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
  auto r = Dermctl({"list", "jobs"}, "127.0.0.1:1");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.err,
            "dermctl: cannot reach the scheduler at 127.0.0.1:1 (is derm-scheduler running? set --server or "
            "DERM_SERVER; a TLS scheduler needs --tls-ca)\n");
}

TEST_F(ClusterTest, DermctlListsFiltersQueriesAndManages) {
  testing::WriteFile(dir_.Join("a.yaml"), Yaml("tags: {team: derm}\n"));
  testing::WriteFile(dir_.Join("b.yaml"), Yaml("tags: {team: other}\n"));
  ASSERT_EQ(Dermctl({"submit", dir_.Join("a.yaml"), "--wait"}).exit_code, 0);
  ASSERT_EQ(Dermctl({"submit", dir_.Join("b.yaml"), "--wait"}).exit_code, 0);

  auto runs = Dermctl({"list", "runs", "--filter", "tags.team = derm AND state = succeeded", "-o", "csv"});
  ASSERT_EQ(runs.exit_code, 0) << runs.err;
  EXPECT_EQ(std::count(runs.out.begin(), runs.out.end(), '\n'), 2) << runs.out;
  EXPECT_EQ(runs.out.rfind("RUN,JOB,STATE,NAME,LR", 0), 0u) << runs.out;
  EXPECT_NE(runs.out.find("\n1,1,SUCCEEDED,tiny,0.001,4,0.2,2,"), std::string::npos) << runs.out;
  auto bad = Dermctl({"list", "runs", "--filter", "accuracy > 1"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("unknown field 'accuracy'"), std::string::npos) << bad.err;

  auto json = Dermctl({"get", "run", "2", "-o", "json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_NE(json.out.find("\"run_id\": \"2\""), std::string::npos) << json.out;

  auto q = Dermctl({"query", "SELECT count(*) AS n FROM epoch_metrics"});
  ASSERT_EQ(q.exit_code, 0) << q.err;
  EXPECT_EQ(q.out, "n\n4\n");
  auto write = Dermctl({"query", "DELETE FROM runs"});
  EXPECT_EQ(write.exit_code, 4);
  EXPECT_EQ(write.err, "dermctl: the query call is read-only: only SELECT is allowed\n");

  auto jobs = Dermctl({"list", "jobs", "--state", "succeeded"});
  ASSERT_EQ(jobs.exit_code, 0) << jobs.err;
  EXPECT_EQ(std::count(jobs.out.begin(), jobs.out.end(), '\n'), 3) << jobs.out;
  auto events = Dermctl({"events", "1"});
  EXPECT_NE(events.out.find("SUCCEEDED"), std::string::npos) << events.out;
  auto describe = Dermctl({"describe", "job", "1"});
  EXPECT_NE(describe.out.find("train.learning_rate: 0.001"), std::string::npos) << describe.out;
  EXPECT_NE(describe.out.find("attempts:"), std::string::npos);

  EXPECT_EQ(Dermctl({"cancel", "1"}).exit_code, 4) << "a finished job cannot be cancelled";
  auto workers = Dermctl({"list", "workers"});
  EXPECT_NE(workers.out.find("ACTIVE"), std::string::npos) << workers.out;
  auto drain = Dermctl({"workers", "drain", "1"});
  EXPECT_EQ(drain.exit_code, 0) << drain.err;
  EXPECT_EQ(drain.out, "worker 1 DRAINING: leaving\n");
  // The drained worker leaves by itself.
  EXPECT_EQ(cluster_.worker(0).Wait(), 0) << cluster_.WorkerLog(0);
  EXPECT_NE(cluster_.WorkerLog(0).find("drained by the scheduler"), std::string::npos);
}

TEST_F(ClusterTest, GatesAreJudgedOnTheTestSplitRecordedAndShown) {
  // Accuracy is never below 0 and ECE never below 0: one gate passes and one fails whatever the
  // tiny run learns; the third names a class the data does not have.
  testing::WriteFile(
      dir_.Join("gated.yaml"),
      Yaml("gates:\n"
           "  - {metric: accuracy, min: 0}\n"
           "  - {metric: ece, max: -1}\n"
           "  - {class: melanoma, metric: sensitivity, at_specificity: 0.85, min: 0}\n"
           "  - {class: actinic keratosis, metric: sensitivity, at_specificity: 0.85, min: 0}\n"));
  ASSERT_EQ(Dermctl({"submit", dir_.Join("gated.yaml"), "--wait"}).exit_code, 0);
  auto r = Dermctl({"describe", "run", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("gates (test split): 2 of 4 passed\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  PASSED  accuracy >= 0: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  FAILED  ece <= -1: 0."), std::string::npos) << r.out;
  EXPECT_NE(
      r.out.find("  FAILED  melanoma sensitivity at specificity 0.85 >= 0: the run has no class 'melanoma'"),
      std::string::npos)
      << r.out;
  // The worker computed the gate's own operating point (0.85 is not among the defaults).
  EXPECT_NE(r.out.find("  PASSED  actinic keratosis sensitivity at specificity 0.85 >= 0: "),
            std::string::npos)
      << r.out;
  auto db = store::Database::Open(cluster_.db(), /*read_only=*/true);
  ASSERT_TRUE(db.ok());
  EXPECT_EQ(testing::QueryInt(db->get(), "SELECT count(*) FROM gate_results WHERE run_id = 1 AND passed"), 2);
  // A spec whose gate has no test split is refused before it is queued.
  testing::WriteFile(dir_.Join("bad.yaml"), "kind: train\ndata: {train_dir: " + cluster_.data("Train") +
                                                "}\ngates: [{metric: accuracy, min: 0.5}]\n");
  r = Dermctl({"submit", dir_.Join("bad.yaml")});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("line 3: gates are checked on the test split: they need data.test_dir"),
            std::string::npos)
      << r.err;
}

TEST_F(ClusterTest, DermctlComparesRuns) {
  testing::WriteFile(dir_.Join("a.yaml"), Yaml());
  testing::WriteFile(dir_.Join("b.yaml"), Yaml("model: {dropout: 0.5}\n"));
  ASSERT_EQ(Dermctl({"submit", dir_.Join("a.yaml"), "--wait"}).exit_code, 0);
  ASSERT_EQ(Dermctl({"submit", dir_.Join("b.yaml"), "--wait"}).exit_code, 0);
  auto r = Dermctl({"compare", "1", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("PARAM          run 1  run 2\nmodel.dropout  0.2    0.5\n"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("run 1 vs run 2: 3 images"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("exact binomial p = "), std::string::npos);
  EXPECT_NE(r.out.find("    accuracy of run 2 minus run 1: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\ntest macro ROC AUC "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\ntest ECE "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("(paired bootstrap, 95 %, 1000 resamples)\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("confusion matrix difference"), std::string::npos);
  EXPECT_EQ(r.out.find("warning:"), std::string::npos) << "same data, same split";
  EXPECT_EQ(r.out.find("stopped early"), std::string::npos) << "a row no run has a figure for is left out";
  auto one = Dermctl({"compare", "1"});
  EXPECT_EQ(one.exit_code, 2) << one.err;
  auto unknown = Dermctl({"compare", "1", "77"});
  EXPECT_EQ(unknown.exit_code, 4);
  EXPECT_EQ(unknown.err, "dermctl: run 77 does not exist\n");
}

TEST_F(ClusterTest, DermctlPlotsExportsAndRetries) {
  testing::WriteFile(dir_.Join("a.yaml"), Yaml());
  ASSERT_EQ(Dermctl({"submit", dir_.Join("a.yaml"), "--wait"}).exit_code, 0);
  auto plot = Dermctl({"plot", "1", "-o", dir_.Join("curves.svg")});
  ASSERT_EQ(plot.exit_code, 0) << plot.err;
  const std::string svg = testing::ReadFile(dir_.Join("curves.svg"));
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_NE(svg.find(">run 1: tiny</text>"), std::string::npos);
  ASSERT_EQ(Dermctl({"plot", "1", "--confusion", "-o", dir_.Join("cm.svg")}).exit_code, 0);
  EXPECT_NE(testing::ReadFile(dir_.Join("cm.svg")).find(">dermatofibroma</text>"), std::string::npos);
  ASSERT_EQ(Dermctl({"plot", "1", "--confusion", "-o", dir_.Join("cm.png")}).exit_code, 0);
  const std::string png = testing::ReadFile(dir_.Join("cm.png"));
  ASSERT_GT(png.size(), 1000u);
  EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  auto be32 = [&](size_t at) {
    return (static_cast<unsigned char>(png[at]) << 24) | (static_cast<unsigned char>(png[at + 1]) << 16) |
           (static_cast<unsigned char>(png[at + 2]) << 8) | static_cast<unsigned char>(png[at + 3]);
  };
  EXPECT_GT(be32(16), 300u) << "width";
  EXPECT_GT(be32(20), 200u) << "height";
  auto bad = Dermctl({"plot", "1", "-o", dir_.Join("x.gif")});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("plot writes FILE.png or FILE.svg"), std::string::npos);

  auto yaml = Dermctl({"get", "job", "1", "-o", "yaml"});
  EXPECT_NE(yaml.out.find("state: SUCCEEDED"), std::string::npos) << yaml.out;
  // Settings from a config file, below flags and the environment.
  testing::WriteFile(dir_.Join("config.yaml"),
                     "server: " + cluster_.address() +
                         "\ntimeout_ms: 5000\ntoken_file: " + cluster_.admin_token_file() + "\n");
  unsetenv("DERM_SERVER");
  setenv("DERM_CONFIG", dir_.Join("config.yaml").c_str(), 1);
  auto configured = RunCommand({DERMCTL_BIN, "list", "jobs"});
  EXPECT_EQ(configured.exit_code, 0) << configured.err;
  testing::WriteFile(dir_.Join("config.yaml"), "sever: x\n");
  auto misspelt = RunCommand({DERMCTL_BIN, "list", "jobs"});
  unsetenv("DERM_CONFIG");
  EXPECT_EQ(misspelt.exit_code, 2);
  EXPECT_NE(misspelt.err.find("unknown key 'sever'"), std::string::npos) << misspelt.err;

  auto csv = Dermctl({"export", "metrics", "--run", "1"});
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_EQ(csv.out.rfind("run_id,epoch,attempt_id,loss,accuracy,val_loss", 0), 0u) << csv.out;
  EXPECT_EQ(std::count(csv.out.begin(), csv.out.end(), '\n'), 3);
  ASSERT_EQ(Dermctl({"export", "predictions", "--out", dir_.Join("p.csv")}).exit_code, 0);
  const std::string predictions = testing::ReadFile(dir_.Join("p.csv"));
  EXPECT_EQ(std::count(predictions.begin(), predictions.end(), '\n'), 1 + 3 + 3)
      << "header, validation and test";

  auto retry = Dermctl({"retry", "1"});
  EXPECT_EQ(retry.out, "submitted job 2 (run 2), a retry of job 1\n") << retry.err;
}

TEST_F(ClusterTest, DermctlSubmitsASweepAsOneRunPerPoint) {
  testing::WriteFile(dir_.Join("sweep.yaml"),
                     Yaml("sweep: {method: grid, parameters: {model.dropout: [0.2, 0.5]}}\n"));
  auto r = Dermctl({"submit", dir_.Join("sweep.yaml"), "--wait"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("submitted sweep 1: 2 jobs\n  job 1 (run 1) tiny[dropout=0.2]\n  job 2 (run 2) "
                       "tiny[dropout=0.5]\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("sweep 1, best first:\nRUN"), std::string::npos) << r.out;
  auto runs =
      Dermctl({"list", "runs", "--filter", "sweep_id = 1 AND params.model.dropout = 0.5", "-o", "csv"});
  EXPECT_EQ(std::count(runs.out.begin(), runs.out.end(), '\n'), 2) << runs.out;
}

TEST(OperationsTest, RefusesOversizedMessagesAndUnknownJobsWithCanonicalCodes) {
  testing::TempDir dir;
  testing::Cluster cluster(dir);
  ASSERT_TRUE(cluster.StartScheduler()) << cluster.SchedulerLog();
  derm::v1::SubmitJobRequest big;
  big.mutable_spec()->set_name(std::string(65 << 20, 'x'));
  {
    grpc::ClientContext ctx;
    cluster.Auth(&ctx);
    derm::v1::SubmitJobResponse resp;
    EXPECT_EQ(cluster.jobs()->SubmitJob(&ctx, big, &resp).error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  }
  {
    grpc::ClientContext ctx;
    cluster.Auth(&ctx);
    derm::v1::Job job;
    derm::v1::GetJobRequest req;
    req.set_id(42);
    const grpc::Status st = cluster.jobs()->GetJob(&ctx, req, &job);
    EXPECT_EQ(st.error_code(), grpc::StatusCode::NOT_FOUND);
    EXPECT_EQ(st.error_message(), "job 42 does not exist");
  }
  {
    grpc::ClientContext ctx;
    cluster.Auth(&ctx);
    derm::v1::SubmitJobResponse resp;
    derm::v1::SubmitJobRequest bad;
    bad.mutable_spec()->set_name(std::string(300, 'x'));
    const grpc::Status st = cluster.jobs()->SubmitJob(&ctx, bad, &resp);
    EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_NE(st.error_message().find("name: is longer than 200 characters"), std::string::npos)
        << st.error_message();
  }
  EXPECT_EQ(cluster.Submit(cluster.TinySpec(1)).id(), 1) << "the scheduler is still serving";
}

TEST(OperationsTest, ServesPrometheusMetricsAndHealth) {
  testing::TempDir dir;
  testing::Cluster cluster(dir);
  ASSERT_TRUE(cluster.StartScheduler({"--http-listen", "127.0.0.1:0"})) << cluster.SchedulerLog();
  cluster.StartWorker();
  const derm::v1::Job job = cluster.Submit(cluster.TinySpec(1));
  ASSERT_EQ(cluster.Follow(job.id()), derm::v1::SUCCEEDED);

  const std::string metrics = testing::HttpGet(cluster.http_address(), "/metrics");
  EXPECT_EQ(metrics.rfind("HTTP/1.1 200", 0), 0u) << metrics;
  for (const char* line : {"derm_jobs{state=\"SUCCEEDED\"} 1\n", "derm_jobs{state=\"QUEUED\"} 0\n",
                           "derm_workers{state=\"ACTIVE\"} 1\n", "derm_queue_wait_seconds_count 1\n",
                           "derm_rpc_duration_seconds_count{method=\"SubmitJob\"} 1\n",
                           // The worker had ReportEpoch's answer before it completed; CompleteTask's own
                           // latency may land just after the watcher saw SUCCEEDED.
                           "derm_rpc_duration_seconds_count{method=\"ReportEpoch\"} 1\n",
                           "derm_lease_expiries_total 0\n", "# TYPE derm_rpc_duration_seconds histogram\n"}) {
    EXPECT_NE(metrics.find(line), std::string::npos) << line << " missing from\n" << metrics;
  }
  EXPECT_NE(metrics.find("derm_rows_written_total "), std::string::npos);
  const std::string health = testing::HttpGet(cluster.http_address(), "/healthz");
  EXPECT_EQ(health.rfind("HTTP/1.1 200", 0), 0u) << health;
  EXPECT_EQ(health.substr(health.size() - 3), "ok\n");
  EXPECT_EQ(testing::HttpGet(cluster.http_address(), "/nope").rfind("HTTP/1.1 404", 0), 0u);

  // The standard gRPC health service answers SERVING (HealthCheckResponse{status: 1} = 08 01), as
  // off-the-shelf probes expect; called generically, without the health protos.
  grpc::GenericStub generic(grpc::CreateChannel(cluster.address(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  cluster.Auth(&ctx);
  grpc::Slice empty_request("");  // HealthCheckRequest{service: ""} serialises to no bytes
  grpc::ByteBuffer request(&empty_request, 1), response;
  std::promise<grpc::Status> done;
  generic.UnaryCall(&ctx, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &request, &response,
                    [&](grpc::Status st) { done.set_value(st); });
  ASSERT_TRUE(done.get_future().get().ok());
  std::vector<grpc::Slice> slices;
  ASSERT_TRUE(response.Dump(&slices).ok());
  std::string bytes;
  for (const auto& slice : slices) bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  EXPECT_EQ(bytes, std::string("\x08\x01", 2));
}

}  // namespace
}  // namespace derm
