#include "scheduler/web/api_routes.h"

#include "common/strings.h"

namespace derm::scheduler::web {

const std::vector<ApiRoute>& ApiRoutes() {
  static const auto* routes = new std::vector<ApiRoute>{
      {"GET", "/api/v1/whoami", "derm.v1.AccessService.WhoAmI"},
      {"GET", "/api/v1/jobs", "derm.v1.JobService.ListJobs"},
      {"POST", "/api/v1/jobs", "derm.v1.JobService.SubmitJob"},
      {"GET", "/api/v1/jobs/{id}", "derm.v1.JobService.GetJob"},
      {"POST", "/api/v1/jobs/{id}/cancel", "derm.v1.JobService.CancelJob"},
      {"POST", "/api/v1/jobs/{id}/retry", "derm.v1.JobService.RetryJob"},
      {"GET", "/api/v1/jobs/{id}/events", "derm.v1.JobService.WatchJob", ReplyKind::kEvents},
      {"GET", "/api/v1/events", "derm.v1.JobService.WatchEvents", ReplyKind::kEvents},
      {"GET", "/api/v1/runs", "derm.v1.JobService.ListRuns"},
      {"GET", "/api/v1/runs/{run_id}", "derm.v1.JobService.GetRun"},
      {"GET", "/api/v1/runs/{run_id}/confusion", "derm.v1.JobService.GetConfusionMatrix"},
      {"GET", "/api/v1/runs/{run_id}/curves", "derm.v1.JobService.GetRunCurves"},
      {"GET", "/api/v1/runs/{run_id}/predictions", "derm.v1.JobService.ListPredictions"},
      {"GET", "/api/v1/runs/{run_id}/thumbnail", "derm.v1.JobService.GetThumbnail", ReplyKind::kBytes,
       "image/jpeg", "jpeg"},
      {"GET", "/api/v1/runs/{run_id}/model", "derm.v1.JobService.GetModel", ReplyKind::kBytes,
       "application/octet-stream", "data"},
      {"GET", "/api/v1/compare", "derm.v1.JobService.CompareRuns"},
      {"POST", "/api/v1/query", "derm.v1.JobService.Query"},
      {"GET", "/api/v1/models", "derm.v1.ModelService.ListModelVersions"},
      {"POST", "/api/v1/models", "derm.v1.ModelService.RegisterModel"},
      {"POST", "/api/v1/models/{name}/versions/{version}/promote", "derm.v1.ModelService.PromoteModel"},
      {"GET", "/api/v1/workers", "derm.v1.JobService.ListWorkers"},
      {"POST", "/api/v1/workers/{id}/drain", "derm.v1.JobService.DrainWorker"},
      {"GET", "/api/v1/tokens", "derm.v1.AccessService.ListTokens"},
      {"POST", "/api/v1/tokens", "derm.v1.AccessService.CreateToken"},
      {"POST", "/api/v1/tokens/{id}/revoke", "derm.v1.AccessService.RevokeToken"},
      {"GET", "/api/v1/audit", "derm.v1.AccessService.ListAuditEvents"},
  };
  return *routes;
}

namespace {

// Matches "/a/{x}/b" against "/a/7/b"; a {name} matches one non-empty segment.
bool Matches(const std::string& pattern, const std::string& path,
             std::map<std::string, std::string>* params) {
  const std::vector<std::string> want = Split(pattern, '/'), got = Split(path, '/');
  if (want.size() != got.size()) return false;
  std::map<std::string, std::string> found;
  for (size_t i = 0; i < want.size(); ++i) {
    const std::string& w = want[i];
    if (w.size() > 2 && w.front() == '{' && w.back() == '}') {
      if (got[i].empty()) return false;
      found[w.substr(1, w.size() - 2)] = got[i];
    } else if (w != got[i]) {
      return false;
    }
  }
  *params = std::move(found);
  return true;
}

}  // namespace

const ApiRoute* MatchRoute(const std::string& method, const std::string& path,
                           std::map<std::string, std::string>* params, bool* path_exists) {
  *path_exists = false;
  for (const ApiRoute& route : ApiRoutes()) {
    std::map<std::string, std::string> found;
    if (!Matches(route.pattern, path, &found)) continue;
    *path_exists = true;
    if (method == route.method) {
      *params = std::move(found);
      return &route;
    }
  }
  return nullptr;
}

}  // namespace derm::scheduler::web
