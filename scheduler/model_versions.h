// ModelVersions: the model registry's rules over store::ModelRegistry: valid names and stages,
// production only for a run whose gates all passed (unless an admin forces it, recorded), and
// resolving an inference spec's `model: {name, stage | version}` to its run.
// Thread-safety: as TrainingJobs (the Scheduler's writer lock).
#pragma once

#include <string>

#include "common/status_or.h"
#include "derm/v1/models.pb.h"
#include "derm/v1/spec.pb.h"
#include "store/store.h"

namespace derm::scheduler {

class ModelVersions {
 public:
  explicit ModelVersions(store::Store* store) : store_(store) {}

  StatusOr<derm::v1::ModelVersion> Register(const derm::v1::RegisterModelRequest& request,
                                            const std::string& by, int64_t now_ms);
  // PERMISSION_DENIED for `force` without `may_force`; FAILED_PRECONDITION for production when
  // the run has no gates or failed one, without force.
  StatusOr<derm::v1::ModelVersion> Promote(const derm::v1::PromoteModelRequest& request,
                                           const std::string& by, bool may_force, int64_t now_ms);
  StatusOr<derm::v1::ListModelVersionsResponse> List(const derm::v1::ListModelVersionsRequest& request);
  // A spec naming a registered model gets its run_id and version (a given version wins over the
  // stage); NOT_FOUND naming what is missing. A spec without model.name is left as it is.
  Status Resolve(derm::v1::ModelSpec* model);

 private:
  store::Store* store_;
};

// Names: 1-100 characters of letters, digits, '.', '_', '-'.
bool IsModelName(const std::string& name);
// none, staging, production, archived.
bool IsModelStage(const std::string& stage);

}  // namespace derm::scheduler
