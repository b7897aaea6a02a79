#include "scheduler/scheduler_server.h"

#include <grpcpp/health_check_service_interface.h>

#include "common/grpc/limits.h"
#include "scheduler/listen_address.h"

namespace derm::scheduler {

SchedulerServer::SchedulerServer(Scheduler* scheduler, AccessControl* access, bool mtls)
    : guard_(access, scheduler->metrics(), mtls),
      jobs_(scheduler, &guard_),
      workers_(scheduler, &guard_),
      access_service_(&guard_),
      models_(scheduler, &guard_),
      // The services reflection can describe (gRPC's health service has no descriptor here).
      reflection_(&guard_, {"derm.v1.JobService", "derm.v1.WorkerService", "derm.v1.AccessService",
                            "derm.v1.ModelService", "grpc.reflection.v1alpha.ServerReflection"}) {}

SchedulerServer::~SchedulerServer() {
  if (server_) Shutdown(std::chrono::system_clock::now());
}

namespace {

// The numeric address to listen on; INVALID_ARGUMENT for plaintext beyond loopback without
// `insecure` (the TLS files are checked by whoever reads them).
StatusOr<std::string> ListenAddress(const ServerOptions& options) {
  DERM_ASSIGN_OR_RETURN(std::string listen, NumericListenAddress(options.listen));
  if (!options.tls.enabled() && !IsLoopback(listen) && !options.insecure) {
    return InvalidArgument("--listen " + listen +
                           " can be reached from other machines: serve TLS (--tls-cert, --tls-key), or pass "
                           "--insecure to send tokens and results there in plaintext");
  }
  return listen;
}

}  // namespace

Status SchedulerServer::Check(const ServerOptions& options) {
  DERM_RETURN_IF_ERROR(ListenAddress(options).status());
  if (!options.health_listen.empty())
    DERM_RETURN_IF_ERROR(NumericListenAddress(options.health_listen).status());
  return options.tls.enabled() ? CheckTlsFiles(options.tls, /*need_identity=*/true) : Status::Ok();
}

StatusOr<std::unique_ptr<SchedulerServer>> SchedulerServer::Start(Scheduler* scheduler, AccessControl* access,
                                                                  const ServerOptions& options) {
  DERM_ASSIGN_OR_RETURN(std::string listen, ListenAddress(options));
  std::shared_ptr<grpc::ServerCredentials> credentials = grpc::InsecureServerCredentials();
  if (options.tls.enabled()) {  // checks the files once, then gRPC reads them
    DERM_ASSIGN_OR_RETURN(credentials, TlsServerCredentials(options.tls));
  }
  std::unique_ptr<SchedulerServer> s(new SchedulerServer(scheduler, access, !options.tls.ca.empty()));
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(listen, credentials, &port);
  builder.RegisterService(&s->jobs_);
  builder.RegisterService(&s->workers_);
  builder.RegisterService(&s->access_service_);
  builder.RegisterService(&s->models_);
  builder.RegisterService(&s->reflection_);
  // Without this gRPC sets SO_REUSEPORT, and a second scheduler on the same port would share it.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.SetMaxReceiveMessageSize(kMaxMessageBytes);
  builder.SetMaxSendMessageSize(kMaxMessageBytes);
  // Every call holds a thread: beyond the long polls and a margin for everything else, gRPC
  // answers RESOURCE_EXHAUSTED instead of starting more.
  grpc::ResourceQuota quota("derm-scheduler");
  quota.SetMaxThreads(2 * options.max_long_polls + 64);
  builder.SetResourceQuota(quota);
  s->server_ = builder.BuildAndStart();
  if (!s->server_ || port == 0) return Unavailable("cannot listen on " + listen);
  s->address_ = listen.substr(0, listen.rfind(':')) + ":" + std::to_string(port);
  if (!options.health_listen.empty()) {
    DERM_ASSIGN_OR_RETURN(std::string health, NumericListenAddress(options.health_listen));
    grpc::ServerBuilder health_builder;  // no services of ours: the default health service alone
    int health_port = 0;
    health_builder.AddListeningPort(health, grpc::InsecureServerCredentials(), &health_port);
    health_builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
    // Without a sync service the default health service runs async, on a thread of its own
    // that polls this queue (and shuts it down when the server goes).
    s->health_cq_ = health_builder.AddCompletionQueue();
    s->health_server_ = health_builder.BuildAndStart();
    if (!s->health_server_ || health_port == 0) return Unavailable("cannot listen on " + health);
    s->health_address_ = health.substr(0, health.rfind(':')) + ":" + std::to_string(health_port);
  }
  return s;
}

void SchedulerServer::Shutdown(std::chrono::system_clock::time_point deadline) {
  if (!server_) return;
  server_->Shutdown(deadline);
  server_->Wait();
  server_.reset();
  if (health_server_) health_server_->Shutdown(deadline);
  health_server_.reset();
}

std::shared_ptr<grpc::Channel> SchedulerServer::InProcessChannel() {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(kMaxMessageBytes);
  args.SetMaxSendMessageSize(kMaxMessageBytes);
  return server_->InProcessChannel(args);
}

}  // namespace derm::scheduler
