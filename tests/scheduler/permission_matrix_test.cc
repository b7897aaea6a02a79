// Every RPC the scheduler serves, called by every role over a real channel: the permission table
// decides, and nothing else. Each call sends the method's empty request (WatchEvents one it refuses), so a
// permitted call ends in its handler's answer (OK, NOT_FOUND, INVALID_ARGUMENT, ...) and a refused one in
// PERMISSION_DENIED (no token: UNAUTHENTICATED). Health answers without a token; reflection
// needs one.
#include <google/protobuf/descriptor.h>
#include <gtest/gtest.h>

#include "derm/v1/access.pb.h"
#include "derm/v1/jobs.pb.h"
#include "derm/v1/models.pb.h"
#include "derm/v1/workers.pb.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "scheduler/access/permissions.h"
#include "tests/scheduler/raw_call.h"
#include "tests/scheduler/server_fixture.h"

namespace derm::scheduler {
namespace {

namespace pb = google::protobuf;

// The services the scheduler serves (the health service aside, which is open to all).
const std::vector<std::string> kServices = {"derm.v1.JobService", "derm.v1.WorkerService",
                                            "derm.v1.AccessService", "derm.v1.ModelService",
                                            "grpc.reflection.v1alpha.ServerReflection"};

std::vector<const pb::MethodDescriptor*> AllMethods() {
  std::vector<const pb::MethodDescriptor*> out;
  for (const auto& name : kServices) {
    const pb::ServiceDescriptor* service = pb::DescriptorPool::generated_pool()->FindServiceByName(name);
    EXPECT_NE(service, nullptr) << name;
    if (!service) continue;
    for (int i = 0; i < service->method_count(); ++i) out.push_back(service->method(i));
  }
  return out;
}

std::string PathOf(const pb::MethodDescriptor* m) {
  return "/" + m->service()->full_name() + "/" + m->name();
}

// Who may call what, written out: the table in scheduler/access/permissions.cc must produce it.
const std::map<std::string, std::string> kExpected = {
    {"derm.v1.JobService.SubmitJob", "admin editor"},
    {"derm.v1.JobService.GetJob", "admin editor viewer"},
    {"derm.v1.JobService.ListJobs", "admin editor launcher viewer"},
    {"derm.v1.JobService.CancelJob", "admin editor"},  // editors: their own jobs only
    {"derm.v1.JobService.RetryJob", "admin editor"},   // editors: their own jobs only
    {"derm.v1.JobService.WatchJob", "admin editor viewer"},
    {"derm.v1.JobService.GetRun", "admin editor viewer"},
    {"derm.v1.JobService.ListRuns", "admin editor viewer"},
    {"derm.v1.JobService.GetConfusionMatrix", "admin editor viewer"},
    {"derm.v1.JobService.WatchEvents", "admin editor viewer"},
    {"derm.v1.JobService.ListPredictions", "admin editor viewer"},
    {"derm.v1.JobService.GetThumbnail", "admin editor viewer"},
    {"derm.v1.JobService.GetRunCurves", "admin editor viewer"},
    {"derm.v1.JobService.CompareRuns", "admin editor viewer"},
    {"derm.v1.JobService.GetModel", "admin editor viewer"},
    {"derm.v1.JobService.Query", "admin editor viewer"},
    {"derm.v1.JobService.ListWorkers", "admin editor launcher viewer"},
    {"derm.v1.JobService.DrainWorker", "admin launcher"},
    {"derm.v1.WorkerService.RegisterWorker", "worker"},
    {"derm.v1.WorkerService.Heartbeat", "worker"},
    {"derm.v1.WorkerService.AcquireTask", "worker"},
    {"derm.v1.WorkerService.ReportFacts", "worker"},
    {"derm.v1.WorkerService.ReportEpoch", "worker"},
    {"derm.v1.WorkerService.CompleteTask", "worker"},
    {"derm.v1.WorkerService.FailTask", "worker"},
    {"derm.v1.WorkerService.LeaveWorker", "worker"},
    {"derm.v1.ModelService.RegisterModel", "admin editor"},
    {"derm.v1.ModelService.PromoteModel", "admin editor"},  // forcing past the gates: admins only
    {"derm.v1.ModelService.ListModelVersions", "admin editor viewer"},
    {"derm.v1.AccessService.WhoAmI", "admin editor launcher viewer worker"},
    {"derm.v1.AccessService.CreateToken", "admin"},
    {"derm.v1.AccessService.ListTokens", "admin"},
    {"derm.v1.AccessService.RevokeToken", "admin"},
    {"derm.v1.AccessService.ListAuditEvents", "admin"},
    {"grpc.reflection.v1alpha.ServerReflection.ServerReflectionInfo", "admin editor launcher viewer worker"},
};

using PermissionMatrixTest = ServerTest;

TEST_F(PermissionMatrixTest, TheTableNamesEveryServedRpcAndNothingElse) {
  std::set<std::string> served;
  for (const auto* m : AllMethods()) served.insert(m->full_name());
  std::set<std::string> table;
  for (const auto& [method, permission] : PermissionTable()) table.insert(method);
  EXPECT_EQ(served, table);
  std::set<std::string> expected;
  for (const auto& [method, roles] : kExpected) expected.insert(method);
  EXPECT_EQ(served, expected);
}

// The request each method is called with: empty, except for streams that would not end on one.
std::string RequestFor(const std::string& method) {
  if (method == "derm.v1.JobService.WatchEvents") {
    derm::v1::WatchEventsRequest r;
    r.set_after_event_id(-2);  // refused by the body, after the permission check
    return r.SerializeAsString();
  }
  return "";
}

TEST_F(PermissionMatrixTest, EveryRpcAnswersEveryRoleAsTheTableSays) {
  const std::map<std::string, std::string> callers = {
      {"admin", Token("ann", derm::v1::ADMIN)},    {"editor", Token("ed", derm::v1::EDITOR)},
      {"viewer", Token("vera", derm::v1::VIEWER)}, {"launcher", Token("slurm", derm::v1::LAUNCHER)},
      {"worker", Token("pool", derm::v1::WORKER)},
  };
  auto channel = Channel();
  std::map<std::string, std::string> observed;  // method -> the roles it let through
  for (const auto* m : AllMethods()) {
    std::string& allowed = observed[m->full_name()];
    for (const auto& [role, secret] : callers) {
      const grpc::Status st = CallRaw(channel, PathOf(m), secret, RequestFor(m->full_name()));
      ASSERT_NE(st.error_code(), grpc::StatusCode::UNAUTHENTICATED) << role << " " << m->full_name();
      if (st.error_code() != grpc::StatusCode::PERMISSION_DENIED) {
        allowed += (allowed.empty() ? "" : " ") + role;
      } else {
        EXPECT_NE(st.error_message().find("may not call " + m->name() + ": it needs the permission"),
                  std::string::npos)
            << st.error_message();
      }
    }
    const grpc::Status anonymous = CallRaw(channel, PathOf(m), "");
    EXPECT_EQ(anonymous.error_code(), grpc::StatusCode::UNAUTHENTICATED) << m->full_name();
  }
  EXPECT_EQ(observed, kExpected);
}

TEST_F(PermissionMatrixTest, HealthAnswersWithoutATokenAndReflectionNeedsOne) {
  auto channel = Channel();
  std::vector<std::string> answers;
  const grpc::Status health = CallRaw(channel, "/grpc.health.v1.Health/Check", "", "", &answers);
  ASSERT_TRUE(health.ok()) << health.error_message();
  ASSERT_EQ(answers.size(), 1u);
  EXPECT_EQ(answers[0], std::string("\x08\x01", 2)) << "status: SERVING";

  auto reflection = grpc::reflection::v1alpha::ServerReflection::NewStub(channel);
  grpc::reflection::v1alpha::ServerReflectionRequest list;
  list.set_list_services("");
  grpc::reflection::v1alpha::ServerReflectionResponse answer;
  {
    auto ctx = Call("");
    auto stream = reflection->ServerReflectionInfo(ctx.get());
    stream->Write(list);
    stream->WritesDone();
    EXPECT_FALSE(stream->Read(&answer));
    EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::UNAUTHENTICATED);
  }
  auto ctx = Call(Token("vera", derm::v1::VIEWER));
  auto stream = reflection->ServerReflectionInfo(ctx.get());
  ASSERT_TRUE(stream->Write(list));
  ASSERT_TRUE(stream->Read(&answer));
  std::set<std::string> names;
  for (const auto& s : answer.list_services_response().service()) names.insert(s.name());
  EXPECT_TRUE(names.count("derm.v1.JobService")) << answer.DebugString();
  grpc::reflection::v1alpha::ServerReflectionRequest symbol;
  symbol.set_file_containing_symbol("derm.v1.JobService");
  ASSERT_TRUE(stream->Write(symbol));
  ASSERT_TRUE(stream->Read(&answer));
  ASSERT_GT(answer.file_descriptor_response().file_descriptor_proto_size(), 0) << answer.DebugString();
  pb::FileDescriptorProto file;
  ASSERT_TRUE(file.ParseFromString(answer.file_descriptor_response().file_descriptor_proto(0)));
  EXPECT_EQ(file.name(), "derm/v1/jobs.proto");
  symbol.set_file_containing_symbol("no.such.Symbol");
  ASSERT_TRUE(stream->Write(symbol));
  ASSERT_TRUE(stream->Read(&answer));
  EXPECT_EQ(answer.error_response().error_code(), grpc::StatusCode::NOT_FOUND);
  symbol.set_file_containing_symbol(std::string(5000, 'x'));
  ASSERT_TRUE(stream->Write(symbol));
  ASSERT_TRUE(stream->Read(&answer));
  EXPECT_EQ(answer.error_response().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_FALSE(answer.has_original_request()) << "a long request is not echoed";
  stream->WritesDone();
  EXPECT_TRUE(stream->Finish().ok());
}

}  // namespace
}  // namespace derm::scheduler
