#include "tests/testing/cluster.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <csignal>
#include <filesystem>

#include "common/strings.h"
#include "tests/testing/tiny_dataset.h"

namespace derm::testing {

Cluster::Cluster(const TempDir& dir, int train_per_class) : dir_(dir) {
  if (Status st =
          WriteTinyDataset(dir_.Join("data"), /*classes=*/3, train_per_class, /*test=*/1, /*size=*/32);
      !st.ok())
    throw std::runtime_error(st.ToString());
}

Cluster::~Cluster() {
  for (auto& w : workers_) {
    w->Signal(SIGTERM);
    w->Wait();
  }
  stub_.reset();  // an open client channel would hold the scheduler's graceful shutdown
  if (scheduler_) {
    scheduler_->Signal(SIGTERM);
    scheduler_->Wait();
  }
}

bool Cluster::StartScheduler(const std::vector<std::string>& flags, const std::string& listen) {
  std::filesystem::create_directories(exports());
  std::vector<std::string> argv = {DERM_SCHEDULER_BIN, "--db", db(),           "--listen", listen,
                                   "--heartbeat-ms",   "200",  "--export-dir", exports()};
  argv.insert(argv.end(), flags.begin(), flags.end());
  scheduler_ = std::make_unique<Subprocess>(argv, dir_.Join("scheduler.log"));
  std::string line;
  const std::string prefix = "derm-scheduler listening on ";
  if (!scheduler_->ReadLine(&line) || line.rfind(prefix, 0) != 0) return false;
  address_ = line.substr(prefix.size());
  if (std::find(flags.begin(), flags.end(), "--http-listen") != flags.end()) {
    const std::string http_prefix = "derm-scheduler http on ";
    if (!scheduler_->ReadLine(&line) || line.rfind(http_prefix, 0) != 0) return false;
    http_address_ = line.substr(http_prefix.size());
  }
  stub_ = derm::v1::JobService::NewStub(grpc::CreateChannel(address_, grpc::InsecureChannelCredentials()));
  auto shared = std::find(flags.begin(), flags.end(), "--auth-token-file");
  admin_token_file_ =
      shared != flags.end() && shared + 1 != flags.end() ? *(shared + 1) : db() + ".admin-token";
  admin_token_ = ReadFile(admin_token_file_);
  while (!admin_token_.empty() && std::isspace(static_cast<unsigned char>(admin_token_.back())))
    admin_token_.pop_back();
  return !admin_token_.empty();
}

void Cluster::Auth(grpc::ClientContext* ctx) const {
  ctx->AddMetadata("authorization", "Bearer " + admin_token_);
}

std::string Cluster::CreateTokenFile(const std::string& user, const std::string& role) {
  auto access =
      derm::v1::AccessService::NewStub(grpc::CreateChannel(address_, grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  Auth(&ctx);
  derm::v1::CreateTokenRequest req;
  req.set_user(user);
  derm::v1::Role r = derm::v1::ROLE_UNSPECIFIED;
  derm::v1::Role_Parse(AsciiUpper(role), &r);
  req.set_role(r);
  derm::v1::CreateTokenResponse resp;
  const grpc::Status st = access->CreateToken(&ctx, req, &resp);
  EXPECT_TRUE(st.ok()) << st.error_message();
  if (!st.ok()) return "";
  const std::string file = dir_.Join(user + ".token");
  WriteFile(file, resp.secret() + "\n");
  return file;
}

void Cluster::KillScheduler(int sig) {
  scheduler_->Signal(sig);
  scheduler_->Wait();
}

size_t Cluster::StartWorker(const std::vector<std::string>& flags) {
  const size_t i = workers_.size();
  // Workers read only the test's own folder, as a shared cluster's would read only its data.
  std::vector<std::string> argv = {DERM_WORKER_BIN, "--scheduler", address_, "--threads", "2",
                                   "--data-root",   dir_.path()};
  if (std::find(flags.begin(), flags.end(), "--token-file") == flags.end()) {
    if (worker_token_file_.empty()) worker_token_file_ = CreateTokenFile("cluster-worker", "worker");
    argv.insert(argv.end(), {"--token-file", worker_token_file_});
  }
  argv.insert(argv.end(), flags.begin(), flags.end());
  workers_.push_back(std::make_unique<Subprocess>(argv, dir_.Join("worker" + std::to_string(i) + ".log")));
  return i;
}

derm::v1::JobSpec Cluster::TinySpec(int epochs) const {
  derm::v1::JobSpec spec;
  spec.set_name("tiny");
  spec.mutable_data()->set_train_dir(data("Train"));
  spec.mutable_data()->set_test_dir(data("Test"));
  spec.mutable_data()->add_image_size(32);
  spec.mutable_data()->add_image_size(32);
  spec.mutable_train()->set_epochs(epochs);
  spec.mutable_train()->set_batch_size(4);
  return spec;
}

derm::v1::Job Cluster::Submit(const derm::v1::JobSpec& spec) {
  grpc::ClientContext ctx;
  Auth(&ctx);
  derm::v1::SubmitJobRequest req;
  *req.mutable_spec() = spec;
  derm::v1::SubmitJobResponse resp;
  if (!stub_->SubmitJob(&ctx, req, &resp).ok()) return {};
  return resp.job();
}

derm::v1::JobState Cluster::Follow(int64_t job_id,
                                   const std::function<void(const derm::v1::JobEvent&)>& on_event,
                                   int timeout_s) {
  grpc::ClientContext ctx;
  Auth(&ctx);
  if (timeout_s > 0) ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(timeout_s));
  derm::v1::WatchJobRequest req;
  req.set_id(job_id);
  auto reader = stub_->WatchJob(&ctx, req);
  derm::v1::JobEvent ev;
  derm::v1::JobState last = derm::v1::JOB_STATE_UNSPECIFIED;
  while (reader->Read(&ev)) {
    if (!ev.has_epoch()) last = ev.state();
    if (on_event) on_event(ev);
  }
  reader->Finish();
  return last;
}

int64_t QueryInt(store::Database* db, const std::string& sql) {
  auto s = db->Prepare(sql);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  if (!s.ok()) return 0;
  auto row = s->Step();
  EXPECT_TRUE(row.ok() && *row) << sql;
  return row.ok() && *row ? s->Int(0) : 0;
}

std::string QueryText(store::Database* db, const std::string& sql) {
  auto s = db->Prepare(sql);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  if (!s.ok()) return "";
  auto row = s->Step();
  EXPECT_TRUE(row.ok() && *row) << sql;
  return row.ok() && *row ? s->Text(0) : "";
}

}  // namespace derm::testing
