// How the scheduler's gRPC handlers answer: a StatusOr's value as the reply, or its Status as the
// call's; a reply over the message limit is refused whole (RESOURCE_EXHAUSTED naming its size)
// before protobuf is asked to serialise it, instead of failing the call (or the process) there.
#pragma once

#include <grpcpp/grpcpp.h>

#include <string>

#include "common/grpc/grpc_status.h"
#include "common/grpc/limits.h"
#include "common/status_or.h"

namespace derm::scheduler {

inline grpc::Status Sized(const google::protobuf::Message& reply) {
  const size_t bytes = reply.ByteSizeLong();
  if (bytes <= static_cast<size_t>(kMaxMessageBytes) - (1 << 20)) return grpc::Status::OK;
  return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                      "the answer would be " + std::to_string(bytes >> 20) +
                          " MiB, more than a reply may carry (" + std::to_string(kMaxMessageBytes >> 20) +
                          " MiB); ask for less (a limit or a filter)");
}

template <typename T, typename Out>
grpc::Status Reply(StatusOr<T> result, Out* out) {
  if (!result.ok()) return ToGrpc(result.status());
  *out = std::move(result).value();
  return Sized(*out);
}

}  // namespace derm::scheduler
