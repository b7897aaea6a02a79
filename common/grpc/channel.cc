#include "common/grpc/channel.h"

#include <chrono>

#include "common/grpc/auth.h"
#include "common/grpc/limits.h"

namespace derm {

StatusOr<std::shared_ptr<grpc::Channel>> OpenChannel(const std::string& address, const TlsFiles& tls) {
  DERM_ASSIGN_OR_RETURN(auto credentials, ChannelCredentialsFor(tls));
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(kMaxMessageBytes);
  args.SetMaxSendMessageSize(kMaxMessageBytes);
  return grpc::CreateCustomChannel(address, credentials, args);
}

std::unique_ptr<grpc::ClientContext> CallContext(int64_t timeout_ms, const std::string& token) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  if (timeout_ms > 0)
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(timeout_ms));
  if (!token.empty()) ctx->AddMetadata(kAuthMetadataKey, BearerValue(token));
  return ctx;
}

}  // namespace derm
