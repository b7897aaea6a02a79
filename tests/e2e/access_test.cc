// Access control through the real binaries: a TLS scheduler, tokens made with dermctl, a worker
// with a worker token, roles refusing what they may not do, revocation and the audit trail; an
// mTLS scheduler whose callers are named by their certificates; and the shared token of earlier
// versions.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "derm/v1/jobs.grpc.pb.h"
#include "tests/testing/cluster.h"
#include "tests/testing/test_certificates.h"

namespace derm {
namespace {

using testing::RunCommand;

std::string JobYaml(const testing::Cluster& cluster) {
  return "data: {train_dir: " + cluster.data("Train") +
         ", image_size: [32, 32]}\ntrain: {epochs: 1, batch_size: 4}\n";
}

TEST(AccessTest, ATlsSchedulerRunsAJobForAnEditorAndRefusesEveryoneElseTheirShare) {
  testing::TempDir dir;
  testing::Cluster cluster(dir);
  testing::TestCertificates certs(dir);
  const testing::KeyPair server = certs.Server("derm-scheduler");
  ASSERT_TRUE(cluster.StartScheduler({"--tls-cert", server.cert, "--tls-key", server.key}))
      << cluster.SchedulerLog();
  EXPECT_NE(cluster.SchedulerLog().find("serving TLS"), std::string::npos);
  auto dermctl = [&](const std::string& token_file, std::vector<std::string> args) {
    args.insert(args.begin(), {DERMCTL_BIN, "--server", cluster.address(), "--tls-ca", certs.ca(),
                               "--token-file", token_file});
    return RunCommand(args);
  };
  auto make_token = [&](const std::string& user, const std::string& role) {
    auto made = dermctl(cluster.admin_token_file(), {"token", "create", "--user", user, "--role", role});
    EXPECT_EQ(made.exit_code, 0) << made.err;
    const std::string file = dir.Join(user + ".token");
    testing::WriteFile(file, made.out);
    return file;
  };
  const std::string worker = make_token("gpu-pool", "worker"), bob = make_token("bob", "editor"),
                    vera = make_token("vera", "viewer");
  cluster.StartWorker({"--token-file", worker, "--tls-ca", certs.ca()});
  testing::WriteFile(dir.Join("job.yaml"), JobYaml(cluster));

  auto plaintext =
      RunCommand({DERMCTL_BIN, "--server", cluster.address(), "--token-file", bob, "list", "jobs"});
  EXPECT_EQ(plaintext.exit_code, 3) << "a TLS scheduler does not answer plaintext: " << plaintext.err;
  auto submitted = dermctl(bob, {"submit", dir.Join("job.yaml"), "--wait"});
  ASSERT_EQ(submitted.exit_code, 0) << submitted.err << cluster.WorkerLog(0);
  auto who = dermctl(vera, {"whoami"});
  EXPECT_EQ(who.out, "vera (viewer, by token 4)\n");
  auto listed = dermctl(vera, {"list", "jobs", "-o", "csv"});
  EXPECT_NE(listed.out.find(",SUCCEEDED,"), std::string::npos) << listed.out;
  EXPECT_NE(listed.out.find(",bob,"), std::string::npos) << "who submitted it: " << listed.out;
  auto denied = dermctl(vera, {"submit", dir.Join("job.yaml")});
  EXPECT_EQ(denied.exit_code, 4);
  EXPECT_EQ(
      denied.err,
      "dermctl: vera (viewer) may not call SubmitJob: it needs the permission 'submit' (editor or admin)\n");
  EXPECT_EQ(dermctl(worker, {"list", "runs"}).exit_code, 4) << "a worker token reads nothing";
  EXPECT_EQ(dermctl(bob, {"token", "list"}).exit_code, 4) << "only admins manage tokens";
  EXPECT_EQ(dermctl(bob, {"workers", "drain", "1"}).exit_code, 4) << "only admins drain workers";

  auto revoked = dermctl(cluster.admin_token_file(), {"token", "revoke", "4"});
  EXPECT_EQ(revoked.exit_code, 0) << revoked.err;
  auto after = dermctl(vera, {"list", "jobs"});
  EXPECT_EQ(after.exit_code, 4);
  EXPECT_EQ(after.err, "dermctl: token 4 was revoked\n");
  auto audit = dermctl(cluster.admin_token_file(), {"events", "--audit", "-o", "csv"});
  ASSERT_EQ(audit.exit_code, 0) << audit.err;
  EXPECT_NE(audit.out.find(",vera,SubmitJob,PERMISSION_DENIED,"), std::string::npos) << audit.out;
  EXPECT_NE(audit.out.find(",admin,token.revoke,OK,"), std::string::npos) << audit.out;
  EXPECT_NE(audit.out.find(",,ListJobs,UNAUTHENTICATED,"), std::string::npos) << "the revoked token's call";
}

TEST(AccessTest, AnMtlsSchedulerNamesWorkersAndPeopleByTheirCertificates) {
  testing::TempDir dir;
  testing::Cluster cluster(dir);
  testing::TestCertificates certs(dir);
  const testing::KeyPair server = certs.Server("derm-scheduler");
  ASSERT_TRUE(cluster.StartScheduler(
      {"--tls-cert", server.cert, "--tls-key", server.key, "--tls-client-ca", certs.ca()}))
      << cluster.SchedulerLog();
  const testing::KeyPair ops = certs.Client("/CN=ops/O=admin"), gpu = certs.Client("/CN=gpu-1/O=worker"),
                         laptop = certs.Client("/CN=laptop-17/O=Derm Lab");
  // The worker has no token at all: its certificate says who it is.
  cluster.StartWorker(
      {"--token-file", "", "--tls-ca", certs.ca(), "--tls-cert", gpu.cert, "--tls-key", gpu.key});
  auto as = [&](const testing::KeyPair& cert, std::vector<std::string> args) {
    args.insert(args.begin(), {DERMCTL_BIN, "--server", cluster.address(), "--tls-ca", certs.ca(),
                               "--tls-cert", cert.cert, "--tls-key", cert.key});
    return RunCommand(args);
  };
  EXPECT_EQ(as(ops, {"whoami"}).out, "ops (admin, by client certificate)\n");
  auto no_cert = RunCommand({DERMCTL_BIN, "--server", cluster.address(), "--tls-ca", certs.ca(),
                             "--token-file", cluster.admin_token_file(), "whoami"});
  EXPECT_EQ(no_cert.exit_code, 3) << "no client certificate, no connection, even with a token";
  auto no_role = as(laptop, {"whoami"});
  EXPECT_EQ(no_role.exit_code, 4);
  EXPECT_NE(no_role.err.find("names no derm role"), std::string::npos) << no_role.err;

  // A person's laptop certificate opens the connection; their token says who they are.
  auto made = as(ops, {"token", "create", "--user", "bob", "--role", "editor", "--expires", "1d"});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  testing::WriteFile(dir.Join("bob.token"), made.out);
  testing::WriteFile(dir.Join("job.yaml"), JobYaml(cluster));
  auto submitted =
      as(laptop, {"--token-file", dir.Join("bob.token"), "submit", dir.Join("job.yaml"), "--wait"});
  ASSERT_EQ(submitted.exit_code, 0) << submitted.err << cluster.WorkerLog(0);
  auto workers = as(ops, {"list", "workers", "-o", "csv"});
  EXPECT_NE(workers.out.find(",gpu-1\n"), std::string::npos)
      << "registered by its certificate: " << workers.out;
}

TEST(AccessTest, OptionsThatCannotWorkAreRefusedBeforeTheDatabaseOrATokenIsWritten) {
  testing::TempDir dir;
  for (const std::vector<std::string>& flags :
       {std::vector<std::string>{"--listen", "0.0.0.0:0"},
        std::vector<std::string>{"--listen", "127.0.0.1:0", "--tls-cert", dir.Join("missing.pem"),
                                 "--tls-key", dir.Join("missing.key")}}) {
    std::vector<std::string> argv = {DERM_SCHEDULER_BIN, "--db", dir.Join("r.db")};
    argv.insert(argv.end(), flags.begin(), flags.end());
    auto r = RunCommand(argv);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find(flags[2 % flags.size()] == "--tls-cert" ? "missing.pem" : "--insecure"),
              std::string::npos)
        << r.err;
    EXPECT_FALSE(std::filesystem::exists(dir.Join("r.db"))) << r.err;
    EXPECT_FALSE(std::filesystem::exists(dir.Join("r.db.admin-token")));
  }
}

TEST(SecurityTest, TokenProtectedSchedulerRefusesCallsWithoutTheToken) {
  testing::TempDir dir;
  testing::Cluster cluster(dir);
  testing::WriteFile(dir.Join("token"), "s3cret-token\n");
  ASSERT_TRUE(cluster.StartScheduler({"--auth-token-file", dir.Join("token")})) << cluster.SchedulerLog();
  cluster.StartWorker({"--token-file", dir.Join("token")});  // the shared token may work too
  testing::WriteFile(dir.Join("job.yaml"),
                     "data: {train_dir: " + cluster.data("Train") +
                         ", image_size: [32, 32]}\ntrain: {epochs: 1, batch_size: 4}\n");
  auto no_token = RunCommand({DERMCTL_BIN, "--server", cluster.address(), "submit", dir.Join("job.yaml")});
  EXPECT_EQ(no_token.exit_code, 4);
  EXPECT_EQ(
      no_token.err,
      "dermctl: this scheduler requires a token: pass --token-file or set DERM_TOKEN (a new database's admin "
      "token is written beside it; docs/security.md)\n");
  testing::WriteFile(dir.Join("wrong"), "guess");
  auto wrong = RunCommand(
      {DERMCTL_BIN, "--server", cluster.address(), "--token-file", dir.Join("wrong"), "list", "jobs"});
  EXPECT_EQ(wrong.err, "dermctl: the token was not accepted by the scheduler\n");
  auto ok = RunCommand({DERMCTL_BIN, "--server", cluster.address(), "--token-file", dir.Join("token"),
                        "submit", dir.Join("job.yaml"), "--wait"});
  EXPECT_EQ(ok.exit_code, 0) << ok.err << cluster.WorkerLog(0);
  // Raw gRPC without metadata is refused too, with the canonical code.
  grpc::ClientContext ctx;
  derm::v1::Job job;
  derm::v1::GetJobRequest req;
  req.set_id(1);
  EXPECT_EQ(cluster.jobs()->GetJob(&ctx, req, &job).error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

}  // namespace
}  // namespace derm
