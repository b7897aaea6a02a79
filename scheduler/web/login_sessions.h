// LoginSessions: the dashboard's logins. A browser that logged in with a token holds a random
// session id in an HttpOnly cookie (EventSource cannot send headers); the id maps to the token
// here, in memory only (a restarted scheduler asks for the token again). Every request still
// presents the token to the gRPC side, so a revoked or expired token ends its sessions at once.
// Sessions end after `idle_ms` without use or on logout; at most `max_sessions` are kept (the
// least recently used goes first).
// Thread-safety: thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "common/clock.h"
#include "common/mutex.h"

namespace derm::scheduler::web {

class LoginSessions {
 public:
  LoginSessions(const Clock* clock, int64_t idle_ms = 12 * 3600 * 1000, size_t max_sessions = 10000)
      : clock_(clock), idle_ms_(idle_ms), max_sessions_(max_sessions) {}

  // A new session for `token`; returns its id (43 random base64url characters).
  std::string Create(const std::string& token);
  // The token of session `id`, which counts as a use; nullopt for an unknown or idle one.
  std::optional<std::string> TokenOf(const std::string& id);
  void End(const std::string& id);

 private:
  struct Session {
    std::string token;
    int64_t last_used_ms = 0;
  };
  const Clock* clock_;
  const int64_t idle_ms_;
  const size_t max_sessions_;
  Mutex mu_;
  std::map<std::string, Session> sessions_ DERM_GUARDED_BY(mu_);
};

}  // namespace derm::scheduler::web
