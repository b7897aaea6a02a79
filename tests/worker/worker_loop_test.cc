// WorkerLoop against a gMock WorkerService stub: what the worker sends the scheduler, and what it
// does with each answer, without a scheduler process.
#include "worker/worker_loop.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/spec/spec_rules.h"
#include "derm/v1/workers_mock.grpc.pb.h"

namespace derm::worker {
namespace {

using derm::v1::MockWorkerServiceStub;
using ::testing::_;
using ::testing::DoAll;
using ::testing::HasSubstr;
using ::testing::Property;
using ::testing::Return;
using ::testing::SetArgPointee;

derm::v1::RegisterWorkerResponse Registered(int64_t id) {
  derm::v1::RegisterWorkerResponse r;
  r.set_worker_id(id);
  r.set_worker_key("key-" + std::to_string(id));
  r.set_heartbeat_interval_ms(60000);
  r.set_lease_timeout_ms(120000);
  return r;
}

derm::v1::AcquireTaskResponse Drain() {
  derm::v1::AcquireTaskResponse r;
  r.set_drain(true);
  return r;
}

WorkerOptions Options() {
  WorkerOptions o;
  o.name = "w";
  o.gpus = 2;
  o.labels = {"a100"};
  o.runner.device = "cpu";
  return o;
}

TEST(WorkerLoopTest, RegistersWithItsResourcesPollsAsItselfWithItsKeyAndLeavesWhenDrained) {
  auto stub = std::make_shared<MockWorkerServiceStub>();
  EXPECT_CALL(*stub,
              RegisterWorker(_,
                             AllOf(Property(&derm::v1::RegisterWorkerRequest::gpus, 2),
                                   Property(&derm::v1::RegisterWorkerRequest::name, "w"),
                                   Property(&derm::v1::RegisterWorkerRequest::cluster_job, "slurm:4711"),
                                   Property(&derm::v1::RegisterWorkerRequest::visible_gpus, "2,3")),
                             _))
      .WillOnce(DoAll(SetArgPointee<2>(Registered(7)), Return(grpc::Status::OK)));
  EXPECT_CALL(*stub, AcquireTask(_,
                                 AllOf(Property(&derm::v1::AcquireTaskRequest::worker_id, 7),
                                       Property(&derm::v1::AcquireTaskRequest::worker_key, "key-7")),
                                 _))
      .WillOnce(Return(grpc::Status::OK))  // no task: poll again
      .WillOnce(DoAll(SetArgPointee<2>(Drain()), Return(grpc::Status::OK)));
  WorkerOptions options = Options();
  options.cluster_job = "slurm:4711";
  options.visible_gpus = "2,3";
  WorkerLoop loop(options, stub);
  EXPECT_TRUE(loop.Run().ok());
}

TEST(WorkerLoopTest, RegistersAgainWhenTheSchedulerNoLongerKnowsIt) {
  auto stub = std::make_shared<MockWorkerServiceStub>();
  EXPECT_CALL(*stub, RegisterWorker(_, _, _))
      .WillOnce(DoAll(SetArgPointee<2>(Registered(1)), Return(grpc::Status::OK)))
      .WillOnce(DoAll(SetArgPointee<2>(Registered(2)), Return(grpc::Status::OK)));
  EXPECT_CALL(*stub, AcquireTask(_, Property(&derm::v1::AcquireTaskRequest::worker_id, 1), _))
      .WillOnce(Return(grpc::Status(grpc::StatusCode::NOT_FOUND, "worker 1 is not registered")));
  EXPECT_CALL(*stub, AcquireTask(_,
                                 AllOf(Property(&derm::v1::AcquireTaskRequest::worker_id, 2),
                                       Property(&derm::v1::AcquireTaskRequest::worker_key, "key-2")),
                                 _))
      .WillOnce(DoAll(SetArgPointee<2>(Drain()), Return(grpc::Status::OK)));
  WorkerLoop loop(Options(), stub);
  EXPECT_TRUE(loop.Run().ok());
}

TEST(WorkerLoopTest, ATaskThatCannotRunIsFailedNotRetryableWithTheCauseAndTheWorkerGoesOn) {
  auto stub = std::make_shared<MockWorkerServiceStub>();
  derm::v1::AcquireTaskResponse leased;
  derm::v1::Task* task = leased.mutable_task();
  task->set_job_id(3);
  task->set_attempt_id(11);
  task->set_run_id(3);
  task->mutable_spec()->mutable_data()->set_train_dir("/nonexistent/derm-train");
  ApplySpecDefaults(task->mutable_spec());
  EXPECT_CALL(*stub, RegisterWorker(_, _, _))
      .WillOnce(DoAll(SetArgPointee<2>(Registered(5)), Return(grpc::Status::OK)));
  EXPECT_CALL(*stub, AcquireTask(_, _, _))
      .WillOnce(DoAll(SetArgPointee<2>(leased), Return(grpc::Status::OK)))
      .WillOnce(DoAll(SetArgPointee<2>(Drain()), Return(grpc::Status::OK)));
  EXPECT_CALL(
      *stub,
      FailTask(_,
               AllOf(Property(&derm::v1::FailTaskRequest::attempt_id, 11),
                     Property(&derm::v1::FailTaskRequest::worker_id, 5),
                     Property(&derm::v1::FailTaskRequest::worker_key, "key-5"),
                     Property(&derm::v1::FailTaskRequest::retryable, false),
                     Property(&derm::v1::FailTaskRequest::reason, HasSubstr("/nonexistent/derm-train"))),
               _))
      .WillOnce(Return(grpc::Status::OK));
  EXPECT_CALL(*stub, CompleteTask(_, _, _)).Times(0);
  WorkerLoop loop(Options(), stub);
  EXPECT_TRUE(loop.Run().ok());
}

TEST(WorkerLoopTest, ARefusedRegistrationIsTheRunsError) {
  auto stub = std::make_shared<MockWorkerServiceStub>();
  EXPECT_CALL(*stub, RegisterWorker(_, _, _))
      .WillOnce(Return(grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "missing or wrong token")));
  EXPECT_CALL(*stub, AcquireTask(_, _, _)).Times(0);
  WorkerLoop loop(Options(), stub);
  const Status st = loop.Run();
  EXPECT_EQ(st.code(), StatusCode::kUnauthenticated);
  EXPECT_NE(st.message().find("token"), std::string::npos) << st.message();
}

}  // namespace
}  // namespace derm::worker
