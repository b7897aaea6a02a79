// WorkerLoop: derm-worker's life: register with the scheduler, long-poll for tasks, run each with
// a TaskRunner while a heartbeat thread keeps the lease alive (and learns of cancellation), and
// report the outcome. Network errors are retried with backoff; the loop never gives up a task's
// result silently.
// Thread-safety: Run() on one thread; Stop() from any thread.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "common/grpc/tls.h"
#include "common/mutex.h"
#include "derm/v1/workers.grpc.pb.h"
#include "worker/task_runner.h"

namespace derm::worker {

struct WorkerOptions {
  std::string scheduler = "127.0.0.1:50051";
  std::string name;
  int gpus = 0;
  int64_t memory_mb = 0;
  std::vector<std::string> labels;
  std::string cluster_job;   // e.g. "slurm:4711": the batch job running this worker
  std::string visible_gpus;  // $CUDA_VISIBLE_DEVICES, reported for listings
  int max_tasks = 0;         // exit after this many tasks; 0 = run until stopped
  std::string token;         // a worker token (or the shared --auth-token-file token)
  TlsFiles tls;              // ca: verify the scheduler; cert + key: mTLS; none: plaintext
  RunnerOptions runner;
};

class WorkerLoop {
 public:
  // Talks to options.scheduler (over TLS when options.tls says so). INVALID_ARGUMENT naming a TLS
  // file that cannot be used.
  static StatusOr<std::unique_ptr<WorkerLoop>> Connect(WorkerOptions options);
  // Talks through `stub` instead (tests: a gMock stub).
  WorkerLoop(WorkerOptions options, std::shared_ptr<derm::v1::WorkerService::StubInterface> stub);
  // Returns when stopped or after max_tasks; non-OK when the scheduler refuses the worker.
  Status Run();
  // Makes Run() return soon: cancels a pending long-poll; a running task stops within a batch
  // and its job goes back to the queue at once (PREEMPTED), to resume from its last epoch.
  void Stop();

 private:
  Status Register();
  void RunTask(const derm::v1::Task& task);
  // Tells the scheduler this worker exits (GONE at once); best effort.
  void Leave();

  WorkerOptions options_;
  std::shared_ptr<derm::v1::WorkerService::StubInterface> stub_;
  TaskRunner runner_;
  int64_t worker_id_ = 0;
  std::string worker_key_;  // from RegisterWorker; sent with every later call
  int64_t heartbeat_ms_ = 2000;
  std::atomic<bool> stop_{false};
  Mutex poll_mu_;
  grpc::ClientContext* poll_ DERM_GUARDED_BY(poll_mu_) = nullptr;  // the pending AcquireTask call
};

}  // namespace derm::worker
