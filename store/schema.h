// The results database schema and its migrations, versioned by PRAGMA user_version. Only the
// scheduler migrates. docs/schema.md documents every table and view.
#pragma once

#include "common/status.h"
#include "store/sqlite.h"

namespace derm::store {

inline constexpr int kSchemaVersion = 10;

// Brings `db` from whatever version it has up to `target` (tests migrate to older versions),
// one transaction per step. FAILED_PRECONDITION if the file is newer than this binary knows.
Status Migrate(Database* db, int target = kSchemaVersion);

}  // namespace derm::store
