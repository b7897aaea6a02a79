// AccessControl: who may call the scheduler, and the record of who was refused.
//
// A call is authenticated by, in order: its "authorization: Bearer TOKEN" metadata (a token made
// by CreateToken, of which only the SHA-256 is stored; or the shared --auth-token-file token,
// which acts as the user "admin" with the admin role and the worker service, as before access
// control); else, on an mTLS port, its verified client certificate (CN = user, O = role). It is
// then authorized by the permission table (scheduler/access/permissions.h). Refusals are counted
// and written to audit_events at a bounded rate; token changes are written with the change.
//
// A database without tokens gets a first admin token at Open: written to
// options.bootstrap_token_file (mode 0600, never overwriting a file), unless a shared token is
// configured.
//
// Tokens and the audit trail live on a connection of their own (store/access_store.h), so
// authentication never waits for the scheduler's writer lock.
// Thread-safety: thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/mutex.h"
#include "common/status_or.h"
#include "derm/v1/access.pb.h"
#include "scheduler/access/audit_limiter.h"
#include "scheduler/access/principal.h"
#include "store/access_store.h"

namespace derm::scheduler {

struct AccessOptions {
  std::string shared_token;          // --auth-token-file's token; empty: none
  std::string bootstrap_token_file;  // where a database without tokens gets its admin token; empty: none
  int audit_burst = 100;             // refused calls written to audit_events at once ...
  double audit_per_second = 1;       // ... and then per second
};

// What a call presents, taken from gRPC by the services (scheduler/call_guard.h).
struct CallCredentials {
  std::optional<std::string> authorization;  // the "authorization" metadata, when sent
  std::string client_certificate;            // PEM of the verified client certificate (mTLS), or ""
};

class AccessControl {
 public:
  // Opens the access tables of the (migrated) database at `db_path` and writes the bootstrap
  // token when it is due. ALREADY_EXISTS when the bootstrap file exists but the database has no
  // token (remove the stale file).
  static StatusOr<std::unique_ptr<AccessControl>> Open(const std::string& db_path, const Clock* clock,
                                                       AccessOptions options);

  // True when Open wrote options.bootstrap_token_file.
  bool wrote_bootstrap_token() const { return wrote_bootstrap_; }

  // The caller; UNAUTHENTICATED naming what is wrong (no credentials, an unknown, expired or
  // revoked token, a certificate without a derm role).
  StatusOr<Principal> Authenticate(const CallCredentials& call);
  // OK when `principal` may call `method` (full name, "derm.v1.JobService.CancelJob");
  // PERMISSION_DENIED naming the permission and the roles that have it otherwise.
  Status Authorize(const Principal& principal, std::string_view method) const;
  // Records a refused call (UNAUTHENTICATED or PERMISSION_DENIED) in audit_events, unless the
  // rate limit holds it back. Returns whether it was written.
  bool RecordRefusal(const Principal* principal, std::string_view action, const Status& why,
                     const std::string& peer);

  // A new token for request.user with request.role, made by `by`; its secret is in the reply only.
  // INVALID_ARGUMENT for a bad user name, role or ttl.
  StatusOr<derm::v1::CreateTokenResponse> CreateToken(const Principal& by,
                                                      const derm::v1::CreateTokenRequest& request,
                                                      const std::string& peer);
  // Every token, oldest first (never a secret).
  std::vector<derm::v1::Token> ListTokens();
  // Revokes token `id`: calls presenting it are UNAUTHENTICATED from now on. NOT_FOUND for an
  // unknown id.
  StatusOr<derm::v1::Token> RevokeToken(const Principal& by, int64_t id, const std::string& peer);
  // Newest first; INVALID_ARGUMENT for a limit outside 0..10000.
  StatusOr<std::vector<derm::v1::AuditEvent>> ListAuditEvents(
      const derm::v1::ListAuditEventsRequest& request);

 private:
  AccessControl(std::unique_ptr<store::AccessStore> store, const Clock* clock, AccessOptions options);
  // Writes the bootstrap token file and stores its token.
  Status Bootstrap() DERM_REQUIRES(store_mu_);
  StatusOr<Principal> FromToken(const std::string& secret);
  StatusOr<Principal> FromCertificate(const std::string& pem) const;
  derm::v1::AuditEvent Event(const std::string& principal, std::string_view action,
                             const std::string& outcome, const std::string& detail,
                             const std::string& peer) const;

  const Clock* clock_;
  const AccessOptions options_;
  bool wrote_bootstrap_ = false;
  Mutex store_mu_;  // the access tables; taken before index_mu_ when both are needed
  std::unique_ptr<store::AccessStore> store_ DERM_GUARDED_BY(store_mu_);
  AuditLimiter limiter_ DERM_GUARDED_BY(store_mu_);
  mutable Mutex index_mu_;
  std::map<std::string, store::StoredToken> by_hash_ DERM_GUARDED_BY(index_mu_);  // SHA-256 -> token
};

}  // namespace derm::scheduler
