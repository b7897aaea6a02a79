// SchedulerServer: derm-scheduler's gRPC server: the job, worker and access services and
// reflection, all behind one CallGuard (tokens, roles, audit), plus gRPC's health service, which
// answers without a token (probes). Plaintext only on loopback unless `insecure` says otherwise.
// With health_listen, gRPC's health service alone is also served there in plaintext, on any
// address: Kubernetes' grpc probes speak neither TLS nor tokens, and health reveals nothing.
// Thread-safety: Start and Shutdown from one thread; the services are thread-safe.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <string>

#include "common/grpc/tls.h"
#include "common/status_or.h"
#include "scheduler/access/access_control.h"
#include "scheduler/access_service.h"
#include "scheduler/call_guard.h"
#include "scheduler/grpc_services.h"
#include "scheduler/model_service.h"
#include "scheduler/reflection_service.h"
#include "scheduler/scheduler.h"

namespace derm::scheduler {

struct ServerOptions {
  std::string listen = "127.0.0.1:50051";  // IP:PORT (scheduler/listen_address.h); port 0 picks one
  TlsFiles tls;                            // cert + key: TLS; ca too: clients need certificates (mTLS)
  bool insecure = false;                   // plaintext on an address other machines can reach
  int max_long_polls = 256;                // bounds the threads gRPC may start (SchedulerOptions)
  std::string health_listen;               // IP:PORT for the health service alone ("" = none)
};

class SchedulerServer {
 public:
  // OK when Start would accept `options`: INVALID_ARGUMENT for a bad address, TLS files that
  // cannot be used, or plaintext beyond loopback without `insecure` (derm-scheduler checks this
  // before it opens its database).
  static Status Check(const ServerOptions& options);
  // Builds and starts the server. The errors of Check; UNAVAILABLE when it cannot listen.
  static StatusOr<std::unique_ptr<SchedulerServer>> Start(Scheduler* scheduler, AccessControl* access,
                                                          const ServerOptions& options);
  ~SchedulerServer();

  // "IP:PORT" as bound (the port that port 0 picked).
  const std::string& address() const { return address_; }
  // "IP:PORT" of the health-only port ("" without health_listen).
  const std::string& health_address() const { return health_address_; }
  // A channel to this server inside the process (the HTTP API's gateway: scheduler/web/).
  std::shared_ptr<grpc::Channel> InProcessChannel();
  // Stops serving; calls still running get until `deadline`.
  void Shutdown(std::chrono::system_clock::time_point deadline);

 private:
  SchedulerServer(Scheduler* scheduler, AccessControl* access, bool mtls);

  CallGuard guard_;
  JobServiceImpl jobs_;
  WorkerServiceImpl workers_;
  AccessServiceImpl access_service_;
  ModelServiceImpl models_;
  ReflectionServiceImpl reflection_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<grpc::ServerCompletionQueue> health_cq_;  // outlives health_server_
  std::unique_ptr<grpc::Server> health_server_;             // only gRPC's health service
  std::string address_, health_address_;
};

}  // namespace derm::scheduler
