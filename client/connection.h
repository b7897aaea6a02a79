// Connection: dermctl's channel to the scheduler. Every call gets a deadline; errors become one
// readable line ("cannot reach the scheduler at ...") instead of gRPC's text.
#pragma once

#include <memory>
#include <string>

#include "common/grpc/tls.h"
#include "common/status_or.h"
#include "derm/v1/access.grpc.pb.h"
#include "derm/v1/jobs.grpc.pb.h"
#include "derm/v1/models.grpc.pb.h"

namespace derm::client {

// The stub interfaces: a real channel's stubs, or gMock ones in tests.
using JobStub = derm::v1::JobService::StubInterface;
using AccessStub = derm::v1::AccessService::StubInterface;
using ModelStub = derm::v1::ModelService::StubInterface;

struct ConnectionOptions {
  std::string server;  // HOST:PORT
  int64_t timeout_ms = 10000;
  std::string token;  // sent as "authorization: Bearer <token>" when not empty
  TlsFiles tls;       // ca: verify the scheduler; cert + key: mTLS; none: plaintext
};

class Connection {
 public:
  // Opens a channel to options.server; INVALID_ARGUMENT naming a TLS file that cannot be used.
  static StatusOr<std::unique_ptr<Connection>> Open(ConnectionOptions options);
  // Uses these stubs instead (tests).
  Connection(ConnectionOptions options, std::unique_ptr<JobStub> stub,
             std::unique_ptr<AccessStub> access = nullptr, std::unique_ptr<ModelStub> models = nullptr)
      : options_(std::move(options)),
        stub_(std::move(stub)),
        access_(std::move(access)),
        models_(std::move(models)) {}
  JobStub* jobs() { return stub_.get(); }
  // A context whose deadline is timeout_ms from now (0 = no deadline, for streams).
  std::unique_ptr<grpc::ClientContext> Context(int64_t timeout_ms = -1) const;
  // Converts a failed call's status to a Status whose message is one line naming the problem.
  Status Explain(const grpc::Status& status) const;
  // One unary call with the standard deadline, e.g. Call(&Stub::GetJob, request, &job); the
  // result is explained as above.
  template <typename Request, typename Response>
  Status Call(grpc::Status (JobStub::*method)(grpc::ClientContext*, const Request&, Response*),
              const Request& request, Response* response) const {
    auto ctx = Context();
    return Explain((stub_.get()->*method)(ctx.get(), request, response));
  }
  // The same for the access service.
  template <typename Request, typename Response>
  Status Call(grpc::Status (AccessStub::*method)(grpc::ClientContext*, const Request&, Response*),
              const Request& request, Response* response) const {
    if (!access_) return Unavailable("no access service stub");
    auto ctx = Context();
    return Explain((access_.get()->*method)(ctx.get(), request, response));
  }
  // The same for the model registry.
  template <typename Request, typename Response>
  Status Call(grpc::Status (ModelStub::*method)(grpc::ClientContext*, const Request&, Response*),
              const Request& request, Response* response) const {
    if (!models_) return Unavailable("no model service stub");
    auto ctx = Context();
    return Explain((models_.get()->*method)(ctx.get(), request, response));
  }
  const std::string& server() const { return options_.server; }

 private:
  ConnectionOptions options_;
  std::unique_ptr<JobStub> stub_;
  std::unique_ptr<AccessStub> access_;
  std::unique_ptr<ModelStub> models_;
};

}  // namespace derm::client
