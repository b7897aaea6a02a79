// dermctl's verbs. Each returns the process exit code (see ExitCode), writes results to `out`,
// and writes one line per problem, prefixed "dermctl: ", to `err`.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "client/connection.h"
#include "client/table.h"

namespace derm::client {

enum ExitCode {
  kExitOk = 0,
  kExitJobFailed = 1,    // --wait/--follow: the job ended FAILED or CANCELLED
  kExitBadInput = 2,     // usage, unreadable or invalid spec, missing data folder, bad filter
  kExitUnreachable = 3,  // the scheduler could not be reached or timed out
  kExitServerError = 4,  // the scheduler refused the request (unknown job or run, ...)
};

struct SubmitOptions {
  std::string file;
  bool follow = false;
  bool wait = false;
  bool check_paths = true;  // check data folders exist here (off when only workers see them)
  std::string idempotency_key;
};

struct ListOptions {
  OutputFormat format = OutputFormat::kTable;
  int limit = 50;
  std::string filter;               // runs: the ListRuns filter language
  std::string sort;                 // runs: the ListRuns order_by
  std::vector<std::string> states;  // jobs: QUEUED, RUNNING, ...
};

struct PlotOptions {
  std::vector<int64_t> run_ids;
  std::string file;          // FILE.png or FILE.svg
  bool confusion = false;    // heatmaps instead of learning curves
  bool roc = false;          // every class's ROC curve
  bool calibration = false;  // reliability diagrams
  bool test = false;         // confusion, roc, calibration: the test split
};

struct TokenOptions {
  std::string user;
  std::string role;       // viewer, editor, admin, worker or launcher
  int64_t expires_s = 0;  // 0: never
};

struct PromoteOptions {
  std::string name;
  int32_t version = 0;
  std::string stage;   // none, staging, production, archived
  bool force = false;  // past the gates (admins)
  std::string reason;
};

struct ExportOptions {
  std::string what;    // runs, metrics, classes, confusion, predictions, params
  int64_t run_id = 0;  // 0: every run
  int64_t job_id = 0;  // predictions, errors: 0 = every job
  OutputFormat format = OutputFormat::kCsv;
  std::string file;  // "" = stdout
  // predictions of a run's split in the ISIC Challenge's CSV (client/isic_export.h): the
  // probabilities, or with `truth` the one-hot ground truth.
  bool isic = false;
  std::string split;  // validation or test
  bool truth = false;
};

int Submit(Connection& conn, const SubmitOptions& options, std::ostream& out, std::ostream& err);
// Streams a job's events until it ends; prints the run report when it succeeded.
int FollowJob(Connection& conn, int64_t job_id, std::ostream& out, std::ostream& err);

int GetJob(Connection& conn, int64_t job_id, OutputFormat format, std::ostream& out, std::ostream& err);
int GetRun(Connection& conn, int64_t run_id, OutputFormat format, std::ostream& out, std::ostream& err);
int ListJobs(Connection& conn, const ListOptions& options, std::ostream& out, std::ostream& err);
int ListRuns(Connection& conn, const ListOptions& options, std::ostream& out, std::ostream& err);
int ListWorkers(Connection& conn, OutputFormat format, std::ostream& out, std::ostream& err);
int Query(Connection& conn, const std::string& sql, int64_t max_rows, OutputFormat format, std::ostream& out,
          std::ostream& err);

// Differing params, summary metrics, curves, per-class scores, confusion difference, McNemar.
int CompareRuns(Connection& conn, const std::vector<int64_t>& run_ids, OutputFormat format, std::ostream& out,
                std::ostream& err);
int Plot(Connection& conn, const PlotOptions& options, std::ostream& out, std::ostream& err);
int Export(Connection& conn, const ExportOptions& options, std::ostream& out, std::ostream& err);
// The model registry: a run's model as the next version of `name`, a version's stage, the versions.
int RegisterModel(Connection& conn, int64_t run_id, const std::string& name, std::ostream& out,
                  std::ostream& err);
int PromoteModel(Connection& conn, const PromoteOptions& options, std::ostream& out, std::ostream& err);
int ListModels(Connection& conn, const std::string& name, OutputFormat format, std::ostream& out,
               std::ostream& err);
// An inference job's predicted classes and unreadable images.
int PrintInferenceSummary(Connection& conn, int64_t job_id, std::ostream& out, std::ostream& err);
// Submits a finished job's spec again as a new job (the RetryJob RPC: own jobs, or any as admin).
int RetryJob(Connection& conn, int64_t job_id, std::ostream& out, std::ostream& err);
int DescribeRun(Connection& conn, int64_t run_id, OutputFormat format, std::ostream& out, std::ostream& err);
int DescribeJob(Connection& conn, int64_t job_id, std::ostream& out, std::ostream& err);
int Events(Connection& conn, int64_t job_id, std::ostream& out, std::ostream& err);
int CancelJob(Connection& conn, int64_t job_id, const std::string& reason, std::ostream& out,
              std::ostream& err);
int DrainWorker(Connection& conn, int64_t worker_id, std::ostream& out, std::ostream& err);

// Who the scheduler takes this caller to be.
int WhoAmI(Connection& conn, std::ostream& out, std::ostream& err);
// Prints the new token's secret alone on `out` (once; only its hash is stored), the rest on `err`.
int CreateToken(Connection& conn, const TokenOptions& options, std::ostream& out, std::ostream& err);
int ListTokens(Connection& conn, OutputFormat format, std::ostream& out, std::ostream& err);
int RevokeToken(Connection& conn, int64_t id, std::ostream& out, std::ostream& err);
// The audit trail, newest first: refused calls and token changes (admins).
int AuditEvents(Connection& conn, int limit, OutputFormat format, std::ostream& out, std::ostream& err);

// Shared by the verbs: prints `st` as one line and maps it to an exit code.
int Fail(const Status& st, std::ostream& err);

}  // namespace derm::client
