// TLS and mTLS on the scheduler's gRPC port, with throwaway certificates openssl makes in the
// test: who can connect, who a client certificate says the caller is, files that cannot be used,
// certificates replaced without a restart, and plaintext beyond loopback.
#include "common/grpc/tls.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "derm/v1/access.grpc.pb.h"
#include "derm/v1/jobs.grpc.pb.h"
#include "derm/v1/workers.grpc.pb.h"
#include "tests/scheduler/raw_call.h"
#include "tests/scheduler/server_fixture.h"
#include "tests/testing/test_certificates.h"

namespace derm::scheduler {
namespace {

class TlsTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    certs_ = std::make_unique<testing::TestCertificates>(dir_);
    server_cert_ = certs_->Server("derm-scheduler");
  }
  void ServeTls(bool mutual, unsigned refresh_seconds = 10) {
    ServerOptions options;
    options.tls.cert = server_cert_.cert;
    options.tls.key = server_cert_.key;
    options.tls.refresh_seconds = refresh_seconds;
    if (mutual) options.tls.ca = certs_->ca();
    StartServer(options);
  }
  // A channel trusting `ca`, presenting `client` when given.
  std::shared_ptr<grpc::Channel> TlsChannel(const std::string& ca, const testing::KeyPair& client = {}) {
    TlsFiles files;
    files.ca = ca;
    files.cert = client.cert;
    files.key = client.key;
    auto credentials = TlsChannelCredentials(files);
    EXPECT_TRUE(credentials.ok()) << credentials.status().ToString();
    return Channel(*credentials);
  }
  // WhoAmI over `channel` with `secret` ("" : none).
  grpc::Status WhoAmI(const std::shared_ptr<grpc::Channel>& channel, const std::string& secret,
                      derm::v1::WhoAmIResponse* me = nullptr) {
    derm::v1::WhoAmIResponse ignored;
    return derm::v1::AccessService::NewStub(channel)->WhoAmI(Call(secret).get(), {}, me ? me : &ignored);
  }

  std::unique_ptr<testing::TestCertificates> certs_;
  testing::KeyPair server_cert_;
};

TEST_F(TlsTest, OnlyClientsThatVerifyTheSchedulersCertificateAndNameConnect) {
  ServeTls(/*mutual=*/false);
  const std::string viewer = Token("vera", derm::v1::VIEWER);
  derm::v1::WhoAmIResponse me;
  const grpc::Status ok = WhoAmI(TlsChannel(certs_->ca()), viewer, &me);
  ASSERT_TRUE(ok.ok()) << ok.error_message();
  EXPECT_EQ(me.user(), "vera");
  EXPECT_EQ(WhoAmI(TlsChannel(certs_->ca()), "").error_code(), grpc::StatusCode::UNAUTHENTICATED)
      << "TLS alone identifies nobody without mTLS";
  EXPECT_EQ(WhoAmI(Channel(), viewer).error_code(), grpc::StatusCode::UNAVAILABLE) << "plaintext";
  testing::TempDir other_dir;
  testing::TestCertificates other(other_dir, "other-ca");
  EXPECT_EQ(WhoAmI(TlsChannel(other.ca()), viewer).error_code(), grpc::StatusCode::UNAVAILABLE)
      << "another CA";
  // The right CA, but a certificate for another name: the client refuses it.
  server_cert_ = certs_->Server("elsewhere", "DNS:elsewhere.example");
  ServeTls(/*mutual=*/false);
  EXPECT_EQ(WhoAmI(TlsChannel(certs_->ca()), viewer).error_code(), grpc::StatusCode::UNAVAILABLE)
      << "the name dialled (127.0.0.1) is not in the certificate";
}

// Kubernetes' grpc probes speak plaintext without tokens: --health-listen serves the health
// service alone, so nothing else is reachable there.
TEST_F(TlsTest, TheHealthPortAnswersProbesInPlaintextAndServesNothingElse) {
  ServerOptions options;
  options.tls.cert = server_cert_.cert;
  options.tls.key = server_cert_.key;
  options.health_listen = "127.0.0.1:0";
  StartServer(options);
  ASSERT_FALSE(server_->health_address().empty());
  auto health = grpc::CreateChannel(server_->health_address(), grpc::InsecureChannelCredentials());
  std::vector<std::string> answers;
  const grpc::Status status = CallRaw(health, "/grpc.health.v1.Health/Check", "", "", &answers);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(answers.size(), 1u);
  EXPECT_EQ(answers[0], std::string("\x08\x01", 2)) << "status: SERVING";
  derm::v1::WhoAmIResponse me;
  EXPECT_EQ(derm::v1::AccessService::NewStub(health)
                ->WhoAmI(Call(Token("vera", derm::v1::VIEWER)).get(), {}, &me)
                .error_code(),
            grpc::StatusCode::UNIMPLEMENTED);
  EXPECT_EQ(WhoAmI(Channel(), "").error_code(), grpc::StatusCode::UNAVAILABLE) << "the main port stays TLS";
}

TEST_F(TlsTest, MutualTlsRefusesClientsWithoutACertificateAndNamesCallersByTheirs) {
  ServeTls(/*mutual=*/true);
  const std::string viewer = Token("vera", derm::v1::VIEWER);
  EXPECT_EQ(WhoAmI(TlsChannel(certs_->ca()), viewer).error_code(), grpc::StatusCode::UNAVAILABLE)
      << "no client certificate: no connection, token or not";
  testing::TempDir other_dir;
  testing::TestCertificates other(other_dir, "other-ca");
  EXPECT_EQ(WhoAmI(TlsChannel(certs_->ca(), other.Client("/CN=eve/O=admin")), "").error_code(),
            grpc::StatusCode::UNAVAILABLE)
      << "a client certificate from another CA";

  auto as_viewer = TlsChannel(certs_->ca(), certs_->Client("/CN=vic/O=viewer"));
  derm::v1::WhoAmIResponse me;
  ASSERT_TRUE(WhoAmI(as_viewer, "", &me).ok());
  EXPECT_EQ(me.user(), "vic");
  EXPECT_EQ(me.role(), derm::v1::VIEWER);
  EXPECT_EQ(me.via(), "client certificate");
  auto jobs = derm::v1::JobService::NewStub(as_viewer);
  derm::v1::GetJobRequest get;
  get.set_id(1);
  derm::v1::Job job;
  EXPECT_EQ(jobs->GetJob(Call("").get(), get, &job).error_code(), grpc::StatusCode::NOT_FOUND) << "may read";
  derm::v1::SubmitJobResponse submitted;
  EXPECT_EQ(jobs->SubmitJob(Call("").get(), {}, &submitted).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(WhoAmI(as_viewer, Token("ed", derm::v1::EDITOR), &me).ok());
  EXPECT_EQ(me.user(), "ed") << "a token names the caller over the certificate";

  auto as_worker = TlsChannel(certs_->ca(), certs_->Client("/CN=gpu-7/O=worker"));
  derm::v1::RegisterWorkerResponse registered;
  ASSERT_TRUE(
      derm::v1::WorkerService::NewStub(as_worker)->RegisterWorker(Call("").get(), {}, &registered).ok());
  EXPECT_EQ(scheduler_->reads().ListWorkers()->front().registered_by(), "gpu-7");

  auto no_role = TlsChannel(certs_->ca(), certs_->Client("/CN=nobody/O=Derm Lab"));
  const grpc::Status refused = WhoAmI(no_role, "");
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_NE(refused.error_message().find("names no derm role"), std::string::npos) << refused.error_message();
}

TEST_F(TlsTest, ReplacedServerCertificatesAreServedWithoutARestart) {
  ServeTls(/*mutual=*/false, /*refresh_seconds=*/1);
  const std::string viewer = Token("vera", derm::v1::VIEWER);
  auto served_name = [&] {
    auto ctx = Call(viewer);
    derm::v1::WhoAmIResponse me;
    auto channel =
        grpc::CreateCustomChannel(server_->address(), *TlsChannelCredentials({"", "", certs_->ca()}),
                                  grpc::ChannelArguments());  // a new connection
    if (!derm::v1::AccessService::NewStub(channel)->WhoAmI(ctx.get(), {}, &me).ok())
      return std::string("error");
    const auto cn = ctx->auth_context()->FindPropertyValues("x509_common_name");
    return cn.empty() ? std::string("none") : std::string(cn.front().data(), cn.front().size());
  };
  ASSERT_EQ(served_name(), "derm-scheduler");
  // The operator writes the new files beside the old and renames them into place.
  const testing::KeyPair next = certs_->Server("derm-scheduler-2027");
  std::filesystem::rename(next.key, server_cert_.key);
  std::filesystem::rename(next.cert, server_cert_.cert);
  // gRPC's watcher re-reads the files every second; give it a generous bound, not a fixed wait.
  std::string name;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while ((name = served_name()) != "derm-scheduler-2027" && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(name, "derm-scheduler-2027");
}

TEST_F(TlsTest, PlaintextBeyondLoopbackNeedsInsecureAndUnusableFilesAreNamed) {
  ServerOptions options;
  options.listen = "0.0.0.0:0";
  const auto refused = SchedulerServer::Start(scheduler_.get(), access_.get(), options);
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("serve TLS (--tls-cert, --tls-key), or pass --insecure"),
            std::string::npos)
      << refused.status().message();
  options.insecure = true;
  auto insecure = SchedulerServer::Start(scheduler_.get(), access_.get(), options);
  ASSERT_TRUE(insecure.ok()) << insecure.status().ToString();
  (*insecure)->Shutdown(std::chrono::system_clock::now());

  options.insecure = false;
  options.tls.cert = server_cert_.cert;
  options.tls.key = dir_.Join("missing.key");
  auto missing = SchedulerServer::Start(scheduler_.get(), access_.get(), options);
  EXPECT_EQ(missing.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(missing.status().message().find(dir_.Join("missing.key")), std::string::npos);
  options.tls.key = certs_->Client("/CN=x/O=viewer").key;  // a key of another certificate
  auto mismatched = SchedulerServer::Start(scheduler_.get(), access_.get(), options);
  EXPECT_EQ(mismatched.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(mismatched.status().message().find("does not match"), std::string::npos)
      << mismatched.status().message();
  options.tls.key = server_cert_.key;
  options.tls.ca = dir_.Join("nothing.pem");
  EXPECT_EQ(SchedulerServer::Start(scheduler_.get(), access_.get(), options).status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace derm::scheduler
