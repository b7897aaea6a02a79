// The model registry's tables: numbered versions of finished runs' models under a name, their
// stages, and every stage change with who made it (docs/schema.md). Which promotions are allowed
// is the scheduler's rule (scheduler/model_service.h); this class records them.
// Thread-safety: not thread-safe; one thread uses a connection at a time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status_or.h"
#include "derm/v1/models.pb.h"

namespace derm::store {

class Database;

class ModelRegistry {
 public:
  explicit ModelRegistry(Database* db) : db_(db) {}

  // The next version of `name` (1 for a new name) for the run, in stage "none". NOT_FOUND for an
  // unknown run, FAILED_PRECONDITION for a run that has not SUCCEEDED with a model.
  StatusOr<derm::v1::ModelVersion> Register(const std::string& name, int64_t run_id, const std::string& by,
                                            int64_t now_ms);
  // NOT_FOUND for an unknown name or version.
  StatusOr<derm::v1::ModelVersion> Get(const std::string& name, int32_t version);
  // The version of `name` now in `stage`, if any.
  StatusOr<std::optional<derm::v1::ModelVersion>> InStage(const std::string& name, const std::string& stage);
  // Every version of `name` (every model's when empty), by name and version, with its run's gate
  // counts and its stage changes.
  StatusOr<std::vector<derm::v1::ModelVersion>> List(const std::string& name);
  // Moves the version to `stage` and records the change; in one transaction, the version that held
  // staging or production before goes to archived (recorded too).
  StatusOr<derm::v1::ModelVersion> SetStage(const std::string& name, int32_t version,
                                            const std::string& stage, bool forced, const std::string& by,
                                            const std::string& reason, int64_t now_ms);

 private:
  Database* db_;
};

}  // namespace derm::store
