#include "scheduler/web/dashboard.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <google/protobuf/util/json_util.h>

#include <memory>

#include "common/strings.h"
#include "derm/v1/access.pb.h"
#include "scheduler/web/api_routes.h"
#include "scheduler/web/assets.h"
#include "scheduler/web/request_fields.h"
#include "scheduler/web/url.h"

namespace derm::scheduler::web {

namespace {

constexpr char kCookie[] = "derm_session";
constexpr char kJson[] = "application/json";

// Same origin only: scripts, styles, images, fetch and EventSource; no plugins, frames or <base>.
constexpr char kCsp[] =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

HttpResponse Text(int status, const std::string& body) {
  HttpResponse r;
  r.status = status;
  r.content_type = "text/plain; charset=utf-8";
  r.body = body + "\n";
  return r;
}

HttpResponse Redirect(const std::string& location) {
  HttpResponse r = Text(303, "see " + location);
  r.headers.emplace_back("Location", location);
  return r;
}

// The HTTP status of a gRPC status code (Google's API design guide's mapping).
int HttpStatusOf(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return 200;
    case StatusCode::kInvalidArgument:
    case StatusCode::kFailedPrecondition:
    case StatusCode::kOutOfRange:
      return 400;
    case StatusCode::kUnauthenticated:
      return 401;
    case StatusCode::kPermissionDenied:
      return 403;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kAlreadyExists:
    case StatusCode::kAborted:
      return 409;
    case StatusCode::kResourceExhausted:
      return 429;
    case StatusCode::kUnimplemented:
      return 501;
    case StatusCode::kUnavailable:
    case StatusCode::kCancelled:
      return 503;
    case StatusCode::kDeadlineExceeded:
      return 504;
    default:
      return 500;
  }
}

std::string ErrorJson(const Status& status) {
  return "{\"code\":" + JsonQuote(StatusCodeName(status.code())) +
         ",\"message\":" + JsonQuote(status.message()) + "}";
}

HttpResponse Error(const Status& status) {
  HttpResponse r;
  r.status = HttpStatusOf(status.code());
  r.content_type = kJson;
  r.body = ErrorJson(status) + "\n";
  return r;
}

std::string ToJson(const google::protobuf::Message& m) {
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = true;
  std::string out;
  (void)google::protobuf::util::MessageToJsonString(m, &out, options);  // fails only for Any
  return out;
}

std::string Header(const HttpRequest& request, const std::string& name) {
  auto it = request.headers.find(name);
  return it == request.headers.end() ? "" : it->second;
}

// The origin a same-site request of this site has: "https://HOST".
std::string OwnOrigin(const HttpRequest& request) {
  return std::string(request.tls ? "https://" : "http://") + Header(request, "host");
}

// Headers every page and API answer carries.
void AddSecurityHeaders(const HttpRequest& request, HttpResponse* r) {
  r->headers.emplace_back("Content-Security-Policy", kCsp);
  r->headers.emplace_back("X-Content-Type-Options", "nosniff");
  r->headers.emplace_back("X-Frame-Options", "DENY");
  r->headers.emplace_back("Referrer-Policy", "same-origin");  // no-referrer makes POSTs say Origin: null
  r->headers.emplace_back("Cache-Control", "no-store");
  if (request.tls) r->headers.emplace_back("Strict-Transport-Security", "max-age=31536000");
}

HttpResponse ServeAsset(const std::string& name) {
  const Asset* asset = FindAsset(name);
  if (!asset) return Text(404, "no such file");
  HttpResponse r;
  r.content_type = std::string(asset->content_type);
  r.body = std::string(asset->bytes);
  return r;
}

// One Server-Sent Event for a stream's message: "id: N" when it has a (non-zero) event_id.
std::string SseEvent(const google::protobuf::Message& m) {
  std::string out;
  const auto* id = m.GetDescriptor()->FindFieldByName("event_id");
  if (id && id->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_INT64) {
    const int64_t v = m.GetReflection()->GetInt64(m, id);
    if (v != 0) out += "id: " + std::to_string(v) + "\n";
  }
  return out + "data: " + ToJson(m) + "\n\n";
}

}  // namespace

std::string Dashboard::TokenOf(const HttpRequest& request, bool* by_cookie) {
  *by_cookie = false;
  const std::string auth = Header(request, "authorization");
  if (auth.rfind("Bearer ", 0) == 0) return auth.substr(7);
  const std::string id = CookieValue(Header(request, "cookie"), kCookie);
  if (id.empty()) return "";
  auto token = sessions_->TokenOf(id);
  if (!token) return "";
  *by_cookie = true;
  return *token;
}

HttpResponse Dashboard::Handle(const HttpRequest& request) {
  const std::optional<Target> target = ParseTarget(request.target);
  if (!target) return Text(400, "bad request target");
  const std::string& path = target->path;
  const bool get = request.method == "GET";
  if (path == "/metrics" || path == "/healthz") {  // for Prometheus and probes: no login, any Host
    if (!get) return Text(405, "only GET");
    if (path == "/metrics") {
      HttpResponse r;
      r.body = options_.metrics();
      return r;
    }
    const Status st = options_.health();
    return Text(st.ok() ? 200 : 503, st.ok() ? "ok" : st.message());
  }
  HttpResponse r;
  if (!options_.allowed_hosts.count(Header(request, "host"))) {
    r = Text(421, "this server does not answer for Host '" + Header(request, "host") +
                      "' (derm-scheduler --http-host adds names)");
  } else if (path.rfind("/api/v1/", 0) == 0) {
    r = Api(request, path, target->query);
  } else if (path == "/login") {
    r = get ? ServeAsset("login.html") : request.method == "POST" ? Login(request) : Text(405, "GET or POST");
  } else if (path == "/logout") {
    r = request.method == "POST" ? Logout(request) : Text(405, "only POST");
  } else if (path == "/favicon.ico") {
    r = ServeAsset("favicon.svg");
  } else if (path.rfind("/static/", 0) == 0) {
    r = get ? ServeAsset(path.substr(8)) : Text(405, "only GET");
  } else if (path == "/") {
    bool by_cookie = false;
    if (!get) {
      r = Text(405, "only GET");
    } else if (TokenOf(request, &by_cookie).empty()) {
      r = Redirect("/login");
    } else {
      r = ServeAsset("index.html");
    }
  } else {
    r = Text(404, "not found: the dashboard is at /, the API under /api/v1/ (docs/http-api.md)");
  }
  AddSecurityHeaders(request, &r);
  return r;
}

HttpResponse Dashboard::Login(const HttpRequest& request) {
  const std::string origin = Header(request, "origin");
  if (!origin.empty() && origin != OwnOrigin(request)) return Text(403, "login from another site refused");
  const auto form = ParseForm(request.body);
  std::string token;
  if (form) {
    for (const auto& [name, value] : *form) {
      if (name == "token") token = Trim(value);
    }
  }
  if (token.empty()) return Redirect("/login?failed=empty");
  derm::v1::WhoAmIResponse who;
  const Status st = gateway_->Call("derm.v1.AccessService.WhoAmI", token, derm::v1::WhoAmIRequest(), &who,
                                   options_.call_timeout);
  if (!st.ok())
    return Redirect(st.code() == StatusCode::kUnauthenticated ? "/login?failed=token"
                                                              : "/login?failed=server");
  HttpResponse r = Redirect("/");
  r.headers.emplace_back("Set-Cookie", std::string(kCookie) + "=" + sessions_->Create(token) +
                                           "; Path=/; HttpOnly; SameSite=Strict" +
                                           (request.tls ? "; Secure" : ""));
  return r;
}

HttpResponse Dashboard::Logout(const HttpRequest& request) {
  const std::string origin = Header(request, "origin");
  if (!origin.empty() && origin != OwnOrigin(request)) return Text(403, "logout from another site refused");
  const std::string id = CookieValue(Header(request, "cookie"), kCookie);
  if (!id.empty()) sessions_->End(id);
  HttpResponse r = Redirect("/login");
  r.headers.emplace_back("Set-Cookie", std::string(kCookie) +
                                           "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict" +
                                           (request.tls ? "; Secure" : ""));
  return r;
}

HttpResponse Dashboard::Api(const HttpRequest& request, const std::string& path,
                            const std::vector<std::pair<std::string, std::string>>& query) {
  std::map<std::string, std::string> params;
  bool path_exists = false;
  const ApiRoute* route = MatchRoute(request.method, path, &params, &path_exists);
  if (!route) {
    return path_exists
               ? Error(Status(StatusCode::kUnimplemented, request.method + " is not served for " + path))
               : Error(NotFound("no API route " + path + " (docs/http-api.md)"));
  }
  bool by_cookie = false;
  const std::string token = TokenOf(request, &by_cookie);
  if (by_cookie && request.method == "POST" && Header(request, "origin") != OwnOrigin(request)) {
    return Error(
        Status(StatusCode::kPermissionDenied, "a POST with the session cookie must come from this site"));
  }
  const auto* method = google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(route->rpc);
  if (!method) return Error(Internal(std::string("no method ") + route->rpc));
  auto* factory = google::protobuf::MessageFactory::generated_factory();
  std::unique_ptr<google::protobuf::Message> req(factory->GetPrototype(method->input_type())->New());
  const std::string body = request.method == "POST" ? request.body : "";
  if (Status st = FillRequest(Trim(body).empty() ? "" : body, query, params, req.get()); !st.ok()) {
    return Error(st);
  }
  if (route->reply == ReplyKind::kEvents) {
    const std::string last = Header(request, "last-event-id");
    if (!last.empty()) {
      if (Status st = FillRequest("", {{"after_event_id", last}}, {}, req.get()); !st.ok()) return Error(st);
    }
    return Events(route->rpc, token, std::move(req));
  }
  std::unique_ptr<google::protobuf::Message> resp(factory->GetPrototype(method->output_type())->New());
  if (Status st = gateway_->Call(route->rpc, token, *req, resp.get(), options_.call_timeout); !st.ok()) {
    return Error(st);
  }
  HttpResponse r;
  if (route->reply == ReplyKind::kBytes) {
    const auto* field = resp->GetDescriptor()->FindFieldByName(route->bytes_field);
    r.content_type = route->content_type;
    r.body = resp->GetReflection()->GetString(*resp, field);
    return r;
  }
  r.content_type = kJson;
  r.body = ToJson(*resp) + "\n";
  return r;
}

HttpResponse Dashboard::Events(const std::string& rpc, const std::string& token,
                               std::unique_ptr<google::protobuf::Message> request) {
  std::shared_ptr<GrpcGateway::Stream> stream = gateway_->OpenStream(rpc, token, *request);
  // A call refused at once (no token, no permission, no such job) is answered as an error, not
  // as an event stream.
  const auto* method = google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(rpc);
  std::shared_ptr<google::protobuf::Message> message(
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(method->output_type())->New());
  const auto first = stream->Read(message.get(), std::chrono::milliseconds(1000));
  if (first == GrpcGateway::Stream::Next::kEnd && !stream->status().ok()) return Error(stream->status());
  HttpResponse r;
  r.content_type = "text/event-stream";
  auto pending = std::make_shared<std::string>("retry: 2000\n\n");
  if (first == GrpcGateway::Stream::Next::kMessage) *pending += SseEvent(*message);
  const bool ended = first == GrpcGateway::Stream::Next::kEnd;
  auto quiet = std::make_shared<int>(0);  // seconds without a message
  r.stream = [stream, message, pending, ended, quiet](std::string* out) {
    if (!pending->empty()) {
      out->swap(*pending);
      pending->clear();
      return !ended;
    }
    switch (stream->Read(message.get(), std::chrono::milliseconds(1000))) {
      case GrpcGateway::Stream::Next::kMessage:
        *quiet = 0;
        *out = SseEvent(*message);
        return true;
      case GrpcGateway::Stream::Next::kTimeout:
        if (++*quiet >= 15) {  // a comment now and then: a client that went away is noticed
          *quiet = 0;
          *out = ": keep-alive\n\n";
        }
        return true;
      case GrpcGateway::Stream::Next::kEnd:
        if (!stream->status().ok()) *out = "event: error\ndata: " + ErrorJson(stream->status()) + "\n\n";
        return false;
    }
    return false;
  };
  r.headers.emplace_back("X-Accel-Buffering", "no");
  return r;
}

}  // namespace derm::scheduler::web
