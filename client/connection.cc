#include "client/connection.h"

#include <grpcpp/grpcpp.h>

#include <cstdlib>

#include "common/grpc/channel.h"
#include "common/grpc/grpc_status.h"

namespace derm::client {

StatusOr<std::unique_ptr<Connection>> Connection::Open(ConnectionOptions options) {
  DERM_ASSIGN_OR_RETURN(auto channel, OpenChannel(options.server, options.tls));
  return std::make_unique<Connection>(std::move(options), derm::v1::JobService::NewStub(channel),
                                      derm::v1::AccessService::NewStub(channel),
                                      derm::v1::ModelService::NewStub(channel));
}

std::unique_ptr<grpc::ClientContext> Connection::Context(int64_t timeout_ms) const {
  return CallContext(timeout_ms < 0 ? options_.timeout_ms : timeout_ms, options_.token);
}

Status Connection::Explain(const grpc::Status& status) const {
  Status s = FromGrpc(status);
  if (s.code() == StatusCode::kUnavailable) {
    return Unavailable(
        "cannot reach the scheduler at " + options_.server +
        (options_.tls.enabled()
             ? " (is derm-scheduler running, with TLS, and does --tls-ca sign its certificate?)"
             : " (is derm-scheduler running? set --server or DERM_SERVER; a TLS scheduler needs "
               "--tls-ca)"));
  }
  if (s.code() == StatusCode::kDeadlineExceeded) {
    return Status(s.code(), "the scheduler at " + options_.server + " did not answer in time");
  }
  return s;
}

}  // namespace derm::client
