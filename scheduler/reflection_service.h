// gRPC server reflection (v1alpha, what grpcurl asks for), answered from the descriptors compiled
// into the binary. derm serves it itself, through the CallGuard, so that it needs a token like
// every other RPC (gRPC's reflection plugin answers anyone); the health service stays open.
// Thread-safety: thread-safe.
#pragma once

#include <string>
#include <vector>

#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "scheduler/call_guard.h"

namespace derm::scheduler {

class ReflectionServiceImpl final : public grpc::reflection::v1alpha::ServerReflection::Service {
 public:
  // `services`: the full names of the services the server offers (listed by list_services).
  ReflectionServiceImpl(CallGuard* guard, std::vector<std::string> services)
      : guard_(guard), services_(std::move(services)) {}
  grpc::Status ServerReflectionInfo(
      grpc::ServerContext* ctx,
      grpc::ServerReaderWriter<grpc::reflection::v1alpha::ServerReflectionResponse,
                               grpc::reflection::v1alpha::ServerReflectionRequest>* stream) override;

 private:
  // Answers each request of the stream until the client closes it; a request above 4 KiB gets an
  // INVALID_ARGUMENT error response.
  grpc::Status Serve(
      grpc::ServerReaderWriter<grpc::reflection::v1alpha::ServerReflectionResponse,
                               grpc::reflection::v1alpha::ServerReflectionRequest>* stream) const;
  CallGuard* guard_;
  const std::vector<std::string> services_;
};

}  // namespace derm::scheduler
