// Cluster: derm-scheduler and derm-worker as real processes for process-level tests: the
// scheduler on port 0 (its "listening on" line gives the address), any number of workers, and a
// JobService stub. Calls made through the cluster carry the admin token (the new database's
// bootstrap token, or --auth-token-file's); workers get a worker token the cluster creates.
// Binaries come from the DERM_*_BIN compile definitions of the test target.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "derm/v1/access.grpc.pb.h"
#include "derm/v1/jobs.grpc.pb.h"
#include "store/sqlite.h"
#include "tests/testing/http_client.h"
#include "tests/testing/subprocess.h"
#include "tests/testing/temp_dir.h"

namespace derm::testing {

class Cluster {
 public:
  // Creates the demo data (3 classes, 32 px) under dir/data; starts nothing.
  explicit Cluster(const TempDir& dir, int train_per_class = 5);
  ~Cluster();

  // Starts the scheduler on `listen` (default port 0) with extra flags; false if it did not start.
  bool StartScheduler(const std::vector<std::string>& flags = {}, const std::string& listen = "127.0.0.1:0");
  void KillScheduler(int sig);  // signal and reap
  // Starts a worker (with a worker token unless `flags` name --token-file); returns its index.
  size_t StartWorker(const std::vector<std::string>& flags = {});

  // The file holding the admin token, for dermctl --token-file.
  const std::string& admin_token_file() const { return admin_token_file_; }
  // Adds the admin token to a call.
  void Auth(grpc::ClientContext* ctx) const;
  // A new token for `user` with `role` ("viewer", ...), written to a file in the test's folder;
  // returns the file ("" and a test failure when the scheduler refused).
  std::string CreateTokenFile(const std::string& user, const std::string& role);
  Subprocess& worker(size_t i) { return *workers_.at(i); }

  const std::string& address() const { return address_; }
  // HOST:PORT of /metrics and /healthz when started with --http-listen.
  const std::string& http_address() const { return http_address_; }
  std::string db() const { return dir_.Join("results.db"); }
  // The scheduler's --export-dir, where infer.output_csv files go.
  std::string exports() const { return dir_.Join("exports"); }
  std::string data(const std::string& split) const { return dir_.Join("data/" + split); }
  derm::v1::JobService::Stub* jobs() { return stub_.get(); }
  std::string SchedulerLog() const { return ReadFile(dir_.Join("scheduler.log")); }
  std::string WorkerLog(size_t i) const { return ReadFile(dir_.Join("worker" + std::to_string(i) + ".log")); }

  // A small valid training spec over the demo data.
  derm::v1::JobSpec TinySpec(int epochs) const;
  // Submits over gRPC; returns the job (id 0 on failure).
  derm::v1::Job Submit(const derm::v1::JobSpec& spec);
  // Follows the job's WatchJob stream; calls `on_event` for each event; returns the last state
  // (the state reached so far when `timeout_s` > 0 runs out first).
  derm::v1::JobState Follow(int64_t job_id,
                            const std::function<void(const derm::v1::JobEvent&)>& on_event = {},
                            int timeout_s = 0);

 private:
  const TempDir& dir_;
  std::unique_ptr<Subprocess> scheduler_;
  std::vector<std::unique_ptr<Subprocess>> workers_;
  std::string address_, http_address_;
  std::string admin_token_file_, admin_token_, worker_token_file_;
  std::unique_ptr<derm::v1::JobService::Stub> stub_;
};

// The first column of the first row of `sql` (0 and a test failure when there is none).
int64_t QueryInt(store::Database* db, const std::string& sql);
std::string QueryText(store::Database* db, const std::string& sql);

}  // namespace derm::testing
