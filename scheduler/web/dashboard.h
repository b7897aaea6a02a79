// Dashboard: derm-scheduler's HTTP face. Serves /metrics and /healthz (no login: Prometheus and
// probes), the dashboard's pages and static files (scheduler/web/static/), the login form, and
// the JSON API under /api/v1/ (scheduler/web/api_routes.h) through the gRPC gateway.
//
// Who: a bearer token (Authorization header, for scripts), or the login session's cookie
// (HttpOnly, SameSite=Strict; Secure over HTTPS). A cookie's POSTs must also carry this site's
// Origin. Pages and the API answer only Host headers in `allowed_hosts`. Every answer has a strict
// Content-Security-Policy (scripts, styles and images from this origin only; no inline scripts).
// Thread-safety: thread-safe (Handle is called from the HTTP server's handler threads).
#pragma once

#include <functional>
#include <set>
#include <string>

#include "common/status.h"
#include "scheduler/http_server.h"
#include "scheduler/web/grpc_gateway.h"
#include "scheduler/web/login_sessions.h"

namespace derm::scheduler::web {

struct DashboardOptions {
  std::set<std::string> allowed_hosts;            // web/allowed_hosts.h
  std::function<std::string()> metrics;           // GET /metrics
  std::function<Status()> health;                 // GET /healthz
  std::chrono::milliseconds call_timeout{30000};  // each API call's gRPC deadline
};

class Dashboard {
 public:
  Dashboard(const GrpcGateway* gateway, LoginSessions* sessions, DashboardOptions options)
      : gateway_(gateway), sessions_(sessions), options_(std::move(options)) {}

  HttpResponse Handle(const HttpRequest& request);

 private:
  // Who is asking: the bearer token, or the token of the session in the cookie ("" for neither);
  // *by_cookie says which.
  std::string TokenOf(const HttpRequest& request, bool* by_cookie);
  HttpResponse Api(const HttpRequest& request, const std::string& path,
                   const std::vector<std::pair<std::string, std::string>>& query);
  HttpResponse Login(const HttpRequest& request);
  HttpResponse Logout(const HttpRequest& request);
  // A stream of `rpc`'s messages as Server-Sent Events.
  HttpResponse Events(const std::string& rpc, const std::string& token,
                      std::unique_ptr<google::protobuf::Message> request);

  const GrpcGateway* gateway_;
  LoginSessions* sessions_;
  const DashboardOptions options_;
};

}  // namespace derm::scheduler::web
