// derm-scheduler-bench: the scheduler's figures from issue 4, measured with a real gRPC server on
// loopback, a real SQLite file and simulated workers (no training). Prints one JSON line.
//   derm-scheduler-bench [--dir /tmp/bench] [--submits 4000] [--workers 200] [--runs 10000]
#include <grpcpp/grpcpp.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/grpc/auth.h"
#include "common/parse_number.h"
#include "common/spec/spec_rules.h"
#include "common/strings.h"
#include "scheduler/scheduler_server.h"

namespace {

using Clock = std::chrono::steady_clock;
using derm::v1::JobService;
using derm::v1::WorkerService;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

long RssKb() {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmRSS:", 0) != 0) continue;
    const std::string value = derm::Trim(std::string_view(line).substr(6));  // "123456 kB"
    return derm::ParseInt64(value.substr(0, value.find(' '))).value_or(0);
  }
  return 0;
}

derm::v1::JobSpec Spec(int i) {
  derm::v1::JobSpec spec;
  spec.set_name("bench-" + std::to_string(i));
  spec.mutable_data()->set_train_dir("/data/Train");
  spec.mutable_train()->set_epochs(1000);
  spec.mutable_train()->set_learning_rate(0.001 * (1 + i % 10));
  return spec;
}

// Every call authenticates as derm-scheduler's do, with the shared --auth-token-file token.
constexpr char kToken[] = "bench-token";
void Auth(grpc::ClientContext* ctx) { ctx->AddMetadata(derm::kAuthMetadataKey, derm::BearerValue(kToken)); }

// The scheduler's own gRPC server (services, CallGuard, access control) on loopback.
struct Server {
  explicit Server(const std::string& db) {
    auto store = derm::store::Store::Open(db).value();
    derm::scheduler::SchedulerOptions o;
    o.lease_timeout_ms = 600000;
    scheduler = std::make_unique<derm::scheduler::Scheduler>(std::move(store), &clock, o);
    derm::scheduler::AccessOptions access_options;
    access_options.shared_token = kToken;
    access = derm::scheduler::AccessControl::Open(db, &clock, access_options).value();
    derm::scheduler::ServerOptions server_options;
    server_options.listen = "127.0.0.1:0";
    server = derm::scheduler::SchedulerServer::Start(scheduler.get(), access.get(), server_options).value();
    address = server->address();
  }
  ~Server() {
    scheduler->Shutdown();
    server->Shutdown(std::chrono::system_clock::now() + std::chrono::milliseconds(200));
  }
  derm::SystemClock clock;
  std::unique_ptr<derm::scheduler::Scheduler> scheduler;
  std::unique_ptr<derm::scheduler::AccessControl> access;
  std::unique_ptr<derm::scheduler::SchedulerServer> server;
  std::string address;
};

int Arg(int argc, char** argv, const char* name, int def) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], name) != 0) continue;
    const auto n = derm::ParseInt64(argv[i + 1]);
    if (!n || *n < 0 || *n > INT32_MAX) {
      std::fprintf(stderr, "%s needs a whole number, got '%s'\n", name, argv[i + 1]);
      std::exit(2);
    }
    return static_cast<int>(*n);
  }
  return def;
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir = "/tmp/derm-scheduler-bench";
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--dir") == 0) dir = argv[i + 1];
  }
  const int submits = Arg(argc, argv, "--submits", 4000);
  const int n_workers = Arg(argc, argv, "--workers", 200);
  const int n_runs = Arg(argc, argv, "--runs", 10000);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);

  // 1. Durable submissions/s: 8 client threads, each SubmitJob acknowledged after commit.
  double submit_rate = 0;
  long rss_queued_kb = 0;
  {
    Server s(dir + "/submit.db");
    std::atomic<int> next{0};
    const auto t0 = Clock::now();
    std::vector<std::thread> clients;
    for (int c = 0; c < 8; ++c) {
      clients.emplace_back([&] {
        auto stub = JobService::NewStub(grpc::CreateChannel(s.address, grpc::InsecureChannelCredentials()));
        for (int i; (i = next++) < submits;) {
          grpc::ClientContext ctx;
          Auth(&ctx);
          derm::v1::SubmitJobRequest req;
          *req.mutable_spec() = Spec(i);
          derm::v1::SubmitJobResponse resp;
          if (!stub->SubmitJob(&ctx, req, &resp).ok()) std::abort();
        }
      });
    }
    for (auto& t : clients) t.join();
    submit_rate = submits / Seconds(t0);
  }

  // 2. RSS with n_runs queued jobs (a fresh server, in this process).
  {
    const long before = RssKb();
    Server s(dir + "/queued.db");
    auto stub = JobService::NewStub(grpc::CreateChannel(s.address, grpc::InsecureChannelCredentials()));
    for (int i = 0; i < n_runs; ++i) {
      grpc::ClientContext ctx;
      Auth(&ctx);
      derm::v1::SubmitJobRequest req;
      *req.mutable_spec() = Spec(i);
      derm::v1::SubmitJobResponse resp;
      if (!stub->SubmitJob(&ctx, req, &resp).ok()) std::abort();
    }
    rss_queued_kb = RssKb() - before;

    // 3. Listing runs with a filter, 10,000 runs in the database (first page of 50).
    derm::v1::ListRunsRequest list;
    list.set_filter("params.train.learning_rate >= 0.005 AND state = QUEUED");
    list.set_order_by("run_id desc");
    list.set_page_size(50);
    std::vector<double> times;
    for (int rep = 0; rep < 5; ++rep) {
      grpc::ClientContext ctx;
      Auth(&ctx);
      derm::v1::ListRunsResponse resp;
      const auto t0 = Clock::now();
      if (!stub->ListRuns(&ctx, list, &resp).ok() || resp.runs_size() != 50) std::abort();
      times.push_back(Seconds(t0) * 1000);
    }
    std::sort(times.begin(), times.end());
    std::printf("{\"list_10k_runs_filtered_ms_median\": %.1f, ", times[times.size() / 2]);
  }

  // 4. Queue-to-lease latency with n_workers idle workers long-polling.
  std::vector<double> latencies;
  {
    Server s(dir + "/lease.db");
    std::atomic<bool> stop{false};
    std::atomic<int> got{0};
    std::vector<Clock::time_point> submitted(200);
    std::vector<double> lat(200, 0);
    std::vector<std::thread> workers;
    for (int w = 0; w < n_workers; ++w) {
      workers.emplace_back([&] {
        auto stub =
            WorkerService::NewStub(grpc::CreateChannel(s.address, grpc::InsecureChannelCredentials()));
        grpc::ClientContext rctx;
        Auth(&rctx);
        derm::v1::RegisterWorkerResponse reg;
        if (!stub->RegisterWorker(&rctx, derm::v1::RegisterWorkerRequest(), &reg).ok()) std::abort();
        while (!stop) {
          grpc::ClientContext ctx;
          Auth(&ctx);
          ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(3));
          derm::v1::AcquireTaskRequest req;
          req.set_worker_id(reg.worker_id());
          req.set_worker_key(reg.worker_key());
          req.set_wait_ms(2000);
          derm::v1::AcquireTaskResponse resp;
          if (stub->AcquireTask(&ctx, req, &resp).ok() && resp.has_task()) {
            const int i = static_cast<int>(resp.task().job_id()) - 1;
            lat[i] = Seconds(submitted[i]) * 1000;
            ++got;
          }
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::seconds(2));  // every worker is now long-polling
    auto stub = JobService::NewStub(grpc::CreateChannel(s.address, grpc::InsecureChannelCredentials()));
    for (int i = 0; i < 200; ++i) {
      grpc::ClientContext ctx;
      Auth(&ctx);
      derm::v1::SubmitJobRequest req;
      *req.mutable_spec() = Spec(i);
      derm::v1::SubmitJobResponse resp;
      submitted[i] = Clock::now();
      if (!stub->SubmitJob(&ctx, req, &resp).ok()) std::abort();
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    while (got < 200) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    stop = true;
    for (auto& t : workers) t.join();
    latencies = lat;
  }
  std::sort(latencies.begin(), latencies.end());

  // 5. Metric rows/s: ReportEpoch with 9 classes (1 epoch + 9 class + 81 confusion rows + 1 event).
  double rows_rate = 0;
  {
    Server s(dir + "/metrics.db");
    const int reporters = 8, epochs = 150;
    std::vector<int64_t> attempts;
    derm::v1::RegisterWorkerResponse reg;
    {
      auto jobs = JobService::NewStub(grpc::CreateChannel(s.address, grpc::InsecureChannelCredentials()));
      auto wstub = WorkerService::NewStub(grpc::CreateChannel(s.address, grpc::InsecureChannelCredentials()));
      grpc::ClientContext rctx;
      Auth(&rctx);
      wstub->RegisterWorker(&rctx, derm::v1::RegisterWorkerRequest(), &reg);
      for (int r = 0; r < reporters; ++r) {
        grpc::ClientContext ctx;
        Auth(&ctx);
        derm::v1::SubmitJobRequest req;
        *req.mutable_spec() = Spec(r);
        derm::v1::SubmitJobResponse resp;
        jobs->SubmitJob(&ctx, req, &resp);
        grpc::ClientContext actx;
        Auth(&actx);
        derm::v1::AcquireTaskRequest areq;
        areq.set_worker_id(reg.worker_id());
        areq.set_worker_key(reg.worker_key());
        derm::v1::AcquireTaskResponse aresp;
        wstub->AcquireTask(&actx, areq, &aresp);
        attempts.push_back(aresp.task().attempt_id());
      }
    }
    derm::v1::EpochMetrics m;
    for (int c = 0; c < 9; ++c) {
      m.mutable_validation()->mutable_confusion()->add_class_names("class" + std::to_string(c));
      m.mutable_validation()->add_per_class()->set_class_name("class" + std::to_string(c));
    }
    for (int k = 0; k < 81; ++k) m.mutable_validation()->mutable_confusion()->add_counts(k);
    const auto t0 = Clock::now();
    std::vector<std::thread> threads;
    for (int r = 0; r < reporters; ++r) {
      threads.emplace_back([&, r] {
        auto stub =
            WorkerService::NewStub(grpc::CreateChannel(s.address, grpc::InsecureChannelCredentials()));
        for (int e = 1; e <= epochs; ++e) {
          grpc::ClientContext ctx;
          Auth(&ctx);
          derm::v1::ReportEpochRequest req;
          req.set_attempt_id(attempts[r]);
          req.set_worker_id(reg.worker_id());
          req.set_worker_key(reg.worker_key());
          *req.mutable_metrics() = m;
          req.mutable_metrics()->set_epoch(e);
          derm::v1::ReportEpochResponse verdict;
          if (!stub->ReportEpoch(&ctx, req, &verdict).ok()) std::abort();
        }
      });
    }
    for (auto& t : threads) t.join();
    rows_rate = reporters * epochs * 92 / Seconds(t0);
  }

  std::printf(
      "\"durable_submits_per_s\": %.0f, \"queue_to_lease_ms_p50\": %.2f, \"queue_to_lease_ms_p99\": %.2f, "
      "\"idle_workers\": %d, \"metric_rows_per_s\": %.0f, \"rss_mb_with_%d_queued\": %.1f}\n",
      submit_rate, latencies[latencies.size() / 2], latencies[latencies.size() * 99 / 100], n_workers,
      rows_rate, n_runs, rss_queued_kb / 1024.0);
  std::filesystem::remove_all(dir);
  return 0;
}
