// The HTTP API and the dashboard's server side on a real scheduler and worker: every route that
// docs/http-api.md documents answers its example, the documented table and the served routes are
// the same, logins, cookies, Origin and Host checks, security headers, error statuses, and event
// streams that resume after Last-Event-ID.
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "common/strings.h"
#include "derm/v1/access.pb.h"
#include "scheduler/web/api_routes.h"
#include "tests/testing/cluster.h"

namespace derm {
namespace {

using testing::Http;
using testing::HttpReply;
using testing::HttpRequestSpec;

struct DocRoute {
  std::string method, route, example;
};

// The rows of docs/http-api.md's route table, in order.
std::vector<DocRoute> DocumentedRoutes() {
  std::ifstream in(std::string(DERM_SOURCE_DIR) + "/docs/http-api.md");
  std::vector<DocRoute> rows;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("| GET |", 0) != 0 && line.rfind("| POST |", 0) != 0) continue;
    std::vector<std::string> cells = Split(line, '|');
    auto clean = [](std::string s) {
      s = Trim(s);
      if (s.size() >= 2 && s.front() == '`' && s.back() == '`') s = s.substr(1, s.size() - 2);
      return s;
    };
    rows.push_back({clean(cells.at(1)), clean(cells.at(2)), clean(cells.at(4))});
  }
  return rows;
}

template <typename Message>
Message FromJson(const std::string& json) {
  Message m;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(json, &m).ok()) << json;
  return m;
}

std::string Replace(std::string s, const std::map<std::string, std::string>& values) {
  for (const auto& [key, value] : values) {
    for (size_t at; (at = s.find(key)) != std::string::npos;) s.replace(at, key.size(), value);
  }
  return s;
}

// A scheduler with the dashboard, one worker (that leaves after two tasks) and two finished runs.
class DashboardApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(cluster_.StartScheduler({"--http-listen", "127.0.0.1:0"})) << cluster_.SchedulerLog();
    worker_ = cluster_.StartWorker({"--max-tasks", "2"});
    derm::v1::JobSpec spec = cluster_.TinySpec(2);
    ASSERT_EQ(cluster_.Follow(cluster_.Submit(spec).id()), derm::v1::SUCCEEDED) << cluster_.WorkerLog(0);
    spec.mutable_train()->set_learning_rate(0.01);
    ASSERT_EQ(cluster_.Follow(cluster_.Submit(spec).id()), derm::v1::SUCCEEDED) << cluster_.WorkerLog(0);
    admin_ = Trim(testing::ReadFile(cluster_.admin_token_file()));
    http_ = cluster_.http_address();
  }

  HttpReply Call(const std::string& method, const std::string& path, const std::string& token,
                 const std::string& body = "", std::map<std::string, std::string> headers = {}) {
    HttpRequestSpec r;
    r.method = method;
    r.path = path;
    r.body = body;
    r.headers = std::move(headers);
    if (!token.empty()) r.headers["Authorization"] = "Bearer " + token;
    return Http(http_, r);
  }

  testing::TempDir dir_;
  testing::Cluster cluster_{dir_};
  size_t worker_ = 0;
  std::string admin_, http_;
};

TEST_F(DashboardApiTest, EveryDocumentedRouteIsServedAndAnswersItsExample) {
  const std::vector<DocRoute> documented = DocumentedRoutes();
  std::set<std::pair<std::string, std::string>> doc_set, served;
  for (const auto& d : documented) doc_set.insert({d.method, d.route});
  for (const auto& r : scheduler::web::ApiRoutes()) served.insert({r.method, r.pattern});
  EXPECT_EQ(doc_set, served) << "docs/http-api.md's table and scheduler/web/api_routes.cc differ";
  ASSERT_EQ(documented.size(), served.size()) << "a route is documented twice";

  store::Database* db = nullptr;
  auto opened = store::Database::Open(cluster_.db(), /*read_only=*/true);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  db = opened->get();
  std::map<std::string, std::string> values = {
      {"{train_dir}", cluster_.data("Train")},
      {"{thumbnail_path}", testing::QueryText(db,
                                              "SELECT path FROM predictions WHERE run_id = 1 AND "
                                              "split = 'validation' AND thumbnail IS NOT NULL LIMIT 1")},
      {"{worker}", std::to_string(testing::QueryInt(db, "SELECT max(id) FROM workers"))},
  };
  // The example's path has a query with spaces percent-encoded; the thumbnail's path is encoded here.
  std::string& thumb = values["{thumbnail_path}"];
  ASSERT_FALSE(thumb.empty()) << "run 1 stored no thumbnails";
  std::string encoded;
  for (unsigned char c : thumb) {
    if (std::isalnum(c) || c == '/' || c == '.' || c == '_' || c == '-') {
      encoded += static_cast<char>(c);
    } else {
      char hex[4];
      snprintf(hex, sizeof hex, "%%%02X", c);
      encoded += hex;
    }
  }
  thumb = encoded;

  for (const DocRoute& d : documented) {
    SCOPED_TRACE(d.method + " " + d.route + ": " + d.example);
    const std::string example = Replace(d.example, values);
    const size_t space = example.find(' ', example.find(' ') + 1);
    const std::string method = example.substr(0, example.find(' '));
    const std::string path = example.substr(
        method.size() + 1, space == std::string::npos ? std::string::npos : space - method.size() - 1);
    const std::string body = space == std::string::npos ? "" : example.substr(space + 1);
    ASSERT_EQ(method, d.method);
    HttpRequestSpec r;
    r.method = method;
    r.path = path;
    r.body = body;
    r.headers["Authorization"] = "Bearer " + admin_;
    const bool stream = d.route.find("events") != std::string::npos;
    HttpReply reply =
        Http(http_, r,
             stream ? [](const std::string& b) { return b.find("\ndata: ") != std::string::npos; }
                    : std::function<bool(const std::string&)>());
    ASSERT_EQ(reply.status, 200) << reply.body;
    EXPECT_FALSE(reply.body.empty());
    const std::string type = reply.headers["content-type"];
    if (stream) {
      EXPECT_EQ(type, "text/event-stream");
      EXPECT_NE(reply.body.find("\ndata: {\"job_id\":\"1\""), std::string::npos) << reply.body;
    } else if (d.route.find("thumbnail") != std::string::npos) {
      EXPECT_EQ(type, "image/jpeg");
      EXPECT_EQ(reply.body.substr(0, 2), "\xFF\xD8");
    } else if (d.route.ends_with("/model")) {
      EXPECT_EQ(type, "application/octet-stream");
    } else {
      EXPECT_EQ(type, "application/json");
      EXPECT_EQ(reply.body.front(), '{') << reply.body;
    }
    if (d.method == "POST" && d.route == "/api/v1/jobs") {
      values["{new_job}"] = std::to_string(FromJson<derm::v1::SubmitJobResponse>(reply.body).job().id());
    }
    if (d.method == "POST" && d.route == "/api/v1/tokens") {
      values["{new_token}"] =
          std::to_string(FromJson<derm::v1::CreateTokenResponse>(reply.body).token().id());
    }
  }
}

TEST_F(DashboardApiTest, AnswersAreTheGrpcMethodsAnswersAsStored) {
  HttpReply run = Call("GET", "/api/v1/runs/2", admin_);
  ASSERT_EQ(run.status, 200) << run.body;
  const auto report = FromJson<derm::v1::RunReport>(run.body);
  EXPECT_EQ(report.params().at("train.learning_rate"), "0.01");
  ASSERT_EQ(report.epochs_size(), 2);

  auto opened = store::Database::Open(cluster_.db(), /*read_only=*/true);
  ASSERT_TRUE(opened.ok());
  store::Database* db = opened->get();
  // The confusion matrix of epoch 1 is the stored one, cell by cell.
  const auto m = FromJson<derm::v1::SplitMetrics>(
      Call("GET", "/api/v1/runs/2/confusion?epoch=1&split=validation", admin_).body);
  const int n = m.confusion().class_names_size();
  ASSERT_EQ(n, 3);
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < n; ++j) {
      EXPECT_EQ(m.confusion().counts(i * n + j),
                testing::QueryInt(db,
                                  "SELECT coalesce(sum(count), 0) FROM confusion_cells WHERE run_id = 2 AND "
                                  "epoch = 1 AND split = 'validation' AND true_class = " +
                                      std::to_string(i) + " AND pred_class = " + std::to_string(j)));
    }
  }
  // A confusion cell's images are the stored predictions of that cell, each with a thumbnail.
  for (int i = 0; i < n; ++i) {
    const auto cell = FromJson<derm::v1::ListPredictionsResponse>(
        Call("GET",
             "/api/v1/runs/2/predictions?true_class=" + std::to_string(i) +
                 "&predicted_class=" + std::to_string(i),
             admin_)
            .body);
    EXPECT_EQ(
        cell.predictions_size(),
        testing::QueryInt(db,
                          "SELECT count(*) FROM predictions WHERE run_id = 2 AND split = 'validation' AND "
                          "true_class = " +
                              std::to_string(i) + " AND predicted_class = " + std::to_string(i)));
    for (const auto& p : cell.predictions()) {
      EXPECT_TRUE(p.has_thumbnail()) << p.path();
      EXPECT_EQ(p.true_class(), i);
    }
  }
  // Images that flipped between the runs: one right, the other wrong, as SQL counts them.
  const auto flips = FromJson<derm::v1::ListPredictionsResponse>(
      Call("GET", "/api/v1/runs/1/predictions?differs_from_run=2", admin_).body);
  EXPECT_EQ(
      flips.predictions_size(),
      testing::QueryInt(db,
                        "SELECT count(*) FROM predictions a JOIN predictions b ON b.run_id = 2 AND "
                        "b.split = a.split AND b.path = a.path WHERE a.run_id = 1 AND a.split = 'validation' "
                        "AND (a.predicted_class = a.true_class) != (b.predicted_class = b.true_class)"));
  for (const auto& p : flips.predictions()) {
    EXPECT_NE(p.predicted_class() == p.true_class(), p.other_predicted_class() == p.true_class()) << p.path();
  }
  // Paging: pages of one prediction each, following next_page_token, give every prediction once.
  std::set<std::string> paged;
  std::string token;
  int pages = 0;
  do {
    const auto page = FromJson<derm::v1::ListPredictionsResponse>(
        Call("GET", "/api/v1/runs/2/predictions?page_size=1&page_token=" + token, admin_).body);
    ASSERT_LE(page.predictions_size(), 1);
    for (const auto& p : page.predictions()) EXPECT_TRUE(paged.insert(p.path()).second) << p.path();
    token = page.next_page_token();
  } while (!token.empty() && ++pages < 1000);
  EXPECT_EQ(
      static_cast<int64_t>(paged.size()),
      testing::QueryInt(db, "SELECT count(*) FROM predictions WHERE run_id = 2 AND split = 'validation'"));
  // The clinical evaluation: every epoch's validation (from the confusion route; the run's report
  // carries only the last epoch's, so that a long run's stays small), and the test split with
  // bootstrap intervals.
  for (const auto& epoch : report.epochs()) {
    const bool last = epoch.epoch() == report.epochs().rbegin()->epoch();
    EXPECT_EQ(epoch.validation().has_evaluation(), last) << "epoch " << epoch.epoch();
    const auto split = FromJson<derm::v1::SplitMetrics>(
        Call("GET", "/api/v1/runs/2/confusion?epoch=" + std::to_string(epoch.epoch()), admin_).body);
    if (last) {
      EXPECT_EQ(split.evaluation().SerializeAsString(), epoch.validation().evaluation().SerializeAsString());
    }
    const auto& v = split.evaluation();
    ASSERT_EQ(v.per_class_size(), 3) << "epoch " << epoch.epoch();
    ASSERT_EQ(v.reliability_size(), 15);
    int64_t binned = 0;
    for (const auto& b : v.reliability()) binned += b.count();
    EXPECT_EQ(binned, report.facts().validation_images());
    // The same cross-entropy, in double here and in float32 for the loss: a few float32 ulps.
    EXPECT_NEAR(v.nll(), epoch.validation().loss(), 1e-5 * std::max(1.0, v.nll()));
    EXPECT_FALSE(v.has_accuracy_interval()) << "intervals are for the test split";
  }
  const auto& t = report.result().test().evaluation();
  ASSERT_EQ(t.per_class_size(), 3);
  EXPECT_EQ(t.accuracy_interval().resamples(), 1000);
  EXPECT_EQ(t.accuracy_interval().seed(), 123u) << "the spec's data.seed";
  EXPECT_DOUBLE_EQ(t.accuracy_interval().estimate(), report.result().test().accuracy());
  EXPECT_LE(t.accuracy_interval().lower(), t.accuracy_interval().estimate());
  EXPECT_GE(t.accuracy_interval().upper(), t.accuracy_interval().estimate());
  for (const auto& c : t.per_class()) {
    EXPECT_EQ(c.at_specificity_size(), 3) << c.class_name();
    if (std::isnan(c.roc_auc())) continue;  // a test set of one image per class may leave it undefined
    EXPECT_GE(c.roc_auc(), 0);
    EXPECT_LE(c.roc_auc(), 1);
    EXPECT_EQ(c.roc().x(0), 0);
    EXPECT_EQ(c.roc().x(c.roc().x_size() - 1), 1);
  }
  // Curves: each series has both epochs.
  const auto curves = FromJson<derm::v1::RunCurves>(Call("GET", "/api/v1/runs/2/curves", admin_).body);
  ASSERT_EQ(curves.series_size(), 5);
  EXPECT_EQ(curves.series(3).name(), "val_accuracy");
  EXPECT_EQ(curves.series(3).epochs_size(), 2);
  EXPECT_DOUBLE_EQ(curves.series(3).values(1), report.epochs(1).validation().accuracy());
}

TEST_F(DashboardApiTest, ErrorsHaveTheirHttpStatusAndNameTheProblem) {
  const std::string viewer = Trim(testing::ReadFile(cluster_.CreateTokenFile("vera", "viewer")));
  struct Case {
    std::string method, path, token, body;
    int status;
    std::string says;  // in the answer's body
  };
  const std::vector<Case> cases = {
      {"GET", "/api/v1/runs", "", "", 401, "UNAUTHENTICATED"},
      {"GET", "/api/v1/runs", "derm_not_a_token", "", 401, "UNAUTHENTICATED"},
      {"GET", "/api/v1/runs", "derm_" + std::string(300, 'x'), "", 401, "not a derm token"},
      {"GET", "/api/v1/events", "derm_" + std::string(300, 'x'), "", 401, "not a derm token"},
      {"POST", "/api/v1/jobs/1/retry", viewer, "", 403, "\"code\":\"PERMISSION_DENIED\""},
      {"GET", "/api/v1/runs/99", viewer, "", 404, "run 99"},
      {"GET", "/api/v1/runs?colour=red", viewer, "", 400, "unknown parameter 'colour'"},
      {"GET", "/api/v1/runs?params=x%27%20OR%201", viewer, "", 400, "is not a param name"},
      {"GET", "/api/v1/runs/abc", viewer, "", 400, "run_id"},
      {"GET", "/api/v1/runs?filter=state%20%3D%3D", viewer, "", 400, "INVALID_ARGUMENT"},
      {"POST", "/api/v1/query", viewer, "{\"sql\": 5, \"nope\": 1}", 400, "JSON body"},
      {"POST", "/api/v1/query", viewer, "{\"sql\": \"DELETE FROM runs\"}", 403, "PERMISSION_DENIED"},
      {"GET", "/api/v1/nothing", viewer, "", 404, "no API route /api/v1/nothing"},
      {"DELETE", "/api/v1/runs/1", viewer, "", 501, "DELETE is not served"},
      {"GET", "/api/v1/runs/1/thumbnail?path=..%2F..%2Fetc%2Fpasswd", viewer, "", 404, "no thumbnail"},
      {"GET", "/api/v1/runs/1/predictions?split=train", viewer, "", 400, "split must be validation or test"},
      {"GET", "/api/v1/runs/1?x=%zz", viewer, "", 400, "bad request target"},
  };
  for (const Case& c : cases) {
    HttpReply reply = Call(c.method, c.path, c.token, c.body);
    EXPECT_EQ(reply.status, c.status) << c.method << " " << c.path << ": " << reply.body;
    EXPECT_NE(reply.body.find(c.says), std::string::npos) << c.method << " " << c.path << ": " << reply.body;
  }
  // The scheduler is still serving, and nothing stored was lost.
  EXPECT_EQ(Call("GET", "/api/v1/runs/1", viewer).status, 200);
}

TEST_F(DashboardApiTest, PagesCheckTheHostAndCarryAStrictContentSecurityPolicy) {
  HttpRequestSpec page;
  page.path = "/login";
  HttpReply login = Http(http_, page);
  ASSERT_EQ(login.status, 200);
  EXPECT_EQ(login.headers.at("content-type"), "text/html; charset=utf-8");
  const std::string csp = login.headers.at("content-security-policy");
  for (const char* part : {"default-src 'self'", "script-src 'self'", "style-src 'self'", "object-src 'none'",
                           "frame-ancestors 'none'"}) {
    EXPECT_NE(csp.find(part), std::string::npos) << part;
  }
  EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos);
  EXPECT_EQ(login.headers.at("x-content-type-options"), "nosniff");
  EXPECT_EQ(login.body.find("<script>"), std::string::npos) << "an inline script";
  EXPECT_EQ(login.body.find("style="), std::string::npos) << "an inline style";

  page.host = "attacker.example:80";  // a DNS-rebinding page
  EXPECT_EQ(Http(http_, page).status, 421);
  page.path = "/api/v1/runs";
  page.headers["Authorization"] = "Bearer " + admin_;
  EXPECT_EQ(Http(http_, page).status, 421);
  page.path = "/metrics";  // Prometheus scrapes by service name
  EXPECT_EQ(Http(http_, page).status, 200);
  page.host = "localhost:" + http_.substr(http_.rfind(':') + 1);
  page.path = "/static/app.js";
  HttpReply js = Http(http_, page);
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.headers.at("content-type"), "text/javascript; charset=utf-8");
  page.path = "/";
  page.headers.clear();
  HttpReply root = Http(http_, page);
  EXPECT_EQ(root.status, 303) << "not logged in: to the login form";
  EXPECT_EQ(root.headers.at("location"), "/login");
}

TEST_F(DashboardApiTest, TheLoginCookieIsHttpOnlyStrictAndEndsWithLogoutOrRevocation) {
  const std::string origin = "http://" + http_;
  const std::string viewer_file = cluster_.CreateTokenFile("vera", "viewer");
  const std::string viewer = Trim(testing::ReadFile(viewer_file));
  HttpReply bad = Call("POST", "/login", "", "token=derm_wrong", {{"Origin", origin}});
  EXPECT_EQ(bad.status, 303);
  EXPECT_EQ(bad.headers["location"], "/login?failed=token");
  EXPECT_EQ(bad.headers.count("set-cookie"), 0u);
  EXPECT_EQ(Call("POST", "/login", "", "token=" + viewer, {{"Origin", "http://attacker.example"}}).status,
            403);

  HttpReply ok = Call("POST", "/login", "", "token=" + viewer, {{"Origin", origin}});
  ASSERT_EQ(ok.status, 303);
  EXPECT_EQ(ok.headers["location"], "/");
  const std::string cookie = ok.headers["set-cookie"];
  EXPECT_NE(cookie.find("; HttpOnly"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("; SameSite=Strict"), std::string::npos) << cookie;
  EXPECT_EQ(cookie.find(viewer), std::string::npos) << "the cookie must not hold the token";
  const std::string session = cookie.substr(0, cookie.find(';'));

  HttpReply who = Call("GET", "/api/v1/whoami", "", "", {{"Cookie", session}});
  ASSERT_EQ(who.status, 200);
  EXPECT_EQ(FromJson<derm::v1::WhoAmIResponse>(who.body).user(), "vera");
  EXPECT_EQ(Call("GET", "/", "", "", {{"Cookie", session}}).status, 200);
  // A cookie's POST must come from this site: without Origin, or from another, it is refused
  // before the method runs (403 either way for a viewer; an admin's would be refused the same).
  HttpReply no_origin = Call("POST", "/api/v1/query", "", "{\"sql\": \"SELECT 1\"}", {{"Cookie", session}});
  EXPECT_EQ(no_origin.status, 403);
  EXPECT_NE(no_origin.body.find("must come from this site"), std::string::npos) << no_origin.body;
  EXPECT_EQ(
      Call("POST", "/api/v1/query", "", "{\"sql\": \"SELECT 1\"}", {{"Cookie", session}, {"Origin", origin}})
          .status,
      200);

  // Revoking the token ends its sessions at once.
  const auto tokens = FromJson<derm::v1::ListTokensResponse>(Call("GET", "/api/v1/tokens", admin_).body);
  int64_t id = 0;
  for (const auto& t : tokens.tokens()) {
    if (t.user() == "vera") id = t.id();
  }
  ASSERT_NE(id, 0);
  EXPECT_EQ(Call("POST", "/api/v1/tokens/" + std::to_string(id) + "/revoke", admin_).status, 200);
  EXPECT_EQ(Call("GET", "/api/v1/whoami", "", "", {{"Cookie", session}}).status, 401);

  // Logout ends a session.
  HttpReply admin_login = Call("POST", "/login", "", "token=" + admin_, {{"Origin", origin}});
  const std::string admin_session =
      admin_login.headers["set-cookie"].substr(0, admin_login.headers["set-cookie"].find(';'));
  EXPECT_EQ(Call("GET", "/api/v1/whoami", "", "", {{"Cookie", admin_session}}).status, 200);
  EXPECT_EQ(Call("POST", "/logout", "", "", {{"Cookie", admin_session}, {"Origin", origin}}).status, 303);
  EXPECT_EQ(Call("GET", "/api/v1/whoami", "", "", {{"Cookie", admin_session}}).status, 401);
}

// The ids of a stream's events, in order.
std::vector<int64_t> EventIds(const std::string& body) {
  std::vector<int64_t> ids;
  std::istringstream in(body);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("id: ", 0) == 0) ids.push_back(std::stoll(line.substr(4)));
  }
  return ids;
}

TEST_F(DashboardApiTest, EventStreamsResumeAfterLastEventIdWithNothingTwice) {
  // Job 1's stream ends with the job; every stored event once, in order.
  HttpReply all = Call("GET", "/api/v1/jobs/1/events", admin_);
  ASSERT_EQ(all.status, 200);
  const std::vector<int64_t> ids = EventIds(all.body);
  ASSERT_GE(ids.size(), 4u) << all.body;  // queued, running, 2 epochs, succeeded
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
  EXPECT_NE(all.body.find("\"state\":\"SUCCEEDED\""), std::string::npos);

  // A browser that reconnects after the second event gets exactly the rest.
  HttpReply rest =
      Call("GET", "/api/v1/jobs/1/events", admin_, "", {{"Last-Event-ID", std::to_string(ids[1])}});
  EXPECT_EQ(EventIds(rest.body), std::vector<int64_t>(ids.begin() + 2, ids.end()));

  // Every job's stream resumes from any event: a job submitted later is seen with a later id.
  auto opened = store::Database::Open(cluster_.db(), /*read_only=*/true);
  ASSERT_TRUE(opened.ok());
  const int64_t newest = testing::QueryInt(opened->get(), "SELECT max(id) FROM events");
  derm::v1::JobSpec spec = cluster_.TinySpec(1);
  spec.mutable_resources()->add_labels("no-such-worker");  // stays queued
  ASSERT_NE(cluster_.Submit(spec).id(), 0);
  const auto queued = [](const std::string& b) { return b.find("\"QUEUED\"") != std::string::npos; };
  HttpRequestSpec resume;
  resume.path = "/api/v1/events";
  resume.headers = {{"Authorization", "Bearer " + admin_}, {"Last-Event-ID", std::to_string(newest)}};
  HttpReply resumed = Http(http_, resume, queued);
  ASSERT_EQ(resumed.status, 200);
  ASSERT_EQ(EventIds(resumed.body).size(), 1u) << resumed.body;
  EXPECT_EQ(EventIds(resumed.body).front(), newest + 1);

  // after_event_id=-1: only what happens after the stream opened (the job is submitted once the
  // stream has answered, which it does after its first read).
  HttpRequestSpec live = resume;
  live.path = "/api/v1/events?after_event_id=-1";
  live.headers.erase("Last-Event-ID");
  bool submitted = false;
  HttpReply fresh = Http(http_, live, [&](const std::string& b) {
    if (!submitted && b.find("retry: ") != std::string::npos) {
      submitted = true;
      EXPECT_NE(cluster_.Submit(spec).id(), 0);
    }
    return queued(b);
  });
  EXPECT_EQ(fresh.status, 200);
  ASSERT_EQ(EventIds(fresh.body).size(), 1u) << fresh.body;
  EXPECT_EQ(EventIds(fresh.body).front(), newest + 2);
  // A viewer's token may watch; no token may not (an error, not an empty stream).
  EXPECT_EQ(Call("GET", "/api/v1/events", "").status, 401);
}

}  // namespace
}  // namespace derm
