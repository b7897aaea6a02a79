#include "worker/worker_loop.h"

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <condition_variable>
#include <iostream>
#include <thread>

#include "common/grpc/channel.h"
#include "common/grpc/grpc_status.h"

namespace derm::worker {
namespace {

// Calls `rpc` until it succeeds or fails with something other than UNAVAILABLE (or the worker
// stops), backing off up to 5 s between tries.
template <typename Fn>
Status WithRetry(const std::atomic<bool>& stop, Fn rpc) {
  int64_t backoff_ms = 100;
  while (true) {
    Status st = rpc();
    if (st.code() != StatusCode::kUnavailable && st.code() != StatusCode::kDeadlineExceeded) return st;
    if (stop) return st;
    std::this_thread::sleep_for(std::chrono::milliseconds(backoff_ms));
    backoff_ms = std::min<int64_t>(backoff_ms * 2, 5000);
  }
}

// Sends a task's reports to the scheduler and runs the heartbeat thread for its lease.
class GrpcReporter final : public TaskReporter {
 public:
  GrpcReporter(derm::v1::WorkerService::StubInterface* stub, int64_t worker_id, std::string worker_key,
               int64_t attempt_id, int64_t heartbeat_ms, const std::atomic<bool>& stop, std::string token)
      : stub_(stub),
        worker_id_(worker_id),
        worker_key_(std::move(worker_key)),
        attempt_id_(attempt_id),
        stop_(stop),
        token_(std::move(token)) {
    heartbeat_ = std::thread([this, heartbeat_ms] {
      MutexLock lock(&mu_);
      while (!done_) {
        const auto next = std::chrono::steady_clock::now() + std::chrono::milliseconds(heartbeat_ms);
        while (!done_ && cv_.wait_until(lock.native(), next) == std::cv_status::no_timeout) {
        }
        if (done_) break;
        lock.Unlock();
        derm::v1::HeartbeatRequest req;
        req.set_worker_id(worker_id_);
        req.set_worker_key(worker_key_);
        req.set_attempt_id(attempt_id_);
        {
          MutexLock progress_lock(&progress_mu_);
          *req.mutable_progress() = progress_;
        }
        derm::v1::HeartbeatResponse resp;
        auto ctx = CallContext(5000, token_);
        grpc::Status st = stub_->Heartbeat(ctx.get(), req, &resp);
        if (st.ok() && resp.cancel()) cancelled_ = true;
        lock.Lock();
      }
    });
  }
  ~GrpcReporter() override {
    {
      MutexLock lock(&mu_);
      done_ = true;
    }
    cv_.notify_all();
    heartbeat_.join();
  }

  Status Facts(const derm::v1::RunFacts& facts) override {
    derm::v1::ReportFactsRequest req;
    Sign(&req);
    *req.mutable_facts() = facts;
    return Call([&](grpc::ClientContext* c, derm::v1::Ack* a) { return stub_->ReportFacts(c, req, a); });
  }
  StatusOr<derm::v1::ReportEpochResponse> Epoch(const derm::v1::EpochMetrics& metrics,
                                                const std::string& checkpoint) override {
    derm::v1::ReportEpochRequest req;
    Sign(&req);
    *req.mutable_metrics() = metrics;
    req.set_checkpoint(checkpoint);
    derm::v1::ReportEpochResponse response;
    DERM_RETURN_IF_ERROR(Call([&](grpc::ClientContext* c,
                                  derm::v1::ReportEpochResponse* r) { return stub_->ReportEpoch(c, req, r); },
                              &response));
    return response;
  }
  bool Cancelled() override { return cancelled_ || stop_; }
  void Progress(const derm::v1::Progress& progress) override {
    MutexLock lock(&progress_mu_);
    progress_ = progress;
  }

  // Names the attempt, and the worker with its key, on a report.
  template <typename Request>
  void Sign(Request* req) const {
    req->set_attempt_id(attempt_id_);
    req->set_worker_id(worker_id_);
    req->set_worker_key(worker_key_);
  }

  template <typename Fn>
  Status Call(Fn fn) {
    derm::v1::Ack ack;
    return Call(fn, &ack);
  }
  template <typename Fn, typename Response>
  Status Call(Fn fn, Response* response) {
    return WithRetry(stop_, [&] {
      auto ctx = CallContext(30000, token_);
      return FromGrpc(fn(ctx.get(), response));
    });
  }

 private:
  derm::v1::WorkerService::StubInterface* stub_;
  const int64_t worker_id_;
  const std::string worker_key_;
  const int64_t attempt_id_;
  const std::atomic<bool>& stop_;
  const std::string token_;
  std::atomic<bool> cancelled_{false};
  Mutex progress_mu_;
  derm::v1::Progress progress_ DERM_GUARDED_BY(progress_mu_);
  Mutex mu_;
  std::condition_variable cv_;
  bool done_ DERM_GUARDED_BY(mu_) = false;
  std::thread heartbeat_;
};

}  // namespace

StatusOr<std::unique_ptr<WorkerLoop>> WorkerLoop::Connect(WorkerOptions options) {
  DERM_ASSIGN_OR_RETURN(auto channel, OpenChannel(options.scheduler, options.tls));
  std::shared_ptr<derm::v1::WorkerService::StubInterface> stub = derm::v1::WorkerService::NewStub(channel);
  return std::make_unique<WorkerLoop>(std::move(options), std::move(stub));
}

WorkerLoop::WorkerLoop(WorkerOptions options, std::shared_ptr<derm::v1::WorkerService::StubInterface> stub)
    : options_(std::move(options)), stub_(std::move(stub)), runner_(options_.runner) {}

Status WorkerLoop::Register() {
  derm::v1::RegisterWorkerRequest req;
  req.set_name(options_.name);
  req.set_gpus(options_.gpus);
  req.set_memory_mb(options_.memory_mb);
  for (const auto& l : options_.labels) req.add_labels(l);
  req.set_device(options_.runner.device);
  req.set_cluster_job(options_.cluster_job);
  req.set_visible_gpus(options_.visible_gpus);
  derm::v1::RegisterWorkerResponse resp;
  DERM_RETURN_IF_ERROR(WithRetry(stop_, [&] {
    auto ctx = CallContext(10000, options_.token);
    return FromGrpc(stub_->RegisterWorker(ctx.get(), req, &resp));
  }));
  worker_id_ = resp.worker_id();
  worker_key_ = resp.worker_key();
  heartbeat_ms_ = resp.heartbeat_interval_ms();
  std::cerr << "derm-worker: registered as worker " << worker_id_ << " with " << options_.scheduler
            << std::endl;
  return Status::Ok();
}

void WorkerLoop::RunTask(const derm::v1::Task& task) {
  std::cerr << "derm-worker: job " << task.job_id() << " attempt " << task.attempt_id()
            << (task.resume_epoch() ? " resuming after epoch " + std::to_string(task.resume_epoch()) : "")
            << (task.spec().kind() == "infer" ? " shard " + std::to_string(task.shard()) : "") << std::endl;
  TaskOutcome outcome;
  {
    GrpcReporter reporter(stub_.get(), worker_id_, worker_key_, task.attempt_id(), heartbeat_ms_, stop_,
                          options_.token);
    outcome = runner_.Run(task, &reporter);
    if (outcome.status.ok()) {
      derm::v1::CompleteTaskRequest req;
      reporter.Sign(&req);
      *req.mutable_result() = std::move(outcome.result);
      *req.mutable_shard() = std::move(outcome.shard);
      outcome.status = reporter.Call(
          [&](grpc::ClientContext* c, derm::v1::Ack* a) { return stub_->CompleteTask(c, req, a); });
    } else if (outcome.status.code() != StatusCode::kFailedPrecondition &&
               (outcome.status.code() != StatusCode::kCancelled || stop_)) {
      // A failure, or this worker stopping (preempted: the job goes back to the queue at once).
      // Not when the scheduler cancelled or fenced the attempt: it already knows.
      derm::v1::FailTaskRequest req;
      reporter.Sign(&req);
      req.set_reason(stop_ ? "worker " + std::to_string(worker_id_) + " was told to stop during the attempt"
                           : outcome.status.message());
      req.set_retryable(stop_ || outcome.retryable);
      req.set_preempted(stop_);
      req.set_out_of_memory_backbone_batch(outcome.out_of_memory_backbone_batch);
      // When even FailTask cannot reach the scheduler, the lease expires and the job is retried.
      (void)reporter.Call(
          [&](grpc::ClientContext* c, derm::v1::Ack* a) { return stub_->FailTask(c, req, a); });
    }
  }
  std::cerr << "derm-worker: job " << task.job_id() << " attempt " << task.attempt_id() << ": "
            << outcome.status.ToString() << std::endl;
}

void WorkerLoop::Leave() {
  derm::v1::LeaveWorkerRequest req;
  req.set_worker_id(worker_id_);
  req.set_worker_key(worker_key_);
  derm::v1::Ack ack;
  auto ctx = CallContext(2000, options_.token);  // one try: when it fails, the scheduler marks it LOST later
  if (stub_->LeaveWorker(ctx.get(), req, &ack).ok())
    std::cerr << "derm-worker: left the scheduler" << std::endl;
}

void WorkerLoop::Stop() {
  stop_ = true;
  MutexLock lock(&poll_mu_);
  if (poll_) poll_->TryCancel();
}

Status WorkerLoop::Run() {
  DERM_RETURN_IF_ERROR(Register());
  int done = 0;
  while (!stop_ && (options_.max_tasks == 0 || done < options_.max_tasks)) {
    derm::v1::AcquireTaskRequest req;
    req.set_worker_id(worker_id_);
    req.set_worker_key(worker_key_);
    req.set_wait_ms(5000);
    derm::v1::AcquireTaskResponse resp;
    Status st = WithRetry(stop_, [&] {
      auto ctx = CallContext(15000, options_.token);
      {
        MutexLock lock(&poll_mu_);
        if (stop_) return Cancelled("stopping");
        poll_ = ctx.get();
      }
      grpc::Status result = stub_->AcquireTask(ctx.get(), req, &resp);
      MutexLock lock(&poll_mu_);
      poll_ = nullptr;
      return FromGrpc(result);
    });
    if (st.code() == StatusCode::kNotFound) {  // the scheduler restarted with a new database
      DERM_RETURN_IF_ERROR(Register());
      continue;
    }
    if (!st.ok()) {
      if (stop_) break;
      return st;
    }
    if (resp.drain()) {
      std::cerr << "derm-worker: drained by the scheduler, leaving" << std::endl;
      return Status::Ok();
    }
    if (!resp.has_task()) continue;
    RunTask(resp.task());
    ++done;
  }
  Leave();
  return Status::Ok();
}

}  // namespace derm::worker
