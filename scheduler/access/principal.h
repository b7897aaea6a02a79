// Principal: who a call comes from, once authenticated: a user (a person or a service, named by
// its token or client certificate) or a worker, with the role that sets its permissions.
#pragma once

#include <string>
#include <utility>

#include "derm/v1/access.pb.h"
#include "scheduler/access/permissions.h"

namespace derm::scheduler {

struct Principal {
  std::string user;  // recorded as jobs.submitted_by, workers.registered_by, audit_events.principal
  derm::v1::Role role = derm::v1::ROLE_UNSPECIFIED;
  Permissions permissions;  // PermissionsOf(role), plus the worker service for --auth-token-file
  std::string via;          // "token 4", "client certificate", "--auth-token-file"

  // `user` with `role` and the permissions it grants, authenticated by `via`.
  static Principal Of(std::string user, derm::v1::Role role, std::string via) {
    return Principal{std::move(user), role, PermissionsOf(role), std::move(via)};
  }
  bool Can(Permission p) const { return permissions.Has(p); }
  // "alice (editor)".
  std::string Describe() const { return user + " (" + RoleName(role) + ")"; }
};

// A user name: 1-64 characters, letters, digits and . _ @ - (so that it is safe in listings and
// as the prefix of per-user idempotency keys, user/KEY).
bool ValidUserName(const std::string& name);

}  // namespace derm::scheduler
