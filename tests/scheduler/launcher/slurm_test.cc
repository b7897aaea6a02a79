// Slurm's output parsing and the pilot's batch script.
#include "scheduler/launcher/slurm.h"

#include <gtest/gtest.h>

#include "scheduler/launcher/sbatch_script.h"

namespace derm::launcher {
namespace {

TEST(SlurmTest, SbatchParsableOutputGivesTheJobId) {
  EXPECT_EQ(*ParseSbatchOutput("4711\n"), "4711");
  EXPECT_EQ(*ParseSbatchOutput("4711;cluster-a\n"), "4711");
  EXPECT_EQ(ParseSbatchOutput("sbatch: error: Batch job submission failed").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_FALSE(ParseSbatchOutput("").ok());
}

TEST(SlurmTest, SqueueRowsBecomeBatchJobs) {
  const auto jobs = ParseSqueueOutput(
      "12|PENDING|Resources|derm:gpus=1,mem=1000,labels=\n"
      "13|RUNNING|None|derm:gpus=1,mem=1000,labels=a|b\n"
      "14|NODE_FAIL|NodeDown|\n"
      "garbage\n");
  ASSERT_EQ(jobs.size(), 3u);
  EXPECT_EQ(jobs[0].state, BatchJobState::kPending);
  EXPECT_EQ(jobs[0].detail, "PENDING (Resources)");
  EXPECT_EQ(jobs[1].state, BatchJobState::kRunning);
  EXPECT_EQ(jobs[1].detail, "RUNNING");
  EXPECT_EQ(jobs[1].comment, "derm:gpus=1,mem=1000,labels=a|b");
  EXPECT_EQ(jobs[2].state, BatchJobState::kEnded);
  EXPECT_EQ(SlurmState("COMPLETING"), BatchJobState::kRunning);
  EXPECT_EQ(SlurmState("PREEMPTED"), BatchJobState::kEnded);
  EXPECT_EQ(SlurmState("REQUEUED"), BatchJobState::kPending);
}

TEST(SlurmTest, ShapesRoundTripThroughTheCommentAndForeignCommentsAreNotOurs) {
  PilotShape s{2, 8000, {"constraint=a100", "partition=gpu"}};
  EXPECT_EQ(EncodeShape(s), "derm:gpus=2,mem=8000,labels=constraint=a100+partition=gpu");
  EXPECT_EQ(*DecodeShape(EncodeShape(s)), s);
  EXPECT_FALSE(DecodeShape("derm:gpus=x,mem=1,labels="));
  EXPECT_FALSE(DecodeShape("someone else's job"));
  EXPECT_FALSE(DecodeShape("derm:gpus=1"));
}

TEST(SlurmTest, TheScriptAsksForTheShapeAndQuotesEverything) {
  PilotTemplate t;
  t.worker_binary = "/opt/derm it's/derm-worker";
  t.scheduler = "sched:7000";
  t.token_file = "/shared/worker.token";
  t.cpus = 2;
  t.time_limit = "1:00:00";
  t.sbatch_lines = {"--account=derm"};
  t.worker_flags = {"--data-root=/data"};
  auto script = RenderSbatchScript({1, 4000, {"constraint=a100", "fast"}}, t);
  ASSERT_TRUE(script.ok()) << script.status().ToString();
  for (const char* line :
       {"#!/bin/bash\n", "#SBATCH --gres=gpu:1\n", "#SBATCH --mem=4000M\n", "#SBATCH --constraint=a100\n",
        "#SBATCH --signal=B:USR1@90\n", "#SBATCH --cpus-per-task=2\n", "#SBATCH --time=1:00:00\n",
        "#SBATCH --account=derm\n", "#SBATCH --comment=derm:gpus=1,mem=4000,labels=constraint=a100+fast\n"}) {
    EXPECT_NE(script->find(line), std::string::npos) << line << " in\n" << *script;
  }
  EXPECT_NE(script->find("exec '/opt/derm it'\\''s/derm-worker' '--scheduler' 'sched:7000' '--token-file' "
                         "'/shared/worker.token' '--device' 'cuda' '--gpus' '1' '--memory-mb' '4000' "
                         "'--threads' '2' '--label' 'constraint=a100' '--label' 'fast' '--data-root=/data' "
                         "--name 'derm-worker-'\"$SLURM_JOB_ID\""),
            std::string::npos)
      << *script;
  EXPECT_EQ(script->find("--partition"), std::string::npos);
  EXPECT_NE(RenderSbatchScript({0, 1000, {}}, t)->find("'--device' 'cpu'"), std::string::npos);

  t.sbatch_lines = {"--account=x\nrm -rf /"};
  EXPECT_EQ(RenderSbatchScript({}, t).status().code(), StatusCode::kInvalidArgument);
  t.sbatch_lines.clear();
  t.script_template = "#!/bin/bash\nmodule load cuda\n{{WORKER}}\n";
  EXPECT_NE(RenderSbatchScript({}, t).status().message().find("{{SBATCH}}"), std::string::npos);
  EXPECT_FALSE(RenderSbatchScript({0, 0, {"a b"}}, PilotTemplate()).ok());
}

}  // namespace
}  // namespace derm::launcher
