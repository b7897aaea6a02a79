// derm-scheduler: the job queue and results database server.
//   derm-scheduler --db results.db --listen 127.0.0.1:50051
// Prints "derm-scheduler listening on HOST:PORT" once serving (port 0 picks a free port).
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <iostream>
#include <thread>

#include "common/clock.h"
#include "common/grpc/auth.h"
#include "common/grpc/limits.h"
#include "scheduler/grpc_services.h"
#include "scheduler/http_server.h"
#include "scheduler/lease_timer.h"
#include "scheduler/listen_address.h"
#include "store/owner_lock.h"

namespace {

int WaitForSignal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  int sig = 0;
  sigwait(&set, &sig);
  return sig;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"derm-scheduler: queues training jobs for derm workers and stores their results"};
  std::string db_path = "derm-results.db", listen = "127.0.0.1:50051", http_listen;
  derm::scheduler::SchedulerOptions options;
  app.add_option("--db", db_path, "SQLite results database (created if missing)");
  app.add_option("--listen", listen, "gRPC address HOST:PORT (port 0 picks a free port)");
  std::string token_file;
  app.add_option("--auth-token-file", token_file, "require this shared token on every gRPC call");
  app.add_option("--http-listen", http_listen,
                 "HTTP address for /metrics and /healthz (HOST:PORT; off if empty)");
  app.add_option("--heartbeat-ms", options.heartbeat_interval_ms, "heartbeat interval told to workers")
      ->check(CLI::Range(50, 600000));
  app.add_option("--lease-timeout-ms", options.lease_timeout_ms, "lease expiry without heartbeats")
      ->check(CLI::Range(100, 3600000));
  app.add_option("--retry-backoff-ms", options.retry_backoff_ms, "first retry's wait; doubles per attempt")
      ->check(CLI::Range(int64_t{0}, int64_t{3600000}));
  app.add_option("--max-retry-backoff-ms", options.max_retry_backoff_ms, "longest retry wait")
      ->check(CLI::Range(int64_t{0}, int64_t{86400000}));
  app.add_option("--max-long-polls", options.max_long_polls,
                 "workers' AcquireTask calls waiting at once; one more is told to retry (default 256)")
      ->check(CLI::Range(1, 100000));
  std::string export_dir;
  app.add_option("--export-dir", export_dir,
                 "the only folder infer.output_csv files are written to (none if empty: specs asking for "
                 "one are refused)");
  CLI11_PARSE(app, argc, argv);
  if (!export_dir.empty()) {
    auto exports = derm::scheduler::ExportDir::Open(export_dir, db_path);
    if (!exports.ok()) {
      std::cerr << "derm-scheduler: " << exports.status().message() << "\n";
      return 2;
    }
    options.export_dir = std::move(exports).value();
  }

  // Block the signals in every thread; the main thread waits for them.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  auto owner = derm::store::OwnerLock::Acquire(db_path);
  if (!owner.ok()) {
    std::cerr << "derm-scheduler: " << owner.status().message() << "\n";
    return 1;
  }
  auto store = derm::store::Store::Open(db_path);
  if (!store.ok()) {
    std::cerr << "derm-scheduler: cannot open " << db_path << ": " << store.status().message() << "\n";
    return 1;
  }
  derm::SystemClock clock;
  derm::scheduler::Scheduler scheduler(std::move(store).value(), &clock, options);
  if (auto st = scheduler.Recover(); !st.ok()) {
    std::cerr << "derm-scheduler: recovery failed: " << st.ToString() << "\n";
    return 1;
  }
  std::string token;
  if (!token_file.empty()) {
    auto loaded = derm::LoadToken(token_file);
    if (!loaded.ok()) {
      std::cerr << "derm-scheduler: " << loaded.status().message() << "\n";
      return 1;
    }
    token = *loaded;
  }
  derm::scheduler::JobServiceImpl jobs(&scheduler, token);
  derm::scheduler::WorkerServiceImpl workers(&scheduler, token);

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  auto address = derm::scheduler::NumericListenAddress(listen);
  if (!address.ok()) {
    std::cerr << "derm-scheduler: " << address.status().message() << "\n";
    return 2;
  }
  listen = *address;
  builder.AddListeningPort(listen, grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&jobs);
  builder.RegisterService(&workers);
  // Without this gRPC sets SO_REUSEPORT, and a second scheduler on the same port would share it.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.SetMaxReceiveMessageSize(derm::kMaxMessageBytes);
  // Every call holds a thread: beyond the long polls and a margin for everything else, gRPC
  // answers RESOURCE_EXHAUSTED instead of starting more.
  grpc::ResourceQuota quota("derm-scheduler");
  quota.SetMaxThreads(2 * options.max_long_polls + 64);
  builder.SetResourceQuota(quota);
  builder.SetMaxSendMessageSize(derm::kMaxMessageBytes);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server || port == 0) {
    std::cerr << "derm-scheduler: cannot listen on " << listen << "\n";
    return 1;
  }
  derm::scheduler::LeaseTimer timer(
      &scheduler, std::chrono::milliseconds(
                      std::max<int64_t>(50, std::min<int64_t>(1000, options.lease_timeout_ms / 4))));
  timer.Start();
  const std::string host = listen.substr(0, listen.rfind(':'));
  std::cout << "derm-scheduler listening on " << host << ":" << port << std::endl;
  derm::scheduler::HttpServer http([&](const std::string& method, const std::string& path) {
    derm::scheduler::HttpResponse r;
    if (method != "GET") {
      r.status = 405;
      r.body = "only GET\n";
    } else if (path == "/metrics") {
      r.body = scheduler.RenderMetrics();
    } else if (path == "/healthz") {
      const derm::Status st = scheduler.Health();
      r.status = st.ok() ? 200 : 503;
      r.body = st.ok() ? "ok\n" : st.message() + "\n";
    } else {
      r.status = 404;
      r.body = "not found: try /metrics or /healthz\n";
    }
    return r;
  });
  if (!http_listen.empty()) {
    auto http_port = http.Start(http_listen);
    if (!http_port.ok()) {
      std::cerr << "derm-scheduler: " << http_port.status().message() << "\n";
      return 1;
    }
    std::cout << "derm-scheduler http on " << http_listen.substr(0, http_listen.rfind(':')) << ":"
              << *http_port << std::endl;
  }

  const int sig = WaitForSignal();
  std::cerr << "derm-scheduler: signal " << sig << ", shutting down\n";
  scheduler.Shutdown();
  http.Stop();
  timer.Stop();
  // Our handlers return at once after scheduler.Shutdown(); the deadline bounds the wait for idle
  // client connections, which gRPC otherwise waits out.
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::milliseconds(500));
  return 0;
}
