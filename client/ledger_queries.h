// Reading the per-image ledger (docs/data.md) through the scheduler's read-only Query: a run's
// class names, and the probability vectors predictions store. Shared by the ISIC export and the
// pooled cross-validation evaluation.
#pragma once

#include <string>
#include <vector>

#include "client/commands.h"

namespace derm::client {

// The rows of `sql` (at most 100,000; more is INVALID_ARGUMENT).
StatusOr<derm::v1::QueryResponse> QueryRows(Connection& conn, const std::string& sql);

// The run's class names, in label order; NOT_FOUND when the run does not exist or has none yet.
StatusOr<std::vector<std::string>> RunClassNames(Connection& conn, int64_t run_id);

// The numbers of a stored "[p0,p1,...]" as written (`classes` of them), or DATA_LOSS naming
// `what`.
StatusOr<std::vector<std::string>> ProbabilityFields(const std::string& stored, size_t classes,
                                                     const std::string& what);

// `s` as an SQL string literal.
std::string SqlText(const std::string& s);

}  // namespace derm::client
