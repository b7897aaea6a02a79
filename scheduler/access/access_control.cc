#include "scheduler/access/access_control.h"

#include <unistd.h>

#include <algorithm>

#include "common/crypto/secret.h"
#include "common/crypto/sha256.h"
#include "scheduler/access/certificate_subject.h"
#include "scheduler/access/secret_file.h"

namespace derm::scheduler {
namespace {

constexpr char kBearer[] = "Bearer ";
constexpr int64_t kMaxTtlMs = int64_t{10} * 366 * 24 * 3600 * 1000;  // ten years

// The user the shared --auth-token-file token acts as, and the first (bootstrap) token's.
constexpr char kAdminUser[] = "admin";

}  // namespace

AccessControl::AccessControl(std::unique_ptr<store::AccessStore> store, const Clock* clock,
                             AccessOptions options)
    : clock_(clock),
      options_(std::move(options)),
      store_(std::move(store)),
      limiter_(options_.audit_burst, options_.audit_per_second) {}

StatusOr<std::unique_ptr<AccessControl>> AccessControl::Open(const std::string& db_path, const Clock* clock,
                                                             AccessOptions options) {
  DERM_ASSIGN_OR_RETURN(auto store, store::AccessStore::Open(db_path));
  DERM_ASSIGN_OR_RETURN(std::vector<store::StoredToken> tokens, store->tokens().All());
  std::unique_ptr<AccessControl> access(new AccessControl(std::move(store), clock, std::move(options)));
  {
    MutexLock lock(&access->index_mu_);
    for (auto& t : tokens) access->by_hash_[t.sha256] = std::move(t);
  }
  if (tokens.empty() && access->options_.shared_token.empty() &&
      !access->options_.bootstrap_token_file.empty()) {
    MutexLock lock(&access->store_mu_);
    DERM_RETURN_IF_ERROR(access->Bootstrap());
  }
  return access;
}

Status AccessControl::Bootstrap() {
  const std::string& file = options_.bootstrap_token_file;
  const std::string secret = NewSecret("derm_");
  if (Status written = WriteNewSecretFile(file, secret + "\n"); !written.ok()) {
    if (written.code() != StatusCode::kAlreadyExists) return written;
    return AlreadyExists(file +
                         " exists, but the database has no tokens: it belongs to another database. "
                         "Remove it, or give --admin-token-file another path");
  }
  store::StoredToken t;
  t.token.set_user(kAdminUser);
  t.token.set_role(derm::v1::ADMIN);
  t.token.set_created_ms(clock_->NowMillis());
  t.token.set_created_by("derm-scheduler (first start)");
  t.sha256 = Sha256Hex(secret);
  auto stored =
      store_->tokens().Insert(t, Event("", "token.bootstrap", "OK", "admin token written to " + file, ""));
  if (!stored.ok()) {
    unlink(file.c_str());
    return stored.status();
  }
  t.token = *stored;
  MutexLock lock(&index_mu_);
  by_hash_[t.sha256] = t;
  wrote_bootstrap_ = true;
  return Status::Ok();
}

StatusOr<Principal> AccessControl::Authenticate(const CallCredentials& call) {
  if (call.authorization) {
    const std::string& value = *call.authorization;
    if (value.rfind(kBearer, 0) != 0) {
      return Unauthenticated("the authorization metadata must be 'Bearer <token>'");
    }
    return FromToken(value.substr(sizeof kBearer - 1));
  }
  if (!call.client_certificate.empty()) return FromCertificate(call.client_certificate);
  return Unauthenticated(
      "this scheduler requires a token: pass --token-file or set DERM_TOKEN (a new database's admin token "
      "is written beside it; docs/security.md)");
}

StatusOr<Principal> AccessControl::FromToken(const std::string& secret) {
  if (!options_.shared_token.empty() && SecretsEqual(secret, options_.shared_token)) {
    Principal p = Principal::Of(kAdminUser, derm::v1::ADMIN, "--auth-token-file");
    p.permissions = p.permissions.With(Permission::kWork);  // workers of earlier versions share it
    return p;
  }
  const std::string hash = Sha256Hex(secret);
  MutexLock lock(&index_mu_);
  auto it = by_hash_.find(hash);
  if (it == by_hash_.end()) return Unauthenticated("the token was not accepted by the scheduler");
  const derm::v1::Token& t = it->second.token;
  if (t.revoked_ms() != 0) return Unauthenticated("token " + std::to_string(t.id()) + " was revoked");
  if (t.expires_ms() != 0 && clock_->NowMillis() >= t.expires_ms()) {
    return Unauthenticated("token " + std::to_string(t.id()) + " has expired");
  }
  return Principal::Of(t.user(), t.role(), "token " + std::to_string(t.id()));
}

StatusOr<Principal> AccessControl::FromCertificate(const std::string& pem) const {
  auto subject = ParseCertificateSubject(pem);
  if (!subject.ok()) return Unauthenticated(subject.status().message());
  if (!ValidUserName(subject->common_name)) {
    return Unauthenticated("the client certificate's CN must be a user name (letters, digits, . _ @ -)");
  }
  std::optional<derm::v1::Role> role;
  for (const std::string& o : subject->organizations) {
    const auto r = ParseRole(o);
    if (!r) continue;
    if (role && *role != *r) {
      return Unauthenticated("the client certificate of " + subject->common_name + " names several roles");
    }
    role = r;
  }
  if (!role) {
    return Unauthenticated(
        "the client certificate of " + subject->common_name +
        " names no derm role: its subject needs O=viewer, editor, admin, worker or launcher (or "
        "send a token)");
  }
  return Principal::Of(subject->common_name, *role, "client certificate");
}

Status AccessControl::Authorize(const Principal& principal, std::string_view method) const {
  const std::optional<Permission> needed = RequiredPermission(method);
  if (!needed) return PermissionDenied("no permission is defined for " + std::string(method));
  if (principal.Can(*needed)) return Status::Ok();
  const std::string rpc(method.substr(method.rfind('.') + 1));
  return PermissionDenied(principal.Describe() + " may not call " + rpc + ": it needs the permission '" +
                          PermissionName(*needed) + "' (" + RolesGranting(*needed) + ")");
}

derm::v1::AuditEvent AccessControl::Event(const std::string& principal, std::string_view action,
                                          const std::string& outcome, const std::string& detail,
                                          const std::string& peer) const {
  derm::v1::AuditEvent e;
  e.set_time_ms(clock_->NowMillis());
  e.set_principal(principal);
  e.set_action(std::string(action));
  e.set_outcome(outcome);
  e.set_detail(detail);
  e.set_peer(peer);
  return e;
}

bool AccessControl::RecordRefusal(const Principal* principal, std::string_view action, const Status& why,
                                  const std::string& peer) {
  MutexLock lock(&store_mu_);
  if (!limiter_.Admit(clock_->NowMillis())) return false;
  std::string detail = why.message();
  if (const int64_t dropped = limiter_.TakeDropped(); dropped > 0) {
    detail += " (" + std::to_string(dropped) + " earlier refusals not recorded: rate limit)";
  }
  const std::string outcome =
      why.code() == StatusCode::kUnauthenticated ? "UNAUTHENTICATED" : "PERMISSION_DENIED";
  // A failed write (a full disk) loses this row only; the call was refused either way.
  return store_->audit().Append(Event(principal ? principal->user : "", action, outcome, detail, peer)).ok();
}

StatusOr<derm::v1::CreateTokenResponse> AccessControl::CreateToken(
    const Principal& by, const derm::v1::CreateTokenRequest& request, const std::string& peer) {
  if (!ValidUserName(request.user())) {
    return InvalidArgument("user must be 1-64 characters: letters, digits, . _ @ -");
  }
  if (request.role() == derm::v1::ROLE_UNSPECIFIED || !derm::v1::Role_IsValid(request.role())) {
    return InvalidArgument("role must be viewer, editor, admin, worker or launcher");
  }
  if (request.ttl_ms() < 0 || request.ttl_ms() > kMaxTtlMs) {
    return InvalidArgument("ttl_ms must be between 0 (never expires) and ten years");
  }
  const int64_t now = clock_->NowMillis();
  derm::v1::CreateTokenResponse response;
  response.set_secret(NewSecret("derm_"));
  store::StoredToken t;
  t.token.set_user(request.user());
  t.token.set_role(request.role());
  t.token.set_created_ms(now);
  t.token.set_expires_ms(request.ttl_ms() ? now + request.ttl_ms() : 0);
  t.token.set_created_by(by.user);
  t.sha256 = Sha256Hex(response.secret());
  MutexLock lock(&store_mu_);
  const std::string detail =
      "for " + request.user() + " (" + RoleName(request.role()) + ")" +
      (request.ttl_ms() ? ", expires in " + std::to_string(request.ttl_ms() / 1000) + " s" : "");
  DERM_ASSIGN_OR_RETURN(*response.mutable_token(),
                        store_->tokens().Insert(t, Event(by.user, "token.create", "OK", detail, peer)));
  t.token = response.token();
  MutexLock index_lock(&index_mu_);
  by_hash_[t.sha256] = std::move(t);
  return response;
}

std::vector<derm::v1::Token> AccessControl::ListTokens() {
  MutexLock lock(&index_mu_);
  std::vector<derm::v1::Token> out;
  for (const auto& [hash, t] : by_hash_) out.push_back(t.token);
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id() < b.id(); });
  return out;
}

StatusOr<derm::v1::Token> AccessControl::RevokeToken(const Principal& by, int64_t id,
                                                     const std::string& peer) {
  MutexLock lock(&store_mu_);
  DERM_ASSIGN_OR_RETURN(
      derm::v1::Token revoked,
      store_->tokens().Revoke(id, clock_->NowMillis(),
                              Event(by.user, "token.revoke", "OK", "token " + std::to_string(id), peer)));
  MutexLock index_lock(&index_mu_);
  for (auto& [hash, t] : by_hash_) {
    if (t.token.id() == id) t.token = revoked;
  }
  return revoked;
}

StatusOr<std::vector<derm::v1::AuditEvent>> AccessControl::ListAuditEvents(
    const derm::v1::ListAuditEventsRequest& request) {
  if (request.limit() < 0 || request.limit() > 10000)
    return InvalidArgument("limit must be between 0 and 10000");
  MutexLock lock(&store_mu_);
  return store_->audit().List(request.before_id(), request.limit() ? request.limit() : 100);
}

}  // namespace derm::scheduler
