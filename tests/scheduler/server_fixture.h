// ServerTest: a SchedulerTest served by the real SchedulerServer (services, CallGuard, access
// control) on a loopback port, with tokens for each role and channels to it.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "scheduler/scheduler_server.h"
#include "tests/scheduler/access_fixture.h"

namespace derm::scheduler {

class ServerTest : public AccessTest {
 protected:
  void SetUp() override {
    AccessTest::SetUp();
    StartServer(ServerOptions());
  }
  void TearDown() override {
    if (server_) server_->Shutdown(std::chrono::system_clock::now());
    scheduler_->Shutdown();
  }
  // (Re)starts the server on 127.0.0.1:0 with `options`.
  void StartServer(ServerOptions options) {
    if (server_) server_->Shutdown(std::chrono::system_clock::now());
    options.listen = "127.0.0.1:0";
    auto server = SchedulerServer::Start(scheduler_.get(), access_.get(), options);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(server).value();
  }
  std::shared_ptr<grpc::Channel> Channel(
      std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials()) {
    return grpc::CreateChannel(server_->address(), credentials);
  }
  // A client context with a deadline, presenting `secret` ("" : no token).
  static std::unique_ptr<grpc::ClientContext> Call(const std::string& secret) {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    if (!secret.empty()) ctx->AddMetadata("authorization", "Bearer " + secret);
    return ctx;
  }

  std::unique_ptr<SchedulerServer> server_;
};

}  // namespace derm::scheduler
