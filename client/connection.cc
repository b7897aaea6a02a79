#include "client/connection.h"

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstdlib>

#include "common/grpc/auth.h"
#include "common/grpc/grpc_status.h"
#include "common/grpc/limits.h"

namespace derm::client {

Connection::Connection(ConnectionOptions options) : options_(std::move(options)) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(kMaxMessageBytes);
  stub_ = derm::v1::JobService::NewStub(
      grpc::CreateCustomChannel(options_.server, grpc::InsecureChannelCredentials(), args));
}

std::unique_ptr<grpc::ClientContext> Connection::Context(int64_t timeout_ms) const {
  auto ctx = std::make_unique<grpc::ClientContext>();
  const int64_t t = timeout_ms < 0 ? options_.timeout_ms : timeout_ms;
  if (t > 0) ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(t));
  if (!options_.token.empty()) ctx->AddMetadata(kAuthMetadataKey, BearerValue(options_.token));
  return ctx;
}

Status Connection::Explain(const grpc::Status& status) const {
  Status s = FromGrpc(status);
  if (s.code() == StatusCode::kUnavailable) {
    return Unavailable("cannot reach the scheduler at " + options_.server +
                       " (is derm-scheduler running? set --server or DERM_SERVER)");
  }
  if (s.code() == StatusCode::kDeadlineExceeded) {
    return Status(s.code(), "the scheduler at " + options_.server + " did not answer in time");
  }
  return s;
}

}  // namespace derm::client
