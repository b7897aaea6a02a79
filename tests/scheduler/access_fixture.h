// AccessTest: a SchedulerTest with access control over the same database: tokens for each role
// and ServerContexts that carry them, for calling the services in-process.
#pragma once

#include <grpcpp/test/server_context_test_spouse.h>

#include <map>
#include <memory>
#include <string>

#include "scheduler/access/access_control.h"
#include "scheduler/call_guard.h"
#include "tests/scheduler/scheduler_fixture.h"

namespace derm::scheduler {

class AccessTest : public SchedulerTest {
 protected:
  void SetUp() override {
    SchedulerTest::SetUp();
    auto access = AccessControl::Open(dir_.Join("r.db"), &clock_, AccessOptions());
    ASSERT_TRUE(access.ok()) << access.status().ToString();
    access_ = std::move(access).value();
    guard_ = std::make_unique<CallGuard>(access_.get(), scheduler_->metrics(),
                                         /*trust_client_certificates=*/false);
    bootstrap_ = Principal::Of("root", derm::v1::ADMIN, "test");
  }
  // A new token for `user` with `role` (ttl 0: never expires); returns its secret.
  std::string Token(const std::string& user, derm::v1::Role role, int64_t ttl_ms = 0) {
    derm::v1::CreateTokenRequest req;
    req.set_user(user);
    req.set_role(role);
    req.set_ttl_ms(ttl_ms);
    auto created = access_->CreateToken(bootstrap_, req, "test");
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    return created.ok() ? created->secret() : "";
  }
  // A server context as a call presenting `secret` would have ("" : no authorization at all).
  grpc::ServerContext* As(const std::string& secret) {
    auto& ctx = contexts_.emplace_back(std::make_unique<grpc::ServerContext>());
    // The spouse holds the metadata's bytes: it lives as long as the context.
    auto& spouse = spouses_.emplace_back(std::make_unique<grpc::testing::ServerContextTestSpouse>(ctx.get()));
    if (!secret.empty()) spouse->AddClientMetadata("authorization", "Bearer " + secret);
    return ctx.get();
  }
  int64_t AuditRows(const std::string& outcome) {
    derm::v1::ListAuditEventsRequest req;
    req.set_limit(10000);
    int64_t n = 0;
    for (const auto& e : access_->ListAuditEvents(req).value()) n += e.outcome() == outcome;
    return n;
  }

  std::unique_ptr<AccessControl> access_;
  std::unique_ptr<CallGuard> guard_;
  Principal bootstrap_;  // who the tests' tokens are made by
  std::vector<std::unique_ptr<grpc::ServerContext>> contexts_;
  std::vector<std::unique_ptr<grpc::testing::ServerContextTestSpouse>> spouses_;
};

}  // namespace derm::scheduler
