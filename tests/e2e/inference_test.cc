// Bulk inference with real processes: a sharded job over two workers, one SIGKILLed while it holds
// a shard. Every image gets exactly one prediction, the planted corrupt files are listed with
// reasons, and the predictions equal the trained model's computed in this process. Waiting is done
// on the WatchJob stream, never by sleeping.
#include <c10/core/InferenceMode.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <numeric>

#include "common/spec/input_listing.h"
#include "tests/testing/cluster.h"
#include "tests/testing/fp32_tolerance.h"
#include "worker/core/feature_extractor.h"
#include "worker/core/model_file.h"
#include "worker/core/trainer.h"
#include "worker/data/dataset.h"

namespace derm {
namespace {

TEST(InferenceTest, ShardedJobSurvivesAKilledWorkerAndMatchesTheModelInProcess) {
  testing::TempDir dir;
  testing::Cluster cluster(dir, /*train_per_class=*/40);
  ASSERT_TRUE(cluster.StartScheduler({"--lease-timeout-ms", "1500"})) << cluster.SchedulerLog();
  cluster.StartWorker();  // worker 1
  derm::v1::JobSpec train = cluster.TinySpec(/*epochs=*/1);
  train.mutable_data()->set_image_size(0, 96);
  train.mutable_data()->set_image_size(1, 96);
  const derm::v1::Job trained = cluster.Submit(train);
  ASSERT_EQ(cluster.Follow(trained.id()), derm::v1::SUCCEEDED) << cluster.WorkerLog(0);

  testing::WriteFile(cluster.data("Train/broken.jpg"), "this is not a JPEG");
  testing::WriteFile(cluster.data("Test/empty.png"), "");
  cluster.StartWorker();  // worker 2
  derm::v1::JobSpec infer;
  infer.set_kind("infer");
  infer.mutable_model()->set_run_id(trained.run_id());
  derm::v1::InputSpec folder;  // as dermctl lists it
  folder.set_folder(dir.Join("data"));
  const std::vector<std::string> listed = ListInput(folder).value();
  for (const auto& p : listed) infer.mutable_input()->add_paths(p);
  infer.mutable_infer()->set_shard_size(12);
  infer.mutable_infer()->set_max_errors(2);
  infer.mutable_infer()->set_output_csv("predictions.csv");
  const derm::v1::Job job = cluster.Submit(infer);
  ASSERT_GT(job.id(), 0) << cluster.SchedulerLog();

  // Kill worker 1 once a shard is done and it holds another one.
  bool killed = false;
  const auto last = cluster.Follow(job.id(), [&](const derm::v1::JobEvent& e) {
    if (!killed && e.shards().shards_done() >= 1 &&
        e.message().find("leased by worker 1") != std::string::npos) {
      cluster.worker(0).Signal(SIGKILL);
      cluster.worker(0).Wait();
      killed = true;
    }
  });
  ASSERT_TRUE(killed);
  ASSERT_EQ(last, derm::v1::SUCCEEDED) << cluster.SchedulerLog() << cluster.WorkerLog(1);

  auto db = store::Database::Open(cluster.db(), /*read_only=*/true).value();
  const std::string where = " FROM predictions WHERE job_id = " + std::to_string(job.id());
  const int64_t images = 3 * 40 + 3;
  EXPECT_EQ(testing::QueryInt(db.get(), "SELECT count(*)" + where), images);
  EXPECT_EQ(testing::QueryInt(db.get(), "SELECT count(DISTINCT path)" + where), images);
  EXPECT_EQ(testing::QueryInt(db.get(), "SELECT count(*) FROM attempts WHERE job_id = " +
                                            std::to_string(job.id()) + " AND state = 'WORKER_LOST'"),
            1);
  EXPECT_EQ(testing::QueryText(db.get(), "SELECT reason FROM skipped_files WHERE path LIKE '%broken.jpg'"),
            "not a decodable image");
  EXPECT_EQ(testing::QueryText(db.get(), "SELECT reason FROM skipped_files WHERE path LIKE '%empty.png'"),
            "empty file");
  EXPECT_EQ(testing::QueryInt(
                db.get(), "SELECT count(*) FROM skipped_files WHERE job_id = " + std::to_string(job.id())),
            2);
  std::ifstream csv(cluster.exports() + "/predictions.csv");
  int lines = 0;
  for (std::string line; std::getline(csv, line);) ++lines;
  EXPECT_EQ(lines, 1 + images + 2);

  // The same predictions from the run's exported model, computed here.
  grpc::ClientContext ctx;
  cluster.Auth(&ctx);
  derm::v1::GetModelRequest req;
  req.set_run_id(trained.run_id());
  derm::v1::Model model_file;
  ASSERT_TRUE(cluster.jobs()->GetModel(&ctx, req, &model_file).ok());
  auto model = core::LoadModel(model_file.data(), at::kCPU);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  core::BackboneOptions backbone;
  backbone.channels_last = true;  // as the worker runs it
  auto net =
      core::ResNet50::Create(core::ResNet50::RandomWeights(model->info.backbone_seed), at::kCPU, backbone);
  ASSERT_TRUE(net.ok());
  auto stmt = db->Prepare("SELECT path, predicted_class, probability" + where + " ORDER BY path");
  std::vector<std::string> paths;
  std::vector<int64_t> predicted;
  std::vector<double> probability;
  while (*stmt->Step()) {
    paths.push_back(stmt->Text(0));
    predicted.push_back(stmt->Int(1));
    probability.push_back(stmt->Double(2));
  }
  data::DecodedFiles decoded =
      data::DecodeFiles(paths, static_cast<int>(model->info.height), static_cast<int>(model->info.width), 0);
  ASSERT_EQ(decoded.images.size(), images);
  const core::FeatureExtractor features(*net, core::TrainConfig().backbone_batch);
  std::vector<int64_t> idx(images);
  std::iota(idx.begin(), idx.end(), 0);
  c10::InferenceMode guard;
  const at::Tensor probs =
      model->head->Probabilities(model->head->Standardize(features.Features(decoded.images, idx)));
  for (int64_t i = 0; i < images; ++i) {
    // Another class only where the two are tied up to rounding (tests/testing/fp32_tolerance.h).
    EXPECT_NEAR(probs[i][predicted[i]].item<float>(), probs[i].max().item<float>(),
                testing::kProbabilityTolerance)
        << paths[i];
    EXPECT_NEAR(probability[i], probs[i].max().item<float>(), testing::kProbabilityTolerance) << paths[i];
  }
}

TEST(InferenceTest, DermctlSubmitsAnInferSpecExportsTheModelAndUsesItAsAFile) {
  testing::TempDir dir;
  testing::Cluster cluster(dir, /*train_per_class=*/4);
  ASSERT_TRUE(cluster.StartScheduler()) << cluster.SchedulerLog();
  cluster.StartWorker();
  const derm::v1::Job trained = cluster.Submit(cluster.TinySpec(/*epochs=*/1));
  ASSERT_EQ(cluster.Follow(trained.id()), derm::v1::SUCCEEDED) << cluster.WorkerLog(0);
  auto dermctl = [&](std::vector<std::string> args) {
    args.insert(args.begin(),
                {DERMCTL_BIN, "--server", cluster.address(), "--token-file", cluster.admin_token_file()});
    return testing::RunCommand(args);
  };
  const std::string run = std::to_string(trained.run_id());
  auto exported = dermctl({"export", "model", "--run", run, "--out", dir.Join("model.dermmodel")});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  EXPECT_NE(exported.out.find("the model of run " + run), std::string::npos);

  testing::WriteFile(dir.Join("infer.yaml"),
                     "kind: infer\nmodel: {file: model.dermmodel}\ninput: {folder: data/Test}\n"
                     "infer: {top_k: 2, output_csv: out.csv}\n");
  auto followed = dermctl({"submit", dir.Join("infer.yaml"), "--follow"});
  ASSERT_EQ(followed.exit_code, 0) << followed.err << cluster.WorkerLog(0);
  EXPECT_NE(followed.out.find("(inference)"), std::string::npos) << followed.out;
  EXPECT_NE(followed.out.find(
                "completed: 3 predictions, 0 unreadable images, written to out.csv in the export folder"),
            std::string::npos)
      << followed.out;
  EXPECT_NE(followed.out.find("predicted classes:"), std::string::npos);
  const std::string csv = testing::ReadFile(cluster.exports() + "/out.csv");
  EXPECT_EQ(csv.rfind("path,sha256,predicted,probability,class_1,p_1,class_2,p_2,error\n", 0), 0u) << csv;
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 4);

  auto rows = dermctl({"export", "predictions", "--job", "2"});
  ASSERT_EQ(rows.exit_code, 0) << rows.err;
  EXPECT_EQ(std::count(rows.out.begin(), rows.out.end(), '\n'), 4) << rows.out;

  testing::WriteFile(dir.Join("bad.yaml"),
                     "kind: infer\nmodel: {file: nowhere.dermmodel}\ninput: {folder: data/Test}\n");
  auto bad = dermctl({"submit", dir.Join("bad.yaml")});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("line 2: model.file file " + dir.Join("nowhere.dermmodel") + " does not exist"),
            std::string::npos)
      << bad.err;
}

}  // namespace
}  // namespace derm
