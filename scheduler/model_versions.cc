#include "scheduler/model_versions.h"

#include "common/strings.h"

namespace derm::scheduler {

bool IsModelName(const std::string& name) {
  if (name.empty() || name.size() > 100) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool IsModelStage(const std::string& stage) {
  return stage == "none" || stage == "staging" || stage == "production" || stage == "archived";
}

namespace {

Status CheckName(const std::string& name) {
  if (IsModelName(name)) return Status::Ok();
  return InvalidArgument("name: must be 1-100 characters of letters, digits, '.', '_' and '-'");
}

}  // namespace

StatusOr<derm::v1::ModelVersion> ModelVersions::Register(const derm::v1::RegisterModelRequest& request,
                                                         const std::string& by, int64_t now_ms) {
  DERM_RETURN_IF_ERROR(CheckName(request.name()));
  if (request.run_id() <= 0) return InvalidArgument("run_id: must be a run's id");
  return store_->models().Register(request.name(), request.run_id(), by, now_ms);
}

StatusOr<derm::v1::ModelVersion> ModelVersions::Promote(const derm::v1::PromoteModelRequest& request,
                                                        const std::string& by, bool may_force,
                                                        int64_t now_ms) {
  DERM_RETURN_IF_ERROR(CheckName(request.name()));
  if (!IsModelStage(request.stage())) {
    return InvalidArgument("stage: must be none, staging, production or archived, got \"" +
                           TruncateUtf8(request.stage(), 100) + "\"");
  }
  if (request.reason().size() > 1000) return InvalidArgument("reason: is longer than 1000 characters");
  if (request.force() && !may_force) {
    return PermissionDenied("only an admin may force a promotion past the gates");
  }
  DERM_ASSIGN_OR_RETURN(derm::v1::ModelVersion v, store_->models().Get(request.name(), request.version()));
  const std::string which = request.name() + " version " + std::to_string(request.version());
  if (v.stage() == request.stage()) return FailedPrecondition(which + " is already in " + v.stage());
  const bool gates_passed = v.gates() > 0 && v.gates_passed() == v.gates();
  if (request.stage() == "production" && !gates_passed && !request.force()) {
    return FailedPrecondition(which + " (run " + std::to_string(v.run_id()) + ") " +
                              (v.gates() == 0 ? "has no gates"
                                              : "passed " + std::to_string(v.gates_passed()) + " of its " +
                                                    std::to_string(v.gates()) + " gates") +
                              ": production needs every gate passed (an admin may force it)");
  }
  const bool forced = request.stage() == "production" && !gates_passed;
  return store_->models().SetStage(request.name(), request.version(), request.stage(), forced, by,
                                   request.reason(), now_ms);
}

StatusOr<derm::v1::ListModelVersionsResponse> ModelVersions::List(
    const derm::v1::ListModelVersionsRequest& request) {
  if (!request.name().empty()) DERM_RETURN_IF_ERROR(CheckName(request.name()));
  derm::v1::ListModelVersionsResponse response;
  DERM_ASSIGN_OR_RETURN(auto versions, store_->models().List(request.name()));
  for (auto& v : versions) *response.add_versions() = std::move(v);
  return response;
}

Status ModelVersions::Resolve(derm::v1::ModelSpec* model) {
  if (model->name().empty()) return Status::Ok();
  DERM_RETURN_IF_ERROR(CheckName(model->name()).WithPrefix("model"));
  derm::v1::ModelVersion v;
  if (model->version() > 0) {
    DERM_ASSIGN_OR_RETURN(v, store_->models().Get(model->name(), model->version()));
  } else {
    DERM_ASSIGN_OR_RETURN(auto in_stage, store_->models().InStage(model->name(), model->stage()));
    if (!in_stage) return NotFound("model " + model->name() + " has no version in " + model->stage());
    v = std::move(*in_stage);
  }
  if (model->run_id() != 0 && model->run_id() != v.run_id()) {
    return InvalidArgument("model.run_id " + std::to_string(model->run_id()) + " is not " + model->name() +
                           " version " + std::to_string(v.version()) + "'s run (" +
                           std::to_string(v.run_id()) + ")");
  }
  model->set_run_id(v.run_id());
  model->set_version(v.version());
  return Status::Ok();
}

}  // namespace derm::scheduler
