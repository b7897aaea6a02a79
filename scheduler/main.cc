// derm-scheduler: the job queue and results database server.
//   derm-scheduler --db results.db --listen 127.0.0.1:50051
//   derm-scheduler --db results.db --listen 0.0.0.0:50051 --tls-cert server.pem --tls-key server.key
// Prints "derm-scheduler listening on HOST:PORT" once serving (port 0 picks a free port). A new
// database's first admin token is written to --admin-token-file (docs/security.md).
#include <CLI/CLI.hpp>
#include <atomic>
#include <csignal>
#include <iostream>
#include <thread>

#include "common/clock.h"
#include "common/grpc/auth.h"
#include "scheduler/access/access_control.h"
#include "scheduler/http_server.h"
#include "scheduler/lease_timer.h"
#include "scheduler/scheduler_server.h"
#include "scheduler/web/allowed_hosts.h"
#include "scheduler/web/dashboard.h"
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

int Fail(const derm::Status& status, int code) {
  std::cerr << "derm-scheduler: " << status.message() << "\n";
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"derm-scheduler: queues training jobs for derm workers and stores their results"};
  std::string db_path = "derm-results.db", http_listen;
  derm::scheduler::SchedulerOptions options;
  derm::scheduler::ServerOptions server_options;
  app.add_option("--db", db_path, "SQLite results database (created if missing)");
  app.add_option(
      "--listen", server_options.listen,
      "gRPC address IP:PORT (port 0 picks a free port); beyond loopback it needs TLS or --insecure");
  app.add_option("--tls-cert", server_options.tls.cert, "serve TLS with this certificate chain (PEM)");
  app.add_option("--tls-key", server_options.tls.key, "the private key of --tls-cert (PEM)");
  app.add_option("--tls-client-ca", server_options.tls.ca,
                 "require client certificates signed by this CA (mTLS); CN = user, O = role");
  app.add_flag("--insecure", server_options.insecure,
               "allow plaintext gRPC on an address other machines can reach");
  derm::scheduler::AccessOptions access_options;
  std::string token_file;
  app.add_option("--auth-token-file", token_file,
                 "a shared token that acts as the user 'admin' (admin role and the worker service)");
  app.add_option("--admin-token-file", access_options.bootstrap_token_file,
                 "where a database without tokens gets its first admin token (default: DB.admin-token)");
  app.add_option("--http-listen", http_listen,
                 "HTTP address of the dashboard, its API, /metrics and /healthz (HOST:PORT; off if empty); "
                 "HTTPS with --tls-cert");
  app.add_option("--health-listen", server_options.health_listen,
                 "also serve gRPC's health service alone, in plaintext, on IP:PORT (Kubernetes grpc probes)");
  std::vector<std::string> http_hosts;
  app.add_option(
      "--http-host", http_hosts,
      "a name (NAME or NAME:PORT) the dashboard answers as, besides its listen address (repeatable)");
  bool http_plaintext = false;
  app.add_flag("--http-plaintext", http_plaintext, "serve --http-listen in plaintext even with --tls-cert");
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
    if (!exports.ok()) return Fail(exports.status(), 2);
    options.export_dir = std::move(exports).value();
  }
  if (access_options.bootstrap_token_file.empty())
    access_options.bootstrap_token_file = db_path + ".admin-token";
  server_options.max_long_polls = options.max_long_polls;
  // Options that cannot work are refused before the database is opened or a token written.
  if (auto st = derm::scheduler::SchedulerServer::Check(server_options); !st.ok()) return Fail(st, 2);

  // Block the signals in every thread; the main thread waits for them.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  auto owner = derm::store::OwnerLock::Acquire(db_path);
  if (!owner.ok()) return Fail(owner.status(), 1);
  auto store = derm::store::Store::Open(db_path);
  if (!store.ok()) return Fail(store.status().WithPrefix("cannot open " + db_path), 1);
  derm::SystemClock clock;
  derm::scheduler::Scheduler scheduler(std::move(store).value(), &clock, options);
  if (auto st = scheduler.Recover(); !st.ok()) return Fail(st.WithPrefix("recovery failed"), 1);
  if (!token_file.empty()) {
    auto loaded = derm::LoadToken(token_file);
    if (!loaded.ok()) return Fail(loaded.status(), 1);
    access_options.shared_token = *loaded;
  }
  auto access = derm::scheduler::AccessControl::Open(db_path, &clock, access_options);
  if (!access.ok()) return Fail(access.status(), 1);
  if ((*access)->wrote_bootstrap_token()) {
    std::cerr << "derm-scheduler: this database had no tokens: an admin token is in "
              << access_options.bootstrap_token_file << " (mode 0600); dermctl --token-file "
              << access_options.bootstrap_token_file << " token create --user NAME --role ROLE makes more"
              << std::endl;
  }

  auto server = derm::scheduler::SchedulerServer::Start(&scheduler, access->get(), server_options);
  if (!server.ok())
    return Fail(server.status(), server.status().code() == derm::StatusCode::kInvalidArgument ? 2 : 1);
  derm::scheduler::LeaseTimer timer(
      &scheduler, std::chrono::milliseconds(
                      std::max<int64_t>(50, std::min<int64_t>(1000, options.lease_timeout_ms / 4))));
  timer.Start();
  if (!server_options.tls.enabled()) {
    std::cerr << "derm-scheduler: serving plaintext gRPC on " << (*server)->address()
              << (server_options.insecure ? " (--insecure): tokens and results cross the network unencrypted"
                                          : " (loopback only)")
              << std::endl;
  } else {
    std::cerr << "derm-scheduler: serving TLS"
              << (server_options.tls.ca.empty() ? "" : " and requiring client certificates (mTLS)")
              << std::endl;
  }
  if (!(*server)->health_address().empty())
    std::cerr << "derm-scheduler: health service (plaintext) on " << (*server)->health_address() << std::endl;
  // Last: a caller that has read this line has everything written before it.
  std::cout << "derm-scheduler listening on " << (*server)->address() << std::endl;
  derm::scheduler::HttpServerOptions http_options;
  if (!http_plaintext) {
    http_options.tls_cert = server_options.tls.cert;
    http_options.tls_key = server_options.tls.key;
  }
  derm::scheduler::web::GrpcGateway gateway((*server)->InProcessChannel());
  derm::scheduler::web::LoginSessions sessions(&clock);
  derm::scheduler::web::DashboardOptions dashboard_options;
  dashboard_options.metrics = [&] { return scheduler.RenderMetrics(); };
  dashboard_options.health = [&] { return scheduler.Health(); };
  std::unique_ptr<derm::scheduler::web::Dashboard> dashboard;
  std::atomic<derm::scheduler::web::Dashboard*> serving{nullptr};  // set once the port is known
  derm::scheduler::HttpServer http(
      [&](const derm::scheduler::HttpRequest& request) {
        derm::scheduler::web::Dashboard* d = serving.load();
        if (d) return d->Handle(request);
        derm::scheduler::HttpResponse starting;
        starting.status = 503;
        starting.body = "starting\n";
        return starting;
      },
      http_options);
  if (!http_listen.empty()) {
    auto http_port = http.Start(http_listen);
    if (!http_port.ok()) return Fail(http_port.status(), 1);
    const std::string http_host = http_listen.substr(0, http_listen.rfind(':'));
    dashboard_options.allowed_hosts = derm::scheduler::web::AllowedHosts(http_host, *http_port, http_hosts);
    dashboard = std::make_unique<derm::scheduler::web::Dashboard>(&gateway, &sessions, dashboard_options);
    serving = dashboard.get();
    std::cout << "derm-scheduler http on " << http_host << ":" << *http_port << std::endl;
  }

  const int sig = WaitForSignal();
  std::cerr << "derm-scheduler: signal " << sig << ", shutting down\n";
  scheduler.Shutdown();
  http.Stop();
  timer.Stop();
  // Our handlers return at once after scheduler.Shutdown(); the deadline bounds the wait for idle
  // client connections, which gRPC otherwise waits out.
  (*server)->Shutdown(std::chrono::system_clock::now() + std::chrono::milliseconds(500));
  return 0;
}
