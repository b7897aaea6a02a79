// CallRaw: one call of any RPC by its path, with raw request bytes and an optional bearer token,
// for tests that walk services by their descriptors or call services without generated stubs
// (gRPC's health service).
#pragma once

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace derm::scheduler {

// Calls "/Service/Method" with one request of `request_bytes` (any streaming kind), reads every
// answer, and returns the final status.
inline grpc::Status CallRaw(const std::shared_ptr<grpc::Channel>& channel, const std::string& path,
                            const std::string& secret, const std::string& request_bytes = "",
                            std::vector<std::string>* answers = nullptr) {
  grpc::GenericStub stub(channel);
  grpc::CompletionQueue cq;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  if (!secret.empty()) ctx.AddMetadata("authorization", "Bearer " + secret);
  auto call = stub.PrepareCall(&ctx, path, &cq);
  auto next = [&cq] {
    void* tag = nullptr;
    bool ok = false;
    EXPECT_TRUE(cq.Next(&tag, &ok));
    return ok;
  };
  call->StartCall(reinterpret_cast<void*>(1));
  if (next()) {
    grpc::Slice slice(request_bytes);
    grpc::ByteBuffer request(&slice, 1);
    call->Write(request, reinterpret_cast<void*>(2));
    if (next()) {
      call->WritesDone(reinterpret_cast<void*>(3));
      next();
      while (true) {
        grpc::ByteBuffer answer;
        call->Read(&answer, reinterpret_cast<void*>(4));
        if (!next()) break;
        std::vector<grpc::Slice> slices;
        (void)answer.Dump(&slices);
        std::string bytes;
        for (const auto& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
        if (answers) answers->push_back(bytes);
      }
    }
  }
  grpc::Status status;
  call->Finish(&status, reinterpret_cast<void*>(5));
  next();
  cq.Shutdown();
  void* tag;
  bool ok;
  while (cq.Next(&tag, &ok)) {
  }
  return status;
}

}  // namespace derm::scheduler
