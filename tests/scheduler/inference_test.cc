// Inference jobs in the Scheduler: shards over several workers, lost shards, the error budget,
// cancellation, restarts and the CSV.
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <thread>

#include "common/spec/input_listing.h"
#include "store/sqlite.h"
#include "tests/scheduler/scheduler_fixture.h"

namespace derm::scheduler {
namespace {

class InferenceTest : public SchedulerTest {
 protected:
  // CSV files go to dir/exports.
  SchedulerOptions Options() override {
    SchedulerOptions options = SchedulerTest::Options();
    std::filesystem::create_directories(dir_.Join("exports"));
    options.export_dir = ExportDir::Open(dir_.Join("exports"), dir_.Join("r.db")).value();
    return options;
  }
  // `images` small files under dir/in (the scheduler reads none of them), listed as dermctl
  // would list input.folder, and the name of a model file.
  derm::v1::JobSpec InferSpec(int images, int shard_size, int max_errors = 10) {
    std::filesystem::create_directories(dir_.Join("in/sub"));
    for (int i = 0; i < images; ++i) {
      std::ofstream(dir_.Join((i % 2 ? "in/sub/img" : "in/img") + std::to_string(i) + ".jpg")) << i;
    }
    std::ofstream(dir_.Join("in/notes.txt")) << "not an image";
    std::ofstream(dir_.Join("model.dermmodel")) << "model";
    derm::v1::JobSpec spec;
    spec.set_kind("infer");
    spec.mutable_model()->set_file(dir_.Join("model.dermmodel"));
    derm::v1::InputSpec folder;
    folder.set_folder(dir_.Join("in"));
    const std::vector<std::string> listed = ListInput(folder).value();
    for (const auto& p : listed) spec.mutable_input()->add_paths(p);
    spec.mutable_infer()->set_shard_size(shard_size);
    spec.mutable_infer()->set_max_errors(max_errors);
    spec.mutable_infer()->set_output_csv("out.csv");
    spec.set_max_retries(2);
    return spec;
  }
  // What a worker would report for `task`: class 0 for every image, the first `errors` as errors.
  static derm::v1::ShardResult Result(const derm::v1::Task& task, int errors = 0,
                                      const std::string& model = "m") {
    derm::v1::ShardResult r;
    r.add_class_names("benign");
    r.add_class_names("malignant, maybe");
    r.set_model_sha256(model);
    for (int i = 0; i < task.inputs_size(); ++i) {
      if (i < errors) {
        auto* e = r.add_errors();
        e->set_path(task.inputs(i));
        e->set_reason("not a decodable image");
        continue;
      }
      auto* p = r.add_predictions();
      p->set_path(task.inputs(i));
      p->set_sha256("h" + std::to_string(i));
      p->add_top_classes(i % 2);
      p->add_top_probabilities(0.75f);
      p->add_top_classes(1 - i % 2);
      p->add_top_probabilities(0.25f);
    }
    return r;
  }
  Status Complete(const derm::v1::Task& task, const derm::v1::ShardResult& result) {
    derm::v1::CompleteTaskRequest req;
    req.set_attempt_id(task.attempt_id());
    *req.mutable_shard() = result;
    return scheduler_->CompleteTask(Signed(req));
  }
  int64_t Count(const std::string& sql) {
    auto db = store::Database::Open(dir_.Join("r.db"));
    auto s = (*db)->Prepare(sql);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    EXPECT_TRUE(*s->Step());
    return s->Int(0);
  }
};

TEST_F(InferenceTest, ConcurrentSubmitsWithOneKeyMakeOneJob) {
  const derm::v1::JobSpec spec = InferSpec(40, 1);  // 40 shards to plan: a wide window between checks
  std::vector<std::thread> threads;
  std::vector<StatusOr<derm::v1::SubmitJobResponse>> results(8, Status(StatusCode::kInternal, "not run"));
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] { results[t] = scheduler_->Submit(spec, "same-infer-key", "tester"); });
  }
  for (auto& t : threads) t.join();
  int deduplicated = 0;
  for (const auto& r : results) {
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->job().id(), results[0]->job().id());
    deduplicated += r->deduplicated();
  }
  EXPECT_EQ(deduplicated, 7);
  EXPECT_EQ(scheduler_->reads().ListJobs({})->size(), 1u);
}

TEST_F(InferenceTest, ShardsGoToEveryWorkerAndTheJobSucceedsWhenAllAreDone) {
  const int64_t job = Submit(InferSpec(10, 3));
  const int64_t a = Worker(), b = Worker();
  derm::v1::Task ta = Acquire(a), tb = Acquire(b);
  ASSERT_EQ(ta.job_id(), job);
  ASSERT_EQ(tb.job_id(), job);  // two workers on one job at once
  EXPECT_NE(ta.shard(), tb.shard());
  EXPECT_EQ(ta.inputs_size(), 3);
  EXPECT_EQ(State(job), derm::v1::RUNNING);
  std::set<std::string> seen;
  for (derm::v1::Task t : {ta, tb}) {
    for (const auto& p : t.inputs()) seen.insert(p);
    ASSERT_TRUE(Complete(t, Result(t)).ok());
  }
  for (derm::v1::Task t = Acquire(a); t.job_id() != 0; t = Acquire(a)) {
    for (const auto& p : t.inputs()) seen.insert(p);
    ASSERT_TRUE(Complete(t, Result(t)).ok());
  }
  EXPECT_EQ(seen.size(), 10u);  // every image once; notes.txt is not an image
  EXPECT_EQ(State(job), derm::v1::SUCCEEDED);
  EXPECT_EQ(Count("SELECT count(DISTINCT path) FROM predictions WHERE job_id = " + std::to_string(job)), 10);
  EXPECT_EQ(Count("SELECT count(*) FROM predictions WHERE run_id IS NULL AND top_k LIKE '[[\"%'"), 10);

  std::ifstream csv(dir_.Join("exports/out.csv"));
  std::string header, line;
  std::getline(csv, header);
  EXPECT_EQ(header, "path,sha256,predicted,probability,class_1,p_1,class_2,p_2,error");
  int lines = 0;
  while (std::getline(csv, line)) {
    ++lines;
    EXPECT_TRUE(line.find(",benign,0.75,benign,0.75,\"malignant, maybe\",0.25,") != std::string::npos ||
                line.find(",\"malignant, maybe\",0.75,\"malignant, maybe\",0.75,benign,0.25,") !=
                    std::string::npos)
        << line;
  }
  EXPECT_EQ(lines, 10);
}

TEST_F(InferenceTest, ALostShardIsLeasedAgainAndFinishedShardsAreNeverRedone) {
  const int64_t job = Submit(InferSpec(9, 3));
  const int64_t a = Worker(), b = Worker();
  const derm::v1::Task first = Acquire(a);
  ASSERT_TRUE(Complete(first, Result(first)).ok());
  const derm::v1::Task lost = Acquire(a);
  clock_.Advance(1500);
  ASSERT_TRUE(Beat(b, 0).ok());
  EXPECT_EQ(scheduler_->ExpireLeases(), 1);  // worker a died holding a shard
  std::map<int32_t, int> leased;
  for (derm::v1::Task t = Acquire(b); t.job_id() != 0; t = Acquire(b)) {
    ++leased[t.shard()];
    ASSERT_TRUE(Complete(t, Result(t)).ok());
  }
  EXPECT_EQ(leased.count(first.shard()), 0u);
  EXPECT_EQ(leased[lost.shard()], 1);
  EXPECT_EQ(leased.size(), 2u);
  EXPECT_EQ(Complete(lost, Result(lost)).code(), StatusCode::kFailedPrecondition);  // fenced
  EXPECT_EQ(State(job), derm::v1::SUCCEEDED);
  EXPECT_EQ(Count("SELECT count(*) FROM predictions WHERE job_id = " + std::to_string(job)), 9);
  EXPECT_EQ(Count("SELECT count(*) FROM attempts WHERE state = 'WORKER_LOST' AND shard = " +
                  std::to_string(lost.shard())),
            1);
}

// A shard given back by a worker told to leave is queued again, and such attempts never count
// against max_retries (2 here), not even for the shard's later real failures.
TEST_F(InferenceTest, PreemptedShardAttemptsUseNoRetry) {
  const int64_t job = Submit(InferSpec(3, 3));
  const int64_t w = Worker();
  auto fail = [&](bool preempted) {
    const derm::v1::Task t = Acquire(w);
    ASSERT_EQ(t.job_id(), job);
    derm::v1::FailTaskRequest req;
    req.set_attempt_id(t.attempt_id());
    req.set_retryable(true);
    req.set_preempted(preempted);
    ASSERT_TRUE(scheduler_->FailTask(Signed(req)).ok());
  };
  for (int i = 0; i < 4; ++i) fail(/*preempted=*/true);
  EXPECT_EQ(State(job), derm::v1::RUNNING);
  fail(false);
  fail(false);
  EXPECT_EQ(State(job), derm::v1::RUNNING) << "two real failures: within max_retries 2";
  fail(false);
  EXPECT_EQ(State(job), derm::v1::FAILED);
}

TEST_F(InferenceTest, AShardOutOfMemoryIsLeasedAgainWithHalfTheBackboneBatch) {
  const int64_t job = Submit(InferSpec(3, 3));
  const int64_t w = Worker();
  const derm::v1::Task first = Acquire(w);
  ASSERT_EQ(first.job_id(), job);
  EXPECT_EQ(first.backbone_batch(), 0);
  derm::v1::FailTaskRequest req;
  req.set_attempt_id(first.attempt_id());
  req.set_reason("inference failed: CUDA out of memory");
  req.set_retryable(true);
  req.set_out_of_memory_backbone_batch(256);
  ASSERT_TRUE(scheduler_->FailTask(Signed(req)).ok());
  const derm::v1::Task second = Acquire(w);
  ASSERT_EQ(second.job_id(), job);
  EXPECT_EQ(second.shard(), first.shard());
  EXPECT_EQ(second.backbone_batch(), 128);
}

TEST_F(InferenceTest, ErrorsBeyondTheBudgetFailTheJobAndSaySo) {
  const int64_t job = Submit(InferSpec(6, 3, /*max_errors=*/1));
  const int64_t a = Worker(), b = Worker();
  const derm::v1::Task t1 = Acquire(a), t2 = Acquire(b);
  ASSERT_TRUE(Complete(t1, Result(t1, /*errors=*/1)).ok());
  EXPECT_EQ(State(job), derm::v1::RUNNING);  // 1 error is within the budget
  ASSERT_TRUE(Complete(t2, Result(t2, /*errors=*/1)).ok());
  const auto failed = scheduler_->reads().GetJob(job).value();
  EXPECT_EQ(failed.state(), derm::v1::FAILED);
  EXPECT_NE(failed.message().find("2 images could not be read, more than infer.max_errors (1)"),
            std::string::npos)
      << failed.message();
  EXPECT_NE(failed.message().find("not a decodable image"), std::string::npos);
  EXPECT_EQ(Count("SELECT count(*) FROM skipped_files WHERE job_id = " + std::to_string(job)), 2);
}

TEST_F(InferenceTest, CancellingStopsEveryShardsWorker) {
  const int64_t job = Submit(InferSpec(6, 2));
  const int64_t a = Worker(), b = Worker();
  const derm::v1::Task ta = Acquire(a), tb = Acquire(b);
  ASSERT_TRUE(scheduler_->Cancel(job, "wrong model").ok());
  EXPECT_TRUE(Beat(a, ta.attempt_id())->cancel());
  EXPECT_TRUE(Beat(b, tb.attempt_id())->cancel());
  EXPECT_EQ(State(job), derm::v1::CANCELLED);
  EXPECT_EQ(Acquire(a).job_id(), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM attempts WHERE state = 'RUNNING'"), 0);
}

TEST_F(InferenceTest, ARestartLeasesRunningShardsAgainButNotFinishedOnes) {
  const int64_t job = Submit(InferSpec(4, 2));
  const int64_t a = Worker();
  const derm::v1::Task done = Acquire(a);
  ASSERT_TRUE(Complete(done, Result(done)).ok());
  const derm::v1::Task running = Acquire(a);
  Open();  // the scheduler restarts
  const int64_t b = Worker();
  const derm::v1::Task again = Acquire(b);
  EXPECT_EQ(again.shard(), running.shard());
  EXPECT_EQ(Acquire(b).job_id(), 0);
  ASSERT_TRUE(Complete(again, Result(again)).ok());
  EXPECT_EQ(State(job), derm::v1::SUCCEEDED);
}

TEST_F(InferenceTest, AModelThatChangesDuringTheJobFailsIt) {
  const int64_t job = Submit(InferSpec(4, 2));
  const int64_t a = Worker(), b = Worker();
  const derm::v1::Task t1 = Acquire(a), t2 = Acquire(b);
  ASSERT_TRUE(Complete(t1, Result(t1, 0, "m1")).ok());
  EXPECT_EQ(Complete(t2, Result(t2, 0, "m2")).code(), StatusCode::kFailedPrecondition);
  const auto failed = scheduler_->reads().GetJob(job).value();
  EXPECT_EQ(failed.state(), derm::v1::FAILED);
  EXPECT_NE(failed.message().find("the model changed during the job"), std::string::npos) << failed.message();
  EXPECT_EQ(Count("SELECT count(*) FROM predictions WHERE job_id = " + std::to_string(job)), 2);
}

TEST_F(InferenceTest, RejectsAMissingModelOrTrainingFieldsNamingThem) {
  derm::v1::JobSpec spec = InferSpec(2, 2);
  spec.mutable_model()->clear_file();
  spec.mutable_model()->set_run_id(42);
  auto r = scheduler_->Submit(spec, "", "tester");
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("model.run_id: run 42 has no model"), std::string::npos);
  spec = InferSpec(2, 2);
  spec.mutable_train()->set_epochs(3);
  r = scheduler_->Submit(spec, "", "tester");
  EXPECT_NE(r.status().message().find("data, train, augment, balance and sweep are for training"),
            std::string::npos);
  EXPECT_EQ(Count("SELECT count(*) FROM jobs"), 0);
}

// The scheduler reads no file a spec names: folders, globs and list files are listed by dermctl.
TEST_F(InferenceTest, InputFoldersGlobsAndListFilesAreNotReadByTheScheduler) {
  std::ofstream(dir_.Join("list.txt")) << "/etc/passwd\n";
  for (auto set : std::vector<std::function<void(derm::v1::InputSpec*)>>{
           [&](derm::v1::InputSpec* in) { in->set_list_file(dir_.Join("list.txt")); },
           [&](derm::v1::InputSpec* in) { in->set_folder("/etc"); },
           [&](derm::v1::InputSpec* in) { in->set_glob("/etc/*"); }}) {
    derm::v1::JobSpec spec = InferSpec(2, 2);
    spec.mutable_input()->Clear();
    set(spec.mutable_input());
    auto r = scheduler_->Submit(spec, "", "tester");
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find(
                  "the scheduler reads no file a spec names, so send the images as input.paths"),
              std::string::npos)
        << r.status().message();
  }
  derm::v1::JobSpec relative = InferSpec(2, 2);
  relative.mutable_input()->add_paths("../../etc/passwd");
  EXPECT_NE(scheduler_->Submit(relative, "", "tester")
                .status()
                .message()
                .find("is not an absolute, normal UTF-8 path"),
            std::string::npos);
  EXPECT_EQ(Count("SELECT count(*) FROM jobs"), 0);
}

// infer.output_csv is a new file inside --export-dir: never elsewhere, never over a file, never
// the database.
TEST_F(InferenceTest, OutputCsvStaysInTheExportFolderAndNeverReplacesAFile) {
  std::filesystem::create_directories(dir_.Join("exports/team"));
  std::ofstream(dir_.Join("exports/taken.csv")) << "someone's file";
  std::filesystem::create_symlink(dir_.path(), dir_.Join("exports/up"));
  const std::vector<std::pair<std::string, std::string>> refused = {
      {dir_.Join("r.db"), "is an absolute path"},
      {"../r.db", "may not contain '.' or '..'"},
      {"up/r.db", "leads out of the export folder"},
      {"taken.csv", "already exists; the scheduler never writes over a file"},
      {"missing/p.csv", "its folder does not exist in the export folder"},
      {"team", "already exists"},
  };
  for (const auto& [name, why] : refused) {
    derm::v1::JobSpec spec = InferSpec(2, 2);
    spec.mutable_infer()->set_output_csv(name);
    auto r = scheduler_->Submit(spec, "", "tester");
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << name;
    EXPECT_NE(r.status().message().find(why), std::string::npos) << name << ": " << r.status().message();
  }
  EXPECT_EQ(Count("SELECT count(*) FROM jobs"), 0);

  // A file that appears under the name while the job runs is not replaced: the job fails, the
  // predictions stay in the database, the file keeps its content.
  derm::v1::JobSpec spec = InferSpec(2, 2);
  spec.mutable_infer()->set_output_csv("team/p.csv");
  const int64_t job = Submit(spec);
  const int64_t w = Worker();
  const derm::v1::Task t = Acquire(w);
  std::ofstream(dir_.Join("exports/team/p.csv")) << "keep me";
  ASSERT_TRUE(Complete(t, Result(t)).ok());
  const auto failed = scheduler_->reads().GetJob(job).value();
  EXPECT_EQ(failed.state(), derm::v1::FAILED);
  EXPECT_NE(
      failed.message().find("the predictions are stored, but infer.output_csv team/p.csv already exists"),
      std::string::npos)
      << failed.message();
  EXPECT_EQ(testing::ReadFile(dir_.Join("exports/team/p.csv")), "keep me");
  EXPECT_EQ(Count("SELECT count(*) FROM predictions WHERE job_id = " + std::to_string(job)), 2);
}

TEST_F(InferenceTest, WithoutAnExportFolderOutputCsvIsRefusedAndExportIsSuggested) {
  SchedulerOptions none = SchedulerTest::Options();
  auto store = store::Store::Open(dir_.Join("other.db")).value();
  Scheduler plain(std::move(store), &clock_, none);
  ASSERT_TRUE(plain.Recover().ok());
  auto r = plain.Submit(InferSpec(2, 2), "", "tester");
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("start derm-scheduler with --export-dir"), std::string::npos);
  EXPECT_NE(r.status().message().find("dermctl export predictions --job"), std::string::npos);
}

}  // namespace
}  // namespace derm::scheduler
