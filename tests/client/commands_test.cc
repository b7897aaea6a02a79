// dermctl's verbs against a gMock JobService stub: the requests they send, what they print and
// the exit codes, without a scheduler process.
#include "client/commands.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "derm/v1/jobs_mock.grpc.pb.h"

namespace derm::client {
namespace {

using derm::v1::MockJobServiceStub;
using ::testing::_;
using ::testing::DoAll;
using ::testing::Property;
using ::testing::Return;
using ::testing::SetArgPointee;

class CommandsTest : public ::testing::Test {
 protected:
  CommandsTest() {
    auto stub = std::make_unique<MockJobServiceStub>();
    stub_ = stub.get();
    conn_ =
        std::make_unique<Connection>(ConnectionOptions{"sched.example:50051", 1000, "", {}}, std::move(stub));
  }
  static derm::v1::Job Job(int64_t id, derm::v1::JobState state) {
    derm::v1::Job job;
    job.set_id(id);
    job.set_run_id(id);
    job.set_state(state);
    job.mutable_spec()->set_name("tiny");
    job.set_attempts(1);
    return job;
  }
  MockJobServiceStub* stub_;
  std::unique_ptr<Connection> conn_;
  std::ostringstream out_, err_;
};

TEST_F(CommandsTest, CancelSendsTheReasonAndPrintsTheJob) {
  EXPECT_CALL(*stub_, CancelJob(_,
                                AllOf(Property(&derm::v1::CancelJobRequest::id, 4),
                                      Property(&derm::v1::CancelJobRequest::reason, "wrong data")),
                                _))
      .WillOnce(DoAll(SetArgPointee<2>(Job(4, derm::v1::CANCELLED)), Return(grpc::Status::OK)));
  EXPECT_EQ(CancelJob(*conn_, 4, "wrong data", out_, err_), kExitOk);
  EXPECT_EQ(out_.str(), "job 4  run 4  CANCELLED  tiny  attempts 1\n");
  EXPECT_EQ(err_.str(), "");
}

TEST_F(CommandsTest, RefusalsAndUnreachableSchedulersGetTheirExitCodesAndOneLine) {
  EXPECT_CALL(*stub_, CancelJob(_, _, _))
      .WillOnce(Return(grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "job 1 already ended SUCCEEDED")))
      .WillOnce(Return(grpc::Status(grpc::StatusCode::UNAVAILABLE, "failed to connect to all addresses")))
      .WillOnce(Return(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "Deadline Exceeded")));
  EXPECT_EQ(CancelJob(*conn_, 1, "", out_, err_), kExitServerError);
  EXPECT_EQ(err_.str(), "dermctl: job 1 already ended SUCCEEDED\n");
  err_.str("");
  EXPECT_EQ(CancelJob(*conn_, 1, "", out_, err_), kExitUnreachable);
  EXPECT_EQ(err_.str(),
            "dermctl: cannot reach the scheduler at sched.example:50051 (is derm-scheduler running? set "
            "--server or DERM_SERVER; a TLS scheduler needs --tls-ca)\n");
  err_.str("");
  EXPECT_EQ(CancelJob(*conn_, 1, "", out_, err_), kExitUnreachable);
  EXPECT_EQ(err_.str(), "dermctl: the scheduler at sched.example:50051 did not answer in time\n");
  EXPECT_EQ(out_.str(), "");
}

TEST_F(CommandsTest, RetryAsksTheSchedulerToRetryTheJobAndPrintsTheNewOne) {
  EXPECT_CALL(*stub_, RetryJob(_, Property(&derm::v1::RetryJobRequest::id, 9), _))
      .WillOnce(DoAll(SetArgPointee<2>(Job(12, derm::v1::QUEUED)), Return(grpc::Status::OK)));
  EXPECT_CALL(*stub_, SubmitJob(_, _, _)).Times(0);  // the scheduler resubmits, as the caller
  EXPECT_EQ(RetryJob(*conn_, 9, out_, err_), kExitOk);
  EXPECT_EQ(out_.str(), "submitted job 12 (run 12), a retry of job 9\n");
}

TEST_F(CommandsTest, RetryShowsWhyTheSchedulerRefused) {
  EXPECT_CALL(*stub_, RetryJob(_, _, _))
      .WillOnce(Return(grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                                    "carol (editor) may not change job 3, submitted by bob: only its "
                                    "submitter or an admin may")));
  EXPECT_EQ(RetryJob(*conn_, 3, out_, err_), kExitServerError);
  EXPECT_EQ(err_.str(),
            "dermctl: carol (editor) may not change job 3, submitted by bob: only its submitter or an admin "
            "may\n");
}

TEST_F(CommandsTest, ListWorkersPrintsOneRowPerWorkerAndCsvOnRequest) {
  derm::v1::ListWorkersResponse resp;
  auto* w = resp.add_workers();
  w->set_id(2);
  w->set_name("gpu-box");
  w->set_state(derm::v1::ACTIVE);
  w->set_device("cuda:0");
  w->set_gpus(1);
  w->set_running_job_id(17);
  w->set_registered_by("gpu-workers");
  w->set_cluster_job("slurm:4711");
  w->set_visible_gpus("3");
  EXPECT_CALL(*stub_, ListWorkers(_, _, _))
      .WillRepeatedly(DoAll(SetArgPointee<2>(resp), Return(grpc::Status::OK)));
  ASSERT_EQ(ListWorkers(*conn_, OutputFormat::kCsv, out_, err_), kExitOk);
  EXPECT_EQ(out_.str().substr(0, out_.str().find('\n')),
            "WORKER,NAME,STATE,DEVICE,GPUS,RUNNING_JOB,CLUSTER_JOB,LAST_SEEN (UTC),REGISTERED_BY");
  EXPECT_NE(out_.str().find("\n2,gpu-box,ACTIVE,cuda:0,1 (3),17,slurm:4711,"), std::string::npos)
      << out_.str();
  EXPECT_NE(out_.str().find(",gpu-workers\n"), std::string::npos) << out_.str();
  std::ostringstream json;
  ASSERT_EQ(ListWorkers(*conn_, OutputFormat::kJson, json, err_), kExitOk);
  EXPECT_NE(json.str().find("\"name\": \"gpu-box\""), std::string::npos) << json.str();
}

}  // namespace
}  // namespace derm::client
