// GrpcGateway: calls the scheduler's own gRPC methods by name for the HTTP API, over an
// in-process channel, with the HTTP caller's token as the call's bearer token; so an HTTP request
// passes the same authentication, permission table and audit as a gRPC call.
// Thread-safety: thread-safe; a Stream is used by one thread.
#pragma once

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <string>

#include "common/status.h"

namespace google::protobuf {
class Message;
}

namespace derm::scheduler::web {

class GrpcGateway {
 public:
  explicit GrpcGateway(std::shared_ptr<grpc::Channel> channel) : channel_(std::move(channel)) {}

  // Calls unary `rpc` (its full name: "derm.v1.JobService.GetRun") as the holder of `token`
  // (empty: none); *response is of the method's output type. The call's status as a Status;
  // UNAUTHENTICATED without a call for a token that cannot be one (over 256 bytes, or bytes
  // other than printable ASCII: HTTP gives them, gRPC metadata may not carry them).
  Status Call(const std::string& rpc, const std::string& token, const google::protobuf::Message& request,
              google::protobuf::Message* response, std::chrono::milliseconds timeout) const;

  // A server-streaming call in progress; destroying it cancels it.
  class Stream {
   public:
    enum class Next { kMessage, kTimeout, kEnd };
    ~Stream();
    // Waits at most `wait` for the next message: kMessage with it in *out, kTimeout, or kEnd (the
    // call's status is then status()).
    Next Read(google::protobuf::Message* out, std::chrono::milliseconds wait);
    const Status& status() const { return status_; }

   private:
    friend class GrpcGateway;
    Stream() = default;
    bool Await();  // the next completion's ok, waiting without a bound
    grpc::ClientContext ctx_;
    grpc::CompletionQueue cq_;
    std::unique_ptr<grpc::GenericClientAsyncReaderWriter> call_;
    grpc::ByteBuffer buffer_;
    bool read_pending_ = false, finished_ = false;
    grpc::Status grpc_status_;
    Status status_;
  };
  // Starts server-streaming `rpc` with `request` as the holder of `token` (refused as Call does:
  // the stream then ends at once with that status).
  std::unique_ptr<Stream> OpenStream(const std::string& rpc, const std::string& token,
                                     const google::protobuf::Message& request) const;

 private:
  std::shared_ptr<grpc::Channel> channel_;
};

}  // namespace derm::scheduler::web
