// SchedulerApi: what derm-launcher asks of derm-scheduler (the queue, the workers, draining), as
// an interface at the RPC boundary; GrpcSchedulerApi calls the JobService with a launcher token.
// Thread-safety: implementations are used from one thread.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/grpc/tls.h"
#include "common/status_or.h"
#include "derm/v1/jobs.grpc.pb.h"

namespace derm::launcher {

class SchedulerApi {
 public:
  virtual ~SchedulerApi() = default;
  // Every QUEUED job, in any order.
  virtual StatusOr<std::vector<derm::v1::Job>> QueuedJobs() = 0;
  // Every worker the scheduler knows, newest first.
  virtual StatusOr<std::vector<derm::v1::WorkerInfo>> Workers() = 0;
  // Drains worker `id`: it finishes its task, takes no new one and exits.
  virtual Status Drain(int64_t id) = 0;
};

class GrpcSchedulerApi final : public SchedulerApi {
 public:
  // INVALID_ARGUMENT naming a TLS file that cannot be used.
  static StatusOr<std::unique_ptr<GrpcSchedulerApi>> Connect(const std::string& address,
                                                             const std::string& token, const TlsFiles& tls);
  StatusOr<std::vector<derm::v1::Job>> QueuedJobs() override;
  StatusOr<std::vector<derm::v1::WorkerInfo>> Workers() override;
  Status Drain(int64_t id) override;

 private:
  GrpcSchedulerApi(std::unique_ptr<derm::v1::JobService::Stub> stub, std::string token)
      : stub_(std::move(stub)), token_(std::move(token)) {}
  std::unique_ptr<derm::v1::JobService::Stub> stub_;
  std::string token_;
};

}  // namespace derm::launcher
