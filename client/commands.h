// dermctl's verbs. Each returns the process exit code (see ExitCode) and writes results to `out`
// and one line per problem, prefixed "dermctl: ", to `err`.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

#include "client/connection.h"

namespace derm::client {

enum ExitCode {
  kExitOk = 0,
  kExitJobFailed = 1,    // --wait/--follow: the job ended FAILED or CANCELLED
  kExitBadInput = 2,     // usage, unreadable or invalid spec, missing data folder
  kExitUnreachable = 3,  // the scheduler could not be reached or timed out
  kExitServerError = 4,  // the scheduler refused the request (unknown job, ...)
};

struct SubmitOptions {
  std::string file;
  bool follow = false;
  bool wait = false;
  bool check_paths = true;  // check data folders exist here (off when only workers see them)
  std::string idempotency_key;
};

int Submit(Connection& conn, const SubmitOptions& options, std::ostream& out, std::ostream& err);
int GetJob(Connection& conn, int64_t job_id, std::ostream& out, std::ostream& err);
int ListJobs(Connection& conn, int limit, std::ostream& out, std::ostream& err);
int DescribeRun(Connection& conn, int64_t run_id, std::ostream& out, std::ostream& err);
int CancelJob(Connection& conn, int64_t job_id, std::ostream& out, std::ostream& err);

}  // namespace derm::client
