// AccessControl: tokens (hashed, expiring, revocable), the bootstrap admin token, the shared
// --auth-token-file token, mTLS certificate subjects, the permission check and the audit trail.
#include "scheduler/access/access_control.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "common/crypto/sha256.h"
#include "store/sqlite.h"
#include "store/store.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_certificates.h"

namespace derm::scheduler {
namespace {

class AccessControlTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(store::Store::Open(db()).ok()); }  // a migrated database
  std::string db() const { return dir_.Join("r.db"); }
  std::unique_ptr<AccessControl> Open(AccessOptions options = {}) {
    auto access = AccessControl::Open(db(), &clock_, std::move(options));
    EXPECT_TRUE(access.ok()) << access.status().ToString();
    return access.ok() ? std::move(access).value() : nullptr;
  }
  static CallCredentials Bearer(const std::string& secret) {
    CallCredentials c;
    c.authorization = "Bearer " + secret;
    return c;
  }
  std::string Create(AccessControl* access, const std::string& user, derm::v1::Role role,
                     int64_t ttl_ms = 0) {
    derm::v1::CreateTokenRequest req;
    req.set_user(user);
    req.set_role(role);
    req.set_ttl_ms(ttl_ms);
    const Principal admin = Principal::Of("root", derm::v1::ADMIN, "test");
    auto created = access->CreateToken(admin, req, "ipv4:10.0.0.1:1");
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    return created.ok() ? created->secret() : "";
  }

  testing::TempDir dir_;
  FakeClock clock_;
};

TEST_F(AccessControlTest, ATokenStandsForItsUserAndRoleAndOnlyItsHashIsStored) {
  auto access = Open();
  const std::string secret = Create(access.get(), "alice", derm::v1::EDITOR);
  ASSERT_EQ(secret.rfind("derm_", 0), 0u);
  EXPECT_EQ(secret.size(), 5u + 43u) << "256 random bits, base64url";
  auto alice = access->Authenticate(Bearer(secret));
  ASSERT_TRUE(alice.ok()) << alice.status().ToString();
  EXPECT_EQ(alice->user, "alice");
  EXPECT_EQ(alice->role, derm::v1::EDITOR);
  EXPECT_TRUE(alice->Can(Permission::kSubmit));
  EXPECT_FALSE(alice->Can(Permission::kChangeAnyJob));
  EXPECT_EQ(Create(access.get(), "alice", derm::v1::EDITOR) == secret, false) << "every token is new";

  auto raw = store::Database::Open(db(), /*read_only=*/true).value();
  auto row =
      raw->Prepare("SELECT sha256, user, role FROM tokens WHERE user = 'alice' ORDER BY id LIMIT 1").value();
  ASSERT_TRUE(row.Step().value());
  EXPECT_EQ(row.Text(0), Sha256Hex(secret));
  EXPECT_EQ(row.Text(2), "EDITOR");
  EXPECT_EQ(Open()->Authenticate(Bearer(secret))->user, "alice") << "a restarted scheduler knows it";

  const auto wrong = access->Authenticate(Bearer(secret + "x"));
  EXPECT_EQ(wrong.status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(wrong.status().message(), "the token was not accepted by the scheduler");
  CallCredentials basic;
  basic.authorization = "Basic YWxpY2U6cHc=";
  EXPECT_EQ(access->Authenticate(basic).status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(access->Authenticate(CallCredentials()).status().code(), StatusCode::kUnauthenticated);
}

TEST_F(AccessControlTest, ExpiredAndRevokedTokensAreUnauthenticatedFromThenOn) {
  auto access = Open();
  const std::string day = Create(access.get(), "temp", derm::v1::VIEWER, /*ttl_ms=*/86'400'000);
  const std::string forever = Create(access.get(), "svc", derm::v1::VIEWER);
  clock_.Advance(86'400'000 - 1);
  EXPECT_TRUE(access->Authenticate(Bearer(day)).ok()) << "valid to its last millisecond";
  clock_.Advance(1);
  EXPECT_EQ(access->Authenticate(Bearer(day)).status().message(), "token 1 has expired");
  EXPECT_TRUE(access->Authenticate(Bearer(forever)).ok());

  const Principal admin = Principal::Of("root", derm::v1::ADMIN, "test");
  auto revoked = access->RevokeToken(admin, 2, "peer");
  ASSERT_TRUE(revoked.ok()) << revoked.status().ToString();
  EXPECT_EQ(revoked->revoked_ms(), clock_.NowMillis());
  EXPECT_EQ(access->Authenticate(Bearer(forever)).status().message(), "token 2 was revoked");
  EXPECT_EQ(Open()->Authenticate(Bearer(forever)).status().code(), StatusCode::kUnauthenticated)
      << "revocation is durable";
  EXPECT_EQ(access->RevokeToken(admin, 99, "peer").status().code(), StatusCode::kNotFound);

  std::vector<std::string> changes;
  for (const auto& e : access->ListAuditEvents({}).value())
    changes.push_back(e.action() + " by " + e.principal());
  EXPECT_EQ(changes, (std::vector<std::string>{"token.revoke by root", "token.create by root",
                                               "token.create by root"}));
}

TEST_F(AccessControlTest, CreateTokenRefusesBadUsersRolesAndLifetimes) {
  auto access = Open();
  const Principal admin = Principal::Of("root", derm::v1::ADMIN, "test");
  for (const std::string& user :
       std::vector<std::string>{"", "has space", "a/b", std::string(65, 'x'), "new\nline"}) {
    derm::v1::CreateTokenRequest req;
    req.set_user(user);
    req.set_role(derm::v1::VIEWER);
    EXPECT_EQ(access->CreateToken(admin, req, "").status().code(), StatusCode::kInvalidArgument) << user;
  }
  derm::v1::CreateTokenRequest req;
  req.set_user("ok.user@lab-1");
  EXPECT_EQ(access->CreateToken(admin, req, "").status().code(), StatusCode::kInvalidArgument) << "no role";
  req.set_role(static_cast<derm::v1::Role>(42));
  EXPECT_EQ(access->CreateToken(admin, req, "").status().code(), StatusCode::kInvalidArgument);
  req.set_role(derm::v1::WORKER);
  req.set_ttl_ms(-1);
  EXPECT_EQ(access->CreateToken(admin, req, "").status().code(), StatusCode::kInvalidArgument);
  req.set_ttl_ms(0);
  EXPECT_TRUE(access->CreateToken(admin, req, "").ok());
  EXPECT_EQ(access->ListTokens().size(), 1u);
}

TEST_F(AccessControlTest, ANewDatabaseGetsOneAdminTokenInAPrivateFileThatIsNeverOverwritten) {
  AccessOptions options;
  options.bootstrap_token_file = dir_.Join("admin.token");
  auto access = Open(options);
  ASSERT_TRUE(access->wrote_bootstrap_token());
  struct stat st {};
  ASSERT_EQ(stat(options.bootstrap_token_file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::string secret = testing::ReadFile(options.bootstrap_token_file);
  ASSERT_EQ(secret.back(), '\n');
  secret.pop_back();
  auto admin = access->Authenticate(Bearer(secret));
  ASSERT_TRUE(admin.ok());
  EXPECT_EQ(admin->role, derm::v1::ADMIN);
  EXPECT_EQ(admin->via, "token 1");

  access.reset();
  auto again = Open(options);
  EXPECT_FALSE(again->wrote_bootstrap_token()) << "the database has a token now";
  EXPECT_EQ(testing::ReadFile(options.bootstrap_token_file), secret + "\n");

  // A second, new database beside a token file that is not its own: refused, the file untouched.
  ASSERT_TRUE(store::Store::Open(dir_.Join("other.db")).ok());
  auto refused = AccessControl::Open(dir_.Join("other.db"), &clock_, options);
  EXPECT_EQ(refused.status().code(), StatusCode::kAlreadyExists);
  EXPECT_NE(refused.status().message().find("belongs to another database"), std::string::npos);
  EXPECT_EQ(testing::ReadFile(options.bootstrap_token_file), secret + "\n");
  // With a shared token the operator has an admin already: no file.
  options.shared_token = "shared-secret";
  options.bootstrap_token_file = dir_.Join("unused.token");
  ASSERT_TRUE(store::Store::Open(dir_.Join("third.db")).ok());
  auto shared = AccessControl::Open(dir_.Join("third.db"), &clock_, options);
  ASSERT_TRUE(shared.ok());
  EXPECT_FALSE((*shared)->wrote_bootstrap_token());
  EXPECT_NE(stat(options.bootstrap_token_file.c_str(), &st), 0);
}

TEST_F(AccessControlTest, TheSharedTokenIsTheUserAdminWithTheWorkerServiceToo) {
  AccessOptions options;
  options.shared_token = "s3cret";
  auto access = Open(options);
  auto p = access->Authenticate(Bearer("s3cret"));
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->user, "admin");
  EXPECT_EQ(p->via, "--auth-token-file");
  EXPECT_TRUE(access->Authorize(*p, "derm.v1.WorkerService.CompleteTask").ok());
  EXPECT_TRUE(access->Authorize(*p, "derm.v1.AccessService.CreateToken").ok());
  EXPECT_EQ(access->Authenticate(Bearer("s3cre")).status().code(), StatusCode::kUnauthenticated);
}

TEST_F(AccessControlTest, AuthorizeNamesThePermissionAndTheRolesThatHaveIt) {
  auto access = Open();
  const auto viewer = access->Authenticate(Bearer(Create(access.get(), "vera", derm::v1::VIEWER))).value();
  const Status denied = access->Authorize(viewer, "derm.v1.JobService.SubmitJob");
  EXPECT_EQ(denied.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(denied.message(),
            "vera (viewer) may not call SubmitJob: it needs the permission 'submit' (editor or admin)");
  EXPECT_TRUE(access->Authorize(viewer, "derm.v1.JobService.ListRuns").ok());
  EXPECT_EQ(access->Authorize(viewer, "derm.v1.JobService.NotARealMethod").code(),
            StatusCode::kPermissionDenied)
      << "an RPC missing from the table is refused";
  const auto worker = access->Authenticate(Bearer(Create(access.get(), "pool", derm::v1::WORKER))).value();
  EXPECT_EQ(access->Authorize(worker, "derm.v1.JobService.GetJob").code(), StatusCode::kPermissionDenied)
      << "a worker token reads nothing";
}

TEST_F(AccessControlTest, AVerifiedCertificateNamesItsUserByCnAndItsRoleByO) {
  testing::TestCertificates certs(dir_);
  auto access = Open();
  auto as = [&](const std::string& subject) {
    CallCredentials c;
    c.client_certificate = testing::ReadFile(certs.Client(subject).cert);
    return access->Authenticate(c);
  };
  auto vera = as("/CN=vera/O=viewer");
  ASSERT_TRUE(vera.ok()) << vera.status().ToString();
  EXPECT_EQ(vera->user, "vera");
  EXPECT_EQ(vera->role, derm::v1::VIEWER);
  EXPECT_EQ(vera->via, "client certificate");
  EXPECT_EQ(as("/CN=gpu-7/O=Derm Lab/O=WORKER")->role, derm::v1::WORKER) << "any case, beside other Os";
  const auto none = as("/CN=nobody/O=Derm Lab");
  EXPECT_EQ(none.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(none.status().message().find("names no derm role"), std::string::npos);
  EXPECT_EQ(as("/CN=two/O=viewer/O=admin").status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(as("/CN=bad name/O=viewer").status().code(), StatusCode::kUnauthenticated);
  // A token beats the certificate: the token's user is the caller.
  CallCredentials both = Bearer(Create(access.get(), "tok", derm::v1::EDITOR));
  both.client_certificate = testing::ReadFile(certs.Client("/CN=vera/O=viewer").cert);
  EXPECT_EQ(access->Authenticate(both)->user, "tok");
}

TEST_F(AccessControlTest, RefusalsAreAuditedUpToABurstThenAtTheRefillRate) {
  AccessOptions options;
  options.audit_burst = 3;
  options.audit_per_second = 1;
  auto access = Open(options);
  const Status why = Unauthenticated("the token was not accepted by the scheduler");
  int written = 0;
  for (int i = 0; i < 10; ++i) written += access->RecordRefusal(nullptr, "GetJob", why, "ipv4:10.1.2.3:4");
  EXPECT_EQ(written, 3);
  clock_.Advance(2000);  // two more rows' worth
  for (int i = 0; i < 10; ++i) written += access->RecordRefusal(nullptr, "GetJob", why, "ipv4:10.1.2.3:4");
  EXPECT_EQ(written, 5);
  const auto events = access->ListAuditEvents({}).value();
  ASSERT_EQ(events.size(), 5u);
  EXPECT_EQ(events[1].detail(),
            "the token was not accepted by the scheduler (7 earlier refusals not recorded: rate limit)");
  EXPECT_EQ(events[0].outcome(), "UNAUTHENTICATED");
  EXPECT_EQ(events[0].peer(), "ipv4:10.1.2.3:4");
  clock_.Advance(-60'000);  // the system clock set back a minute: no refill, and no debt either
  EXPECT_FALSE(access->RecordRefusal(nullptr, "GetJob", why, "ipv4:10.1.2.3:4"));
  clock_.Advance(60'000 + 1000);
  EXPECT_TRUE(access->RecordRefusal(nullptr, "GetJob", why, "ipv4:10.1.2.3:4"));
  written += 1;
  derm::v1::ListAuditEventsRequest page;
  page.set_limit(2);
  page.set_before_id(events[2].id());
  const auto older = access->ListAuditEvents(page).value();
  ASSERT_EQ(older.size(), 2u);
  EXPECT_EQ(older[0].id(), events[3].id());
  page.set_limit(10001);
  EXPECT_EQ(access->ListAuditEvents(page).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace derm::scheduler
