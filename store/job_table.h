// The jobs table: submitting jobs and sweeps (with their runs and params) and reading jobs back.
// Each method is one transaction.
// Thread-safety: not thread-safe; one thread uses a connection at a time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/status_or.h"
#include "derm/v1/jobs.pb.h"

namespace derm::store {

class Database;

class JobTable {
 public:
  explicit JobTable(Database* db) : db_(db) {}

  // Inserts a QUEUED job submitted by `submitted_by` with its run and flattened params. `spec`
  // must be validated and have defaults applied. ALREADY_EXISTS if `idempotency_key` is taken
  // (use FindByKey).
  StatusOr<derm::v1::Job> Insert(const derm::v1::JobSpec& spec, const std::string& idempotency_key,
                                 const std::string& submitted_by, int64_t now_ms);
  struct NewJob {
    derm::v1::JobSpec spec;
    std::string idempotency_key;
    std::string submitted_by;
  };
  struct SubmitResult {
    StatusOr<derm::v1::Job> job;
    bool deduplicated = false;  // the key named an earlier job, which `job` is
  };
  // Group commit: inserts every job of the batch (or finds the job its idempotency key already
  // names) in one transaction, so the batch costs one durable commit. Results are in order.
  StatusOr<std::vector<SubmitResult>> InsertBatch(const std::vector<NewJob>& jobs, int64_t now_ms);
  // Records a sweep (`sweep`: the spec as submitted) and one QUEUED job per point, in one
  // transaction. Point i gets the idempotency key "KEY#i" when `idempotency_key` is set.
  StatusOr<std::pair<int64_t, std::vector<derm::v1::Job>>> InsertSweep(
      const derm::v1::JobSpec& sweep, const std::vector<derm::v1::JobSpec>& points,
      const std::string& idempotency_key, const std::string& submitted_by, int64_t now_ms);

  StatusOr<derm::v1::Job> Get(int64_t job_id);
  // The job submitted with `key`, if any.
  StatusOr<std::optional<derm::v1::Job>> FindByKey(const std::string& key);
  // The jobs of sweep `sweep_id`, in point order.
  StatusOr<std::vector<derm::v1::Job>> OfSweep(int64_t sweep_id);
  // The spec the sweep was submitted with (its `sweep` section included).
  StatusOr<derm::v1::JobSpec> SweepSpec(int64_t sweep_id);
  // Newest first. Empty `states` = all states. `limit` <= 0 means 100.
  StatusOr<std::vector<derm::v1::Job>> List(const std::vector<derm::v1::JobState>& states, int limit);
  // Jobs in QUEUED or RUNNING, oldest first (restart recovery).
  StatusOr<std::vector<derm::v1::Job>> Active();

 private:
  Database* db_;
};

}  // namespace derm::store
