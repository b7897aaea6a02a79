#include "scheduler/access/permissions.h"

#include <vector>

#include "common/strings.h"

namespace derm::scheduler {

using P = Permission;

Permissions PermissionsOf(derm::v1::Role role) {
  const Permissions viewer = Permissions().With(P::kIdentify).With(P::kRead).With(P::kReadQueue);
  const Permissions editor = viewer.With(P::kSubmit).With(P::kChangeOwnJobs);
  switch (role) {
    case derm::v1::VIEWER:
      return viewer;
    case derm::v1::EDITOR:
      return editor;
    case derm::v1::ADMIN:
      return editor.With(P::kChangeAnyJob)
          .With(P::kManageWorkers)
          .With(P::kManageAccess)
          .With(P::kOverrideGates);
    case derm::v1::WORKER:
      return Permissions().With(P::kIdentify).With(P::kWork);
    case derm::v1::LAUNCHER:
      return Permissions().With(P::kIdentify).With(P::kReadQueue).With(P::kManageWorkers);
    default:
      return Permissions();
  }
}

std::string RoleName(derm::v1::Role role) { return AsciiLower(derm::v1::Role_Name(role)); }

std::optional<derm::v1::Role> ParseRole(std::string_view name) {
  derm::v1::Role role = derm::v1::ROLE_UNSPECIFIED;
  if (!derm::v1::Role_Parse(AsciiUpper(name), &role) || role == derm::v1::ROLE_UNSPECIFIED)
    return std::nullopt;
  return role;
}

std::string PermissionName(Permission p) {
  switch (p) {
    case P::kIdentify:
      return "identify";
    case P::kRead:
      return "read";
    case P::kSubmit:
      return "submit";
    case P::kChangeOwnJobs:
      return "change own jobs";
    case P::kChangeAnyJob:
      return "change any job";
    case P::kManageWorkers:
      return "manage workers";
    case P::kManageAccess:
      return "manage access";
    case P::kWork:
      return "work";
    case P::kReadQueue:
      return "read the queue";
    case P::kOverrideGates:
      return "override gates";
  }
  return "?";
}

std::string RolesGranting(Permission p) {
  std::vector<std::string> roles;
  for (derm::v1::Role r :
       {derm::v1::VIEWER, derm::v1::EDITOR, derm::v1::ADMIN, derm::v1::WORKER, derm::v1::LAUNCHER}) {
    if (PermissionsOf(r).Has(p)) roles.push_back(RoleName(r));
  }
  std::string out;
  for (size_t i = 0; i < roles.size(); ++i) {
    out += (i == 0 ? "" : i + 1 == roles.size() ? " or " : ", ") + roles[i];
  }
  return out;
}

const std::map<std::string, Permission, std::less<>>& PermissionTable() {
  static const auto* table = new std::map<std::string, Permission, std::less<>>{
      // JobService: what people and services use.
      {"derm.v1.JobService.SubmitJob", P::kSubmit},
      {"derm.v1.JobService.GetJob", P::kRead},
      {"derm.v1.JobService.ListJobs", P::kReadQueue},
      {"derm.v1.JobService.CancelJob", P::kChangeOwnJobs},  // others' jobs: kChangeAnyJob too
      {"derm.v1.JobService.RetryJob", P::kChangeOwnJobs},   // others' jobs: kChangeAnyJob too
      {"derm.v1.JobService.WatchJob", P::kRead},
      {"derm.v1.JobService.GetRun", P::kRead},
      {"derm.v1.JobService.ListRuns", P::kRead},
      {"derm.v1.JobService.GetConfusionMatrix", P::kRead},
      {"derm.v1.JobService.WatchEvents", P::kRead},
      {"derm.v1.JobService.ListPredictions", P::kRead},
      {"derm.v1.JobService.GetThumbnail", P::kRead},
      {"derm.v1.JobService.GetRunCurves", P::kRead},
      {"derm.v1.JobService.CompareRuns", P::kRead},
      {"derm.v1.JobService.GetModel", P::kRead},
      {"derm.v1.JobService.Query", P::kRead},  // audit_events only with kManageAccess
      {"derm.v1.JobService.ListWorkers", P::kReadQueue},
      {"derm.v1.JobService.DrainWorker", P::kManageWorkers},
      // WorkerService: workers only, each for its own attempts (the Scheduler checks).
      {"derm.v1.WorkerService.RegisterWorker", P::kWork},
      {"derm.v1.WorkerService.Heartbeat", P::kWork},
      {"derm.v1.WorkerService.AcquireTask", P::kWork},
      {"derm.v1.WorkerService.ReportFacts", P::kWork},
      {"derm.v1.WorkerService.ReportEpoch", P::kWork},
      {"derm.v1.WorkerService.CompleteTask", P::kWork},
      {"derm.v1.WorkerService.FailTask", P::kWork},
      {"derm.v1.WorkerService.LeaveWorker", P::kWork},
      // ModelService: the registry (forcing past the gates: kOverrideGates too).
      {"derm.v1.ModelService.RegisterModel", P::kSubmit},
      {"derm.v1.ModelService.PromoteModel", P::kSubmit},
      {"derm.v1.ModelService.ListModelVersions", P::kRead},
      // AccessService.
      {"derm.v1.AccessService.WhoAmI", P::kIdentify},
      {"derm.v1.AccessService.CreateToken", P::kManageAccess},
      {"derm.v1.AccessService.ListTokens", P::kManageAccess},
      {"derm.v1.AccessService.RevokeToken", P::kManageAccess},
      {"derm.v1.AccessService.ListAuditEvents", P::kManageAccess},
      // Reflection: any principal (the health service needs no token at all).
      {"grpc.reflection.v1alpha.ServerReflection.ServerReflectionInfo", P::kIdentify},
  };
  return *table;
}

std::optional<Permission> RequiredPermission(std::string_view method) {
  const auto& table = PermissionTable();
  auto it = table.find(method);
  if (it == table.end()) return std::nullopt;
  return it->second;
}

}  // namespace derm::scheduler
