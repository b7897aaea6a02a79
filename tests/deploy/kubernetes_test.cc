// deploy/kubernetes/ read as Kubernetes would, against what derm's binaries really serve: every
// file parses, kustomizations name files that exist, Services select pods and ports that exist,
// probes hit the health-only port, every flag is one the binary takes, the KEDA query's metric is
// on the scheduler's /metrics, and the scheduler and a worker started with the manifests'
// own command lines (paths and addresses moved into the test's folder) serve and register.
// No cluster runs here: kubectl, the kubelet and KEDA themselves are not exercised.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <regex>
#include <set>

#include "derm/v1/jobs.grpc.pb.h"
#include "tests/scheduler/raw_call.h"
#include "tests/testing/cluster.h"
#include "tests/testing/subprocess.h"
#include "tests/testing/test_certificates.h"

namespace derm {
namespace {

namespace fs = std::filesystem;
const std::string kDir = std::string(DERM_SOURCE_DIR) + "/deploy/kubernetes";

struct Manifest {
  std::string file;
  YAML::Node doc;
};

std::vector<Manifest> LoadAll() {
  std::vector<Manifest> out;
  for (const auto& entry : fs::recursive_directory_iterator(kDir)) {
    if (entry.path().extension() != ".yaml") continue;
    for (const auto& doc : YAML::LoadAllFromFile(entry.path().string())) {
      if (doc.IsMap()) out.push_back({entry.path().string(), doc});
    }
  }
  return out;
}

// The objects of `kind` in base/, by name.
std::map<std::string, YAML::Node> Objects(const std::vector<Manifest>& all, const std::string& kind) {
  std::map<std::string, YAML::Node> out;
  for (const auto& m : all) {
    if (m.file.find("/base/") != std::string::npos && m.doc["kind"].as<std::string>("") == kind)
      out[m.doc["metadata"]["name"].as<std::string>()] = m.doc;
  }
  return out;
}

YAML::Node Container(const YAML::Node& workload, const std::string& name) {
  for (const auto& c : workload["spec"]["template"]["spec"]["containers"]) {
    if (c["name"].as<std::string>() == name) return c;
  }
  ADD_FAILURE() << "no container " << name;
  return {};
}

std::vector<std::string> Args(const YAML::Node& container) {
  std::vector<std::string> out;
  for (const auto& a : container["args"]) out.push_back(a.as<std::string>());
  return out;
}

std::string Flag(const std::vector<std::string>& args, const std::string& flag) {
  for (const auto& a : args) {
    if (a.rfind(flag + "=", 0) == 0) return a.substr(flag.size() + 1);
  }
  return "";
}

int Port(const std::string& address) { return std::stoi(address.substr(address.rfind(':') + 1)); }

// The flags of `args` that `binary --help` does not list.
std::vector<std::string> UnknownFlags(const std::string& binary, const std::vector<std::string>& args) {
  const std::string help = testing::RunCommand({binary, "--help"}).out;
  std::vector<std::string> unknown;
  for (const auto& a : args) {
    const std::string name = a.substr(0, a.find('='));
    if (!std::regex_search(help, std::regex("(^|[ ,])" + name + "([ ,=]|$)", std::regex::multiline)))
      unknown.push_back(name);
  }
  return unknown;
}

TEST(KubernetesTest, EveryFileParsesAndKustomizationsNameFilesThatExist) {
  const auto all = LoadAll();
  ASSERT_GE(all.size(), 8u);
  int kustomizations = 0;
  for (const auto& m : all) {
    const std::string kind = m.doc["kind"].as<std::string>("");
    ASSERT_FALSE(kind.empty()) << m.file;
    if (kind != "Kustomization") {
      EXPECT_TRUE(m.doc["metadata"]["name"].IsDefined()) << m.file;
      continue;
    }
    ++kustomizations;
    const fs::path dir = fs::path(m.file).parent_path();
    for (const auto& r : m.doc["resources"])
      EXPECT_TRUE(fs::exists(dir / r.as<std::string>())) << m.file << ": " << r;
    for (const auto& p : m.doc["patches"])
      EXPECT_TRUE(fs::exists(dir / p["path"].as<std::string>())) << m.file;
    // Overlays name the images the base uses.
    for (const auto& i : m.doc["images"]) {
      const std::string image = i["name"].as<std::string>();
      EXPECT_TRUE(image == "derm-scheduler" || image == "derm-worker") << m.file << ": " << image;
    }
  }
  EXPECT_EQ(kustomizations, 3);
}

TEST(KubernetesTest, ServicesProbesVolumesAndTheWorkersAddressFitTogether) {
  const auto all = LoadAll();
  const auto services = Objects(all, "Service");
  const auto sets = Objects(all, "StatefulSet");
  const auto deployments = Objects(all, "Deployment");
  ASSERT_TRUE(services.count("derm-scheduler") && sets.count("derm-scheduler") &&
              deployments.count("derm-worker"));
  const YAML::Node scheduler = sets.at("derm-scheduler");
  EXPECT_EQ(scheduler["spec"]["replicas"].as<int>(), 1) << "SQLite: one scheduler";

  // The Service selects the scheduler's pods and its target ports are the container's.
  const YAML::Node service = services.at("derm-scheduler");
  for (const auto& kv : service["spec"]["selector"]) {
    EXPECT_EQ(
        scheduler["spec"]["template"]["metadata"]["labels"][kv.first.as<std::string>()].as<std::string>(""),
        kv.second.as<std::string>());
  }
  const YAML::Node container = Container(scheduler, "scheduler");
  std::map<std::string, int> ports;
  for (const auto& p : container["ports"]) ports[p["name"].as<std::string>()] = p["containerPort"].as<int>();
  std::map<std::string, int> service_ports;
  for (const auto& p : service["spec"]["ports"]) {
    EXPECT_TRUE(ports.count(p["targetPort"].as<std::string>())) << p["targetPort"];
    service_ports[p["name"].as<std::string>()] = p["port"].as<int>();
  }
  const auto args = Args(container);
  EXPECT_EQ(Port(Flag(args, "--listen")), ports.at("grpc"));
  EXPECT_EQ(Port(Flag(args, "--http-listen")), ports.at("http"));
  EXPECT_EQ(Port(Flag(args, "--health-listen")), ports.at("health"));
  for (const char* probe : {"livenessProbe", "readinessProbe"}) {
    EXPECT_EQ(container[probe]["grpc"]["port"].as<int>(), ports.at("health")) << probe;
  }
  // Files named in flags live on mounted volumes.
  std::vector<std::string> mounts;
  for (const auto& v : container["volumeMounts"]) mounts.push_back(v["mountPath"].as<std::string>());
  for (const char* flag : {"--db", "--tls-cert", "--tls-key", "--admin-token-file", "--export-dir"}) {
    const std::string path = Flag(args, flag);
    EXPECT_TRUE(
        std::any_of(mounts.begin(), mounts.end(), [&](const auto& m) { return path.rfind(m + "/", 0) == 0; }))
        << flag << " " << path;
  }
  // Prometheus scrapes the HTTP port.
  EXPECT_EQ(scheduler["spec"]["template"]["metadata"]["annotations"]["prometheus.io/port"].as<std::string>(),
            std::to_string(ports.at("http")));

  // Workers dial the Service's gRPC port by its name, with files from their Secret.
  const YAML::Node worker = Container(deployments.at("derm-worker"), "worker");
  const auto wargs = Args(worker);
  EXPECT_EQ(Flag(wargs, "--scheduler"), "derm-scheduler:" + std::to_string(service_ports.at("grpc")));
  std::set<std::string> secrets, claims;
  for (const auto& v : deployments.at("derm-worker")["spec"]["template"]["spec"]["volumes"]) {
    if (v["secret"]) secrets.insert(v["secret"]["secretName"].as<std::string>());
    if (v["persistentVolumeClaim"]) claims.insert(v["persistentVolumeClaim"]["claimName"].as<std::string>());
  }
  for (const auto& v : scheduler["spec"]["template"]["spec"]["volumes"]) {
    if (v["secret"]) secrets.insert(v["secret"]["secretName"].as<std::string>());
  }
  const auto pvcs = Objects(all, "PersistentVolumeClaim");
  for (const auto& c : claims) EXPECT_TRUE(pvcs.count(c)) << "no PersistentVolumeClaim " << c;
  // The Secrets are made by hand, as docs/deploy.md says.
  const std::string docs = testing::ReadFile(std::string(DERM_SOURCE_DIR) + "/docs/deploy.md");
  for (const auto& s : secrets)
    EXPECT_NE(docs.find("kubectl -n derm create secret generic " + s), std::string::npos) << s;

  // KEDA scales the worker Deployment.
  const auto scaled = Objects(all, "ScaledObject");
  ASSERT_EQ(scaled.size(), 1u);
  EXPECT_EQ(scaled.begin()->second["spec"]["scaleTargetRef"]["name"].as<std::string>(), "derm-worker");
}

TEST(KubernetesTest, EveryFlagInEveryManifestIsOneTheBinaryTakes) {
  for (const auto& m : LoadAll()) {
    const std::string kind = m.doc["kind"].as<std::string>("");
    if (kind != "StatefulSet" && kind != "Deployment") continue;
    for (const auto& c : m.doc["spec"]["template"]["spec"]["containers"]) {
      const std::string name = c["name"].as<std::string>();
      const std::string binary = name == "scheduler" ? DERM_SCHEDULER_BIN : DERM_WORKER_BIN;
      EXPECT_EQ(UnknownFlags(binary, Args(c)), std::vector<std::string>()) << m.file << " " << name;
    }
  }
}

// The scheduler and a worker started with the manifests' command lines, paths and addresses moved
// into the test's folder: the scheduler serves TLS and the health port, the worker registers with
// the cluster job its pod name gives it, and the KEDA query's metric is on /metrics.
TEST(KubernetesTest, TheManifestsCommandLinesServeAndRegister) {
  const auto all = LoadAll();
  testing::TempDir dir;
  testing::TestCertificates certs(dir);
  const testing::KeyPair server = certs.Server("derm-scheduler");
  fs::create_directories(dir.Join("data/exports"));
  fs::create_directories(dir.Join("tls"));
  fs::create_directories(dir.Join("worker"));
  fs::copy_file(server.cert, dir.Join("tls/tls.crt"));
  fs::copy_file(server.key, dir.Join("tls/tls.key"));
  fs::copy_file(certs.ca(), dir.Join("worker/ca.crt"));
  auto move = [&](std::string arg, const std::string& scheduler_address) {
    for (const auto& [from, to] :
         std::vector<std::pair<std::string, std::string>>{{"/data", dir.Join("data")},
                                                          {"/etc/derm/tls", dir.Join("tls")},
                                                          {"/etc/derm/worker", dir.Join("worker")}}) {
      const size_t eq = arg.find('=');
      if (eq != std::string::npos && arg.compare(eq + 1, from.size(), from) == 0)
        arg.replace(eq + 1, from.size(), to);
    }
    arg = std::regex_replace(arg, std::regex("=0\\.0\\.0\\.0:[0-9]+$"), "=127.0.0.1:0");
    return std::regex_replace(arg, std::regex("=derm-scheduler:[0-9]+$"), "=" + scheduler_address);
  };

  std::vector<std::string> argv = {DERM_SCHEDULER_BIN};
  for (const auto& a : Args(Container(Objects(all, "StatefulSet").at("derm-scheduler"), "scheduler")))
    argv.push_back(move(a, ""));
  testing::Subprocess scheduler(argv, dir.Join("scheduler.log"));
  std::string line, address, http;
  ASSERT_TRUE(scheduler.ReadLine(&line)) << testing::ReadFile(dir.Join("scheduler.log"));
  ASSERT_EQ(line.rfind("derm-scheduler listening on ", 0), 0u) << line;
  address = line.substr(28);
  ASSERT_TRUE(scheduler.ReadLine(&line));
  http = line.substr(line.rfind(' ') + 1);
  const std::string log = testing::ReadFile(dir.Join("scheduler.log"));
  const std::smatch health = [&] {
    std::smatch m;
    std::regex_search(log, m, std::regex("health service \\(plaintext\\) on (\\S+)"));
    return m;
  }();
  ASSERT_FALSE(health.empty()) << log;
  std::vector<std::string> answers;
  const auto probe = scheduler::CallRaw(grpc::CreateChannel(health[1], grpc::InsecureChannelCredentials()),
                                        "/grpc.health.v1.Health/Check", "", "", &answers);
  EXPECT_TRUE(probe.ok()) << probe.error_message();

  // An admin (the token the scheduler wrote on its volume) makes the workers' token.
  const std::string admin = dir.Join("data/admin.token");
  const auto token =
      testing::RunCommand({DERMCTL_BIN, "--server", address, "--tls-ca", certs.ca(), "--token-file", admin,
                           "token", "create", "--user", "k8s-workers", "--role", "worker"});
  ASSERT_EQ(token.exit_code, 0) << token.err;
  testing::WriteFile(dir.Join("worker/worker.token"), token.out);

  const YAML::Node worker = Container(Objects(all, "Deployment").at("derm-worker"), "worker");
  std::map<std::string, std::string> env = {{"POD_NAME", "derm-worker-5d8f7-x2kq9"}};
  for (const auto& e : worker["env"]) {
    if (!e["value"]) continue;
    std::string value = e["value"].as<std::string>();
    for (const auto& [k, v] : env) value = std::regex_replace(value, std::regex("\\$\\(" + k + "\\)"), v);
    env[e["name"].as<std::string>()] = value;
    setenv(e["name"].as<std::string>().c_str(), value.c_str(), 1);
  }
  std::vector<std::string> wargv = {"/bin/sh", "-c", "exec \"$0\" \"$@\" 2>&1", DERM_WORKER_BIN};
  for (const auto& a : Args(worker)) wargv.push_back(move(a, address));
  testing::Subprocess w(wargv);
  unsetenv("DERM_CLUSTER_JOB");
  std::string worker_log;
  while (w.ReadLine(&line) && line.find("registered as worker") == std::string::npos)
    worker_log += line + "\n";
  const auto listed = testing::RunCommand({DERMCTL_BIN, "--server", address, "--tls-ca", certs.ca(),
                                           "--token-file", admin, "list", "workers", "-o", "csv"});
  EXPECT_NE(listed.out.find(",k8s:derm-worker-5d8f7-x2kq9,"), std::string::npos)
      << listed.out << listed.err << worker_log;

  // The KEDA query's metrics are the scheduler's: derm_jobs by state.
  const std::string query = Objects(all, "ScaledObject")
                                .begin()
                                ->second["spec"]["triggers"][0]["metadata"]["query"]
                                .as<std::string>();
  const std::string metrics = testing::HttpGet(http, "/metrics");
  const std::regex metric("(derm_[a-z_]+)\\{state=\"([A-Z]+)\"\\}");
  for (std::sregex_iterator it(query.begin(), query.end(), metric), end; it != end; ++it) {
    EXPECT_NE(metrics.find("# TYPE " + (*it)[1].str() + " gauge"), std::string::npos) << (*it)[1];
    EXPECT_NE(metrics.find((*it)[0].str() + " "), std::string::npos)
        << (*it)[0] << " is not a series on /metrics";
  }
  EXPECT_NE(query.find("derm_jobs{state=\"QUEUED\"}"), std::string::npos) << query;
  w.Signal(SIGTERM);
  EXPECT_EQ(w.Wait(), 0);
  scheduler.Signal(SIGTERM);
  EXPECT_EQ(scheduler.Wait(), 0);
}

}  // namespace
}  // namespace derm
