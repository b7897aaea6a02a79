// The JSON API under /api/v1/: each route is one gRPC method, reached through the scheduler's own
// gRPC server (scheduler/web/grpc_gateway.h), so it has the method's permission check, audit and
// answers. docs/http-api.md lists these routes; a test checks that the two agree.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace derm::scheduler::web {

enum class ReplyKind {
  kJson,    // the response message in protobuf's JSON mapping
  kBytes,   // one bytes field of the response, raw, with the route's content type
  kEvents,  // a server stream, as Server-Sent Events
};

struct ApiRoute {
  const char* method;   // GET or POST
  const char* pattern;  // "/api/v1/runs/{run_id}": {name} is a request field
  const char* rpc;      // "derm.v1.JobService.GetRun"
  ReplyKind reply = ReplyKind::kJson;
  const char* content_type = "application/json";  // kBytes: what the bytes are
  const char* bytes_field = "";                   // kBytes: the response field sent
};

const std::vector<ApiRoute>& ApiRoutes();

// The route for `method` and `path` (decoded, no query), with its {name} values in *params;
// nullptr when none matches. *path_exists: some route has this path (with another method).
const ApiRoute* MatchRoute(const std::string& method, const std::string& path,
                           std::map<std::string, std::string>* params, bool* path_exists);

}  // namespace derm::scheduler::web
