#include "scheduler/web/login_sessions.h"

#include <algorithm>

#include "common/crypto/secret.h"

namespace derm::scheduler::web {

std::string LoginSessions::Create(const std::string& token) {
  std::string id = NewSecret("");
  const int64_t now = clock_->NowMillis();
  MutexLock lock(&mu_);
  for (auto it = sessions_.begin(); it != sessions_.end();) {  // idle ones go first
    it = now - it->second.last_used_ms > idle_ms_ ? sessions_.erase(it) : std::next(it);
  }
  if (sessions_.size() >= max_sessions_) {
    sessions_.erase(std::min_element(sessions_.begin(), sessions_.end(), [](const auto& a, const auto& b) {
      return a.second.last_used_ms < b.second.last_used_ms;
    }));
  }
  sessions_[id] = Session{token, now};
  return id;
}

std::optional<std::string> LoginSessions::TokenOf(const std::string& id) {
  const int64_t now = clock_->NowMillis();
  MutexLock lock(&mu_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return std::nullopt;
  if (now - it->second.last_used_ms > idle_ms_) {
    sessions_.erase(it);
    return std::nullopt;
  }
  it->second.last_used_ms = now;
  return it->second.token;
}

void LoginSessions::End(const std::string& id) {
  MutexLock lock(&mu_);
  sessions_.erase(id);
}

}  // namespace derm::scheduler::web
