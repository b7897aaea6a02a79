// Permissions, the roles that grant them, and the one table that says which permission each RPC
// needs. A call is allowed when its caller's role grants the RPC's permission; an RPC missing from
// the table is refused (fail closed), and a test walks every RPC of every service against every
// role.
// Thread-safety: thread-safe (constant data).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "derm/v1/access.pb.h"

namespace derm::scheduler {

enum class Permission : uint32_t {
  kIdentify = 1u << 0,       // learn who it is; reflection
  kRead = 1u << 1,           // jobs, runs, workers, events, models, read-only SQL
  kSubmit = 1u << 2,         // submit jobs
  kChangeOwnJobs = 1u << 3,  // cancel or retry jobs it submitted
  kChangeAnyJob = 1u << 4,   // cancel or retry anyone's jobs
  kManageWorkers = 1u << 5,  // drain workers
  kManageAccess = 1u << 6,   // tokens and the audit trail
  kWork = 1u << 7,           // the worker service (and only for its own attempts)
  kReadQueue = 1u << 8,      // list jobs and workers (kRead grants it too)
  kOverrideGates = 1u << 9,  // promote a model to production although its gates did not all pass
};

// A set of permissions.
class Permissions {
 public:
  constexpr Permissions() = default;
  constexpr explicit Permissions(uint32_t bits) : bits_(bits) {}
  constexpr bool Has(Permission p) const { return (bits_ & static_cast<uint32_t>(p)) != 0; }
  constexpr Permissions With(Permission p) const { return Permissions(bits_ | static_cast<uint32_t>(p)); }
  constexpr Permissions With(Permissions other) const { return Permissions(bits_ | other.bits_); }

 private:
  uint32_t bits_ = 0;
};

// What `role` may do: viewer reads; editor also submits and changes its own jobs; admin also
// changes anyone's jobs, drains workers, manages access and may force a model past its gates;
// worker only works; launcher only lists jobs and workers and drains workers (derm-launcher).
// ROLE_UNSPECIFIED grants nothing.
Permissions PermissionsOf(derm::v1::Role role);

// "viewer", "editor", "admin", "worker", "launcher" (lower case, as dermctl and certificates spell them).
std::string RoleName(derm::v1::Role role);
// The role named `name` (any case); nullopt for anything else.
std::optional<derm::v1::Role> ParseRole(std::string_view name);

// How a permission reads in messages: "read", "submit", "change own jobs", ...
std::string PermissionName(Permission p);
// The roles that grant `p`, for messages: "editor or admin".
std::string RolesGranting(Permission p);

// The permission the RPC `method` needs, by its full protobuf name
// ("derm.v1.JobService.CancelJob"); nullopt for an RPC the table does not know.
std::optional<Permission> RequiredPermission(std::string_view method);
// The whole table, by full method name.
const std::map<std::string, Permission, std::less<>>& PermissionTable();

}  // namespace derm::scheduler
