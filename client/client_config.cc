#include "client/client_config.h"

#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <filesystem>

#include "common/grpc/auth.h"

namespace derm::client {
namespace {

struct FileConfig {
  std::string server, token_file;
  int64_t timeout_ms = 0;
  TlsFiles tls;
};

// The flag's value, else $env, else the config file's.
std::string Pick(const std::string& flag, const char* env, const std::string& file) {
  if (!flag.empty()) return flag;
  if (const char* v = std::getenv(env); v && *v) return v;
  return file;
}

StatusOr<FileConfig> ReadConfigFile() {
  std::string path;
  if (const char* env = std::getenv("DERM_CONFIG"); env && *env) {
    path = env;
  } else if (const char* home = std::getenv("HOME"); home && *home) {
    path = std::string(home) + "/.config/derm/config.yaml";
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return FileConfig{};
  } else {
    return FileConfig{};
  }
  FileConfig c;
  try {
    const YAML::Node root = YAML::LoadFile(path);
    if (!root.IsDefined() || root.IsNull()) return c;
    if (!root.IsMap()) return InvalidArgument("config file " + path + " must be a mapping");
    for (const auto& kv : root) {
      const std::string key = kv.first.as<std::string>();
      if (key == "server") {
        c.server = kv.second.as<std::string>();
      } else if (key == "token_file") {
        c.token_file = kv.second.as<std::string>();
      } else if (key == "timeout_ms") {
        c.timeout_ms = kv.second.as<int64_t>();
        if (c.timeout_ms < 1 || c.timeout_ms > 3600000) {
          return InvalidArgument("config file " + path + ": timeout_ms must be between 1 and 3600000");
        }
      } else if (key == "tls_ca") {
        c.tls.ca = kv.second.as<std::string>();
      } else if (key == "tls_cert") {
        c.tls.cert = kv.second.as<std::string>();
      } else if (key == "tls_key") {
        c.tls.key = kv.second.as<std::string>();
      } else {
        return InvalidArgument("config file " + path + ": unknown key '" + key +
                               "' (known: server, token_file, timeout_ms, tls_ca, tls_cert, tls_key)");
      }
    }
  } catch (const YAML::BadFile&) {
    return NotFound("cannot read config file " + path);
  } catch (const YAML::Exception& e) {
    return InvalidArgument("config file " + path + ": " + e.what());
  }
  return c;
}

}  // namespace

StatusOr<ClientConfig> ResolveClientConfig(const ClientFlags& flags) {
  DERM_ASSIGN_OR_RETURN(FileConfig file, ReadConfigFile());
  ClientConfig c;
  c.server = Pick(flags.server, "DERM_SERVER", file.server);
  if (c.server.empty()) c.server = ClientConfig().server;
  c.tls.ca = Pick(flags.tls.ca, "DERM_TLS_CA", file.tls.ca);
  c.tls.cert = Pick(flags.tls.cert, "DERM_TLS_CERT", file.tls.cert);
  c.tls.key = Pick(flags.tls.key, "DERM_TLS_KEY", file.tls.key);
  c.timeout_ms = flags.timeout_ms ? flags.timeout_ms : (file.timeout_ms ? file.timeout_ms : c.timeout_ms);
  // LoadToken: the flag's file, else $DERM_TOKEN; the config file's token_file comes last.
  DERM_ASSIGN_OR_RETURN(c.token, LoadToken(flags.token_file));
  if (c.token.empty() && !file.token_file.empty()) {
    DERM_ASSIGN_OR_RETURN(c.token, LoadToken(file.token_file));
  }
  return c;
}

}  // namespace derm::client
