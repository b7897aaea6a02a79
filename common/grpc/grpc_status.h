// The one place where derm::Status and grpc::Status convert into each other, keeping the
// canonical codes (NOT_FOUND, INVALID_ARGUMENT, FAILED_PRECONDITION, ...).
#pragma once

#include <grpcpp/support/status.h>

#include "common/status.h"

namespace derm {

grpc::Status ToGrpc(const Status& status);
Status FromGrpc(const grpc::Status& status);

}  // namespace derm
