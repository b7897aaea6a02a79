// Row-level helpers for the jobs table, shared by the tables that insert or read jobs inside
// their own transactions (JobTable, ShardTable). Internal to store/.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status_or.h"
#include "derm/v1/jobs.pb.h"

namespace derm::store {

class Database;

// Inserts a QUEUED job submitted by `submitted_by`, its run (not for an inference job), its
// flattened params and its "submitted" event, inside the caller's transaction. ALREADY_EXISTS if
// the key is taken.
StatusOr<derm::v1::Job> InsertJobRows(Database* db, const derm::v1::JobSpec& spec,
                                      const std::string& idempotency_key, const std::string& submitted_by,
                                      int64_t now_ms, int64_t sweep_id = 0);

// The jobs matching `where` (an SQL tail over the jobs table, with its ORDER BY), at most `limit`.
// `where` is built by store/ code only, from enums and numbers; request text goes in `param`,
// bound to its one `?`.
StatusOr<std::vector<derm::v1::Job>> QueryJobs(Database* db, const std::string& where, int limit,
                                               const std::optional<std::string>& param = std::nullopt);

}  // namespace derm::store
